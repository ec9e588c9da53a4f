# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A private PostgreSQL 15 cluster for tests and the quickstart: its own data
# directory, reachable only through a unix socket in its own directory (no
# TCP), pg_hba.conf exactly as `mpjail-pg hba` prints it, SCRAM passwords.
# Never touches the Debian cluster (/etc/postgresql, /run/postgresql).
#
# Source it (bash, as root).  Functions return non-zero on failure and print
# why; they never exit.
#   pg_init DIR     initdb DIR/data as postgres (kept if it exists), socket
#                   dir DIR/sock, log DIR/log/postgresql.log
#   pg_start DIR    start it (no-op if already running); sets PG_SOCK
#   pg_stop DIR     pg_ctl stop -m fast (no-op if not running)
#   pg_running DIR  true when its postmaster is alive
#   pg_throwaway DIR   pg_init + pg_start, stopped by lib.sh's cleanup
# Settings: PG_BINDIR (default /usr/lib/postgresql/15/bin), PG_PORT (5432:
# it only names the socket file, .s.PGSQL.PORT, inside the private dir).

PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
PG_PORT=${PG_PORT:-5432}
# shellcheck disable=SC2034 # for the sourcing script
PG_SOCK=

# pg_have: the binaries this helper needs are installed.
pg_have() {
	[ -x "$PG_BINDIR/initdb" ] && [ -x "$PG_BINDIR/pg_ctl" ] && id -u postgres >/dev/null 2>&1
}

# _pg_as_postgres CMD...: run as the postgres account, from a directory it
# may enter (runuser keeps the caller's cwd, which may be private).
_pg_as_postgres() {
	(cd / && runuser -u postgres -- "$@")
}

pg_init() {
	local dir=$1 src hba
	pg_have || { echo "pg.sh: PostgreSQL 15 binaries not found in $PG_BINDIR" >&2; return 1; }
	install -d -o root -g root -m 0755 "$dir" || return 1
	install -d -o postgres -g postgres -m 0700 "$dir/data" "$dir/log" || return 1
	# World-searchable so the socket can be bind-mounted into jails; the
	# socket file itself is what pg_hba.conf guards.
	install -d -o postgres -g postgres -m 0755 "$dir/sock" || return 1
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		_pg_as_postgres "$PG_BINDIR/initdb" -D "$dir/data" -A peer -E UTF8 \
			--locale=C.UTF-8 >"$dir/log/initdb.log" 2>&1 || {
			echo "pg.sh: initdb failed, see $dir/log/initdb.log" >&2
			return 1
		}
	fi
	# The same lines an admin installs (docs/hosting.md), from the script
	# itself so the two cannot drift.
	src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	hba=$("$src/scripts/mpjail-pg" hba) || return 1
	printf '%s\n' "$hba" >"$dir/data/pg_hba.conf"
	chown postgres:postgres "$dir/data/pg_hba.conf"
	chmod 0600 "$dir/data/pg_hba.conf"
}

pg_running() {
	_pg_as_postgres "$PG_BINDIR/pg_ctl" -D "$1/data" status >/dev/null 2>&1
}

pg_start() {
	local dir=$1
	# shellcheck disable=SC2034 # for the sourcing script
	PG_SOCK=$dir/sock
	pg_running "$dir" && return 0
	# log_statement = all: tests check that no password reaches the log.
	_pg_as_postgres "$PG_BINDIR/pg_ctl" -D "$dir/data" -l "$dir/log/postgresql.log" -w -t 60 \
		-o "-c listen_addresses='' -c unix_socket_directories='$dir/sock' -c port=$PG_PORT -c password_encryption=scram-sha-256 -c log_statement=all -c log_connections=on" \
		start >/dev/null || {
		echo "pg.sh: the cluster in $dir did not start; log:" >&2
		tail -n 20 "$dir/log/postgresql.log" >&2
		return 1
	}
}

pg_stop() {
	local dir=$1
	[ -f "$dir/data/PG_VERSION" ] || return 0
	pg_running "$dir" || return 0
	_pg_as_postgres "$PG_BINDIR/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
}

pg_throwaway() {
	local dir=$1
	pg_init "$dir" || return 1
	T_CLEANUP+=("pg_stop '$dir'")
	pg_start "$dir"
}
