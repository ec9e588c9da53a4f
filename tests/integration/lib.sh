# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for integration tests: TAP output, loud skips, a throwaway
# configuration in a temp dir, throwaway tenant accounts, and cleanup.
# Source it from a test script; meson sets MPJAIL, MPJAIL_PROBE, MPJAIL_SRC.
set -u

: "${MPJAIL:?MPJAIL must point at the built mpjail binary}"
: "${MPJAIL_SRC:?MPJAIL_SRC must point at the source tree}"

T_NUM=0
T_FAILED=0
T_CLEANUP=()  # commands run at exit, last first
T_USERS=()
T_PIDS=()

ok() { T_NUM=$((T_NUM + 1)); echo "ok $T_NUM - $*"; }
not_ok() { T_NUM=$((T_NUM + 1)); T_FAILED=$((T_FAILED + 1)); echo "not ok $T_NUM - $*"; }
diag() { printf '# %s\n' "$@"; }

# check DESCRIPTION COMMAND...: one TAP line from a command's status.  The
# command's stdout goes to stderr so that it cannot corrupt the TAP stream.
check() {
	local desc=$1
	shift
	if "$@" >&2; then ok "$desc"; else not_ok "$desc"; fi
}

# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1"
		diag "expected: $2" "actual:   $3"
	fi
}

# expect_match DESCRIPTION REGEX TEXT
expect_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then ok "$1"; else
		not_ok "$1"
		diag "no line matches /$2/ in:"
		printf '%s\n' "$3" | head -40 | sed 's/^/#   /'
	fi
}

expect_no_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		not_ok "$1"
		diag "unexpected match for /$2/:"
		printf '%s\n' "$3" | grep -E -- "$2" | head -20 | sed 's/^/#   /'
	else ok "$1"; fi
}

# witness_uid_change WHO UID GID CMD...: run CMD under mpjail-window with
# fs.suid_dumpable 1, which stops every process of it at each syscall from
# its setresuid() to UID up to its prctl(PR_SET_DUMPABLE, 0) and there tries
# to open its memory and environment as UID:GID (the tenant's login, which
# could SIGSTOP it there).  Twice: as usual, and with CAP_WAKE_ALARM (the
# guard capability) out of the bounding set, where CAP_SETGID stands in
# (docs/design.md, "The uid change keeps a guard capability").  A function
# witness_before, where the test defines one, runs before each.
witness_uid_change() {
	local who=$1 uid=$2 gid=$3 old bset how out rc
	shift 3
	old=$(cat /proc/sys/fs/suid_dumpable)
	T_CLEANUP+=("echo $old >/proc/sys/fs/suid_dumpable")
	for bset in '' -wake_alarm; do
		how=${bset:+" (bounding set $bset)"}
		[ "$(type -t witness_before)" != function ] || witness_before
		echo 1 >/proc/sys/fs/suid_dumpable
		out=$(setpriv --bounding-set="${bset:-+all}" "$MPJAIL_WINDOW" "$uid" "$gid" "$@" 2>&1)
		rc=$?
		echo "$old" >/proc/sys/fs/suid_dumpable
		printf '%s\n' "$out" | grep -E '^(window|closed)' | sed 's/^/# /'
		expect_eq "$who under the witness$how: exit 0" 0 "$rc"
		expect_match "$who was stopped right after its uid change$how" '^window [0-9]+ ' "$out"
		expect_match "$who was followed until it was not dumpable again$how" \
			'^closed [0-9]+' "$out"
		expect_no_match "suid_dumpable=1: the tenant cannot open $who's memory there$how" \
			'^window .*mem=OK' "$out"
		expect_no_match "suid_dumpable=1: nor its environment$how" '^window .*environ=OK' "$out"
	done
}

# A test that cannot run here says why.  In CI (MPJAIL_NO_SKIP=1, set by
# scripts/test when root) a skip is a failure: it must not pass silently.
skip_all() {
	if [ "${MPJAIL_NO_SKIP:-0}" = 1 ]; then
		echo "Bail out! cannot run: $* (MPJAIL_NO_SKIP=1 forbids skipping)"
		exit 1
	fi
	echo "1..0 # SKIP $*"
	exit 77
}

require_root() {
	[ "$(id -u)" = 0 ] || skip_all "needs root (namespaces, mounts, accounts)"
}

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip_all "needs $c (run ./scripts/test to install it)"
	done
}

done_testing() {
	echo "1..$T_NUM"
	[ "$T_FAILED" = 0 ]
	exit $?
}

t_cleanup() {
	local i pid u
	for pid in "${T_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${T_PIDS[@]}"; do
		for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for ((i = ${#T_CLEANUP[@]} - 1; i >= 0; i--)); do
		eval "${T_CLEANUP[i]}" >/dev/null 2>&1
	done
	for u in "${T_USERS[@]}"; do
		userdel "$u" >/dev/null 2>&1
		groupdel "$u" >/dev/null 2>&1
	done
	[ -n "${T_DIR:-}" ] && [ -d "$T_DIR" ] && rm -rf --one-file-system "$T_DIR"
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM

# mpj_env: a private config/state/run tree; mpj COMMAND ARGS runs mpjail on it.
mpj_env() {
	T_DIR=$(mktemp -d /tmp/mpjail-test.XXXXXX)
	chmod 0755 "$T_DIR"
	CONF=$T_DIR/etc
	STATE=$T_DIR/state
	RUN=$T_DIR/run
	HOMES=$T_DIR/homes
	mkdir -p "$CONF/tenants" "$CONF/profiles" "$CONF/credentials" "$STATE" "$RUN" "$HOMES"
	chmod 0755 "$CONF" "$CONF/tenants" "$CONF/profiles" "$STATE" "$RUN" "$HOMES"
	chmod 0700 "$CONF/credentials"
	PORT_BASE=$((20000 + (RANDOM % 90) * 100))
	MPJ_GROUP=$(cg_group_of "$STATE")
	cat >"$CONF/mpjail.conf" <<-EOF
	[mpjail]
	port_range = 20000-29999
	EOF
}

# wait_until SECONDS COMMAND...: poll every 0.1 s.
wait_until() {
	local n=$(($1 * 10)) i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# free_port [LOW [SPAN]]: a port nobody listens on (TCP or UDP), by default
# in the tests' port_range 20000-29999, never one this script already
# handed out (tests run beside other tests on this machine).
USED_PORTS=" "
free_port() {
	local p
	for _ in $(seq 200); do
		p=$((${1:-20000} + RANDOM % ${2:-10000}))
		[[ $USED_PORTS == *" $p "* ]] && continue
		[ -z "$(ss -Hltun "sport = :$p")" ] || continue
		USED_PORTS+="$p "
		echo "$p"
		return 0
	done
	return 1
}

# show_if_fails COMMAND...: its output only when it fails (as TAP comments).
show_if_fails() {
	local out rc
	out=$("$@" 2>&1) && return 0
	rc=$?
	printf '%s\n' "$out" | tail -n 20 | sed 's/^/#   /'
	return $rc
}

# mpj_no_db: the modperl profile's db_socket_dir for tests without a
# database: an empty directory.
mpj_no_db() {
	mkdir -m 0755 "$T_DIR/pgsock"
	echo "db_socket_dir = $T_DIR/pgsock" >>"$CONF/mpjail.conf"
}

# cg_group_of STATE_DIR: the installation's cgroup group below BASE,
# "mpjail-" and FNV-1a (32 bit) of the state directory, computed here
# independently of the launcher (docs/design.md, "cgroup names").
cg_group_of() {
	local s=$1 h=2166136261 i c
	for ((i = 0; i < ${#s}; i++)); do
		printf -v c '%d' "'${s:i:1}"
		h=$((((h ^ c) * 16777619) & 0xffffffff))
	done
	printf 'mpjail-%08x\n' "$h"
}

mpj() {
	local cmd=$1
	shift
	"$MPJAIL" "$cmd" --config-dir "$CONF" --state-dir "$STATE" --run-dir "$RUN" \
		--data-dir "$MPJAIL_SRC" "$@"
}

# mpj_user NAME: a throwaway host account (uid/gid >= 20000), removed at exit.
# The uid is one no process runs under: a uid freed by a deleted account can
# still own processes (another test's leftovers), which would confuse every
# "nothing of the tenant is left" check.
mpj_user() {
	local u=$1 id try
	for try in $(seq 20); do
		id=$((20000 + RANDOM % 10000))
		getent passwd "$id" >/dev/null && continue
		getent group "$id" >/dev/null && continue
		pgrep -u "$id" >/dev/null && continue
		useradd --no-create-home --shell /usr/sbin/nologin --uid "$id" --user-group \
			--key GID_MIN="$id" --key GID_MAX=29999 --home-dir /nonexistent "$u" ||
			continue
		T_USERS+=("$u")
		return 0
	done
	return 1
}

# mpj_tenant NAME PORTS [PROFILE] [EXTRA-LINES]: account, home and tenant file.
# The account is named mt<pid-suffix><name> so parallel runs never collide.
mpj_tenant() {
	local name=$1 ports=$2 profile=${3:-default} extra=${4:-}
	local user="mt$(($$ % 10000))${name}"
	mpj_user "$user" || return 1
	mkdir -p "$HOMES/$name"
	chown "$user:$user" "$HOMES/$name"
	chmod 0750 "$HOMES/$name"
	cat >"$CONF/tenants/$name.conf" <<-EOF
	[tenant]
	user = $user
	home = $HOMES/$name
	profile = $profile
	ports = $ports
	hostnames = $name.example.test
	$extra
	EOF
	eval "USER_$name=$user"
}

# install_probe NAME: copy the static probe into the tenant's home as /home/USER/probe.
install_probe() {
	install -m 0755 "$MPJAIL_PROBE" "$HOMES/$1/probe"
}

# probe_fact TEXT KEY: the value of "FACT KEY value" lines (all of them).
probe_fact() {
	printf '%s\n' "$1" | sed -n "s/^FACT $2 //p"
}

# mpj_tenants_batch PREFIX N PORT_BASE [PROFILE] [EXTRA-LINES]: N tenants
# PREFIX1..PREFIXN (port PORT_BASE+i each) whose accounts are made by one
# newusers(8) call: useradd takes ~85 ms an account, too slow for a thousand.
# The uids are a block of N free ones from 30000 up (mpj_user takes 20000-29999),
# none owning a process; the accounts are locked (chpasswd -e "!") and removed
# at exit like mpj_user's.  Sets USER_PREFIXi.
mpj_tenants_batch() {
	local prefix=$1 n=$2 pbase=$3 profile=${4:-default} extra=${5:-}
	local base i u f used
	used=$({
		getent passwd | cut -d: -f3
		getent group | cut -d: -f3
		ps -e -o uid= -o gid=
	} | tr -s ' ' '\n' | sort -nu)
	for ((base = 30000; base + n <= 60000; base += n)); do
		awk -v lo="$base" -v hi=$((base + n - 1)) '$1 >= lo && $1 <= hi { f = 1 } END { exit f }' \
			<<<"$used" && break
	done
	[ $((base + n)) -le 60000 ] || return 1
	f=$(mktemp "$T_DIR/newusers.XXXXXX")
	for ((i = 1; i <= n; i++)); do
		u="mt$(($$ % 10000))${prefix}$i"
		printf '%s:x:%d:%d::%s:/usr/sbin/nologin\n' "$u" $((base + i - 1)) $((base + i - 1)) \
			"$HOMES/$prefix$i"
		T_USERS+=("$u")
		eval "USER_$prefix$i=$u"
	done >"$f"
	mkdir -p "$HOMES" || return 1
	# newusers creates the homes, owned by the account; the password field is
	# hashed, so each account is locked right after, in one call too.
	newusers "$f" || return 1
	sed 's/^\([^:]*\):.*/\1:!/' "$f" | chpasswd -e || return 1
	for ((i = 1; i <= n; i++)); do
		eval "u=\$USER_$prefix$i"
		chown "$u:$u" "$HOMES/$prefix$i" && chmod 0750 "$HOMES/$prefix$i" || return 1
		cat >"$CONF/tenants/$prefix$i.conf" <<-EOC
		[tenant]
		user = $u
		home = $HOMES/$prefix$i
		profile = $profile
		ports = $((pbase + i))
		hostnames = $prefix$i.example.test
		$extra
		EOC
	done
}
