#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Per-tenant mod_perl hosting, end to end, on real components: two modperl
# tenants under `mpjail run` (apache2 + mod_perl in jails), a private
# PostgreSQL 15 started here (unix socket only, SCRAM, pg_hba per
# `mpjail-pg hba`), databases from `mpjail-pg provision`, and the shipped
# frontend Apache on a loopback port routing by Host.  Checks routing, what
# one tenant can reach of the other (files, credentials, database), where the
# password must never appear, graceful reload of edited code, crash restart,
# password rotation, and that a stopped supervisor leaves nothing behind.
. "$MPJAIL_SRC/tests/integration/lib.sh"
. "$MPJAIL_SRC/tests/integration/pg.sh"

require_root
require_cmd useradd runuser curl perl ss pgrep /usr/sbin/apache2
[ -f /usr/lib/apache2/modules/mod_perl.so ] || skip_all "needs libapache2-mod-perl2 (scripts/deps)"
perl -MDBD::Pg -e 1 2>/dev/null || skip_all "needs libdbd-pg-perl (scripts/deps)"
pg_have || skip_all "needs PostgreSQL 15 in $PG_BINDIR (scripts/deps)"

PGTOOL=$MPJAIL_SRC/scripts/mpjail-pg
FRONT_TOOL=$MPJAIL_SRC/scripts/frontend/mpjail-frontend

# diag_text TEXT: a multi-line text as TAP comments.
diag_text() { printf '%s\n' "$1" | sed 's/^/#   /'; }

# httpd_parent SUPERVISOR: host pid of the httpd parent in that
# supervisor's jail: supervisor -> the jail's pid 1 (a reaper) -> apache2.
httpd_parent() {
	local reaper
	reaper=$(pgrep -P "$1" | head -n 1) && [ -n "$reaper" ] &&
		pgrep -P "$reaper" -f '^/usr/sbin/apache2 ' | head -n 1
}

mounts_before=$(wc -l </proc/self/mountinfo)
mpj_env
pg_throwaway "$T_DIR/pg" || { echo "Bail out! cannot start PostgreSQL"; exit 1; }
PGLOG=$T_DIR/pg/log/postgresql.log
printf 'db_socket_dir = %s\n' "$PG_SOCK" >>"$CONF/mpjail.conf"

# Tenant names unique to this run: the pids cgroup hierarchy is shared with
# whatever else runs on the machine, and the cgroup checks below must only
# ever see ours.
sfx=$(($$ % 100000))
A=ta$sfx
B=tb$sfx
PA=$(free_port) && PB=$(free_port) && FPORT=$(free_port) ||
	{ echo "Bail out! no free port"; exit 1; }
# HOSTING_NETWORK=private (the `hosting-private` test): the same checks with
# the tenants in private networks, as `network auto` runs them on a kernel
# without Landlock network rules (Debian 12's 6.1): the frontend reaches the
# handed-in listeners, PostgreSQL its unix socket.
PROFILE=modperl
if [ "${HOSTING_NETWORK:-}" = private ]; then
	printf 'mpjail-profile 1\ninclude modperl\nnetwork private\n' >"$CONF/profiles/privmp.profile"
	PROFILE=privmp
fi
mpj_tenant "$A" "$PA" "$PROFILE"
mpj_tenant "$B" "$PB" "$PROFILE"
eval "UA=\$USER_$A UB=\$USER_$B"
UID_A=$(id -u "$UA")
UID_B=$(id -u "$UB")
HA=$HOMES/$A
HB=$HOMES/$B
diag "tenants $A ($UA uid $UID_A, port $PA), $B ($UB uid $UID_B, port $PB); frontend $FPORT; $T_DIR"

pgtool() { "$PGTOOL" --config-dir "$CONF" --run-dir "$RUN" --host "$PG_SOCK" --mpjail "$MPJAIL" "$@"; }

# ---------------------------------------------------------- provisioning ---
check "provision $A's database" show_if_fails pgtool provision "$A"
check "provision $B's database" show_if_fails pgtool provision "$B"
PW_A=$(head -n 1 "$CONF/credentials/$A/db")
PW_B=$(head -n 1 "$CONF/credentials/$B/db")
expect_eq "$A's stored password is 32 characters" 32 "${#PW_A}"
check "the two passwords differ" test "$PW_A" != "$PW_B"
check "build $A" show_if_fails mpj build "$A"
check "build $B" show_if_fails mpj build "$B"

# ------------------------------------------------------------ supervisors ---
# start_sv NAME: `mpjail run NAME` in the background, its stderr kept for the
# leak scan.  Not through mpj(): $! must be mpjail itself, not a subshell,
# for the signals below.
start_sv() {
	"$MPJAIL" run --config-dir "$CONF" --state-dir "$STATE" --run-dir "$RUN" \
		--data-dir "$MPJAIL_SRC" "$1" >>"$T_DIR/run-$1.log" 2>&1 &
	T_PIDS+=($!)
}
start_sv "$A"
SVA=$!
start_sv "$B"
SVB=$!
ready() { grep -q "ready: 127.0.0.1:$2 answers" "$T_DIR/run-$1.log"; }
check "$A's supervisor reports READY" wait_until 30 ready "$A" "$PA"
check "$B's supervisor reports READY" wait_until 30 ready "$B" "$PB"
hp=$(httpd_parent "$SVA")
if [ "${HOSTING_NETWORK:-}" = private ]; then
	check "$A's httpd has a network namespace of its own" \
		test -n "$hp" -a "$(readlink "/proc/$hp/ns/net")" != "$(readlink /proc/self/ns/net)"
else
	check "$A's httpd is in the host's network namespace" \
		test -n "$hp" -a "$(readlink "/proc/$hp/ns/net")" = "$(readlink /proc/self/ns/net)"
fi

# ---------------------------------------------------------------- frontend ---
check "mpjail frontend writes the maps" show_if_fails mpj frontend --output "$T_DIR/front"
"$FRONT_TOOL" render --listen "127.0.0.1:$FPORT" --map-dir "$T_DIR/front" \
	--run-dir "$T_DIR/front" --output "$T_DIR/front/frontend.conf" >/dev/null
check "the frontend Apache starts" show_if_fails "$FRONT_TOOL" start --config "$T_DIR/front/frontend.conf"
T_CLEANUP+=("'$FRONT_TOOL' stop --config '$T_DIR/front/frontend.conf'")

page() { curl -s --max-time 10 -H "Host: $1" "http://127.0.0.1:$FPORT${2:-/hello}"; }
status_of() { curl -s -o /dev/null --max-time 10 -w '%{http_code}' -H "Host: $1" "http://127.0.0.1:$FPORT/hello"; }
has_row() { page "$1" | grep -q "^database row: $2\$"; }

pa=$(page "$A.example.test")
diag "$A through the frontend:"
diag_text "$pa"
expect_match "$A's host: its own tenant name" "^Hello from mpjail tenant $A\$" "$pa"
expect_match "$A's host: served by $A's uid" "^user: $UA \\(uid $UID_A\\)\$" "$pa"
expect_match "$A's host: $A's own database row" "^database row: Hello from tenant $A\$" "$pa"
pb=$(page "$B.example.test")
expect_match "$B's host: its own tenant name" "^Hello from mpjail tenant $B\$" "$pb"
expect_match "$B's host: served by $B's uid" "^user: $UB \\(uid $UID_B\\)\$" "$pb"
expect_match "$B's host: $B's own database row" "^database row: Hello from tenant $B\$" "$pb"
expect_no_match "$A's page shows nothing of $B" "$B|uid $UID_B" "$pa"
pu=$(page "$(echo "$A" | tr a-z A-Z).Example.TEST:$FPORT")
expect_match "upper-case Host with a port still routes to $A" "^user: $UA \\(uid $UID_A\\)\$" "$pu"
expect_eq "an unknown host gets 421" 421 "$(status_of unknown.example.test)"
expect_eq "a look-alike host gets 421" 421 "$(status_of "$A.example.test.evil")"
expect_eq "the static index through the frontend" 200 \
	"$(curl -s -o /dev/null --max-time 10 -w '%{http_code}' -H "Host: $A.example.test" "http://127.0.0.1:$FPORT/")"

# ------------------------------------------------------- from inside $A ---
ina() { mpj exec "$A" -- "$@"; }
# Which of these paths exist inside A's jail (one per line).
existing=$(ina sh -c 'for p; do [ -e "$p" ] && echo "$p"; done; exit 0' sh \
	/run/secrets/db "/run/secrets/$B" "$CONF" "$CONF/credentials/$B/db" \
	"$HB" "/home/$UB" "$HB/perl/Mpjail/DB.pm" "$STATE/jails/$B" "$T_DIR")
expect_eq "inside $A: its own /run/secrets/db exists, nothing of $B nor the host config" \
	/run/secrets/db "$existing"
expect_eq "inside $A: /run/secrets holds only db" db "$(ina ls -A /run/secrets)"
expect_eq "inside $A: /run/secrets/db is 0400 and $A's" "400 $UA" "$(ina stat -c '%a %U' /run/secrets/db)"
expect_eq "inside $A: /run/secrets/db is $A's stored password" "$PW_A" "$(ina cat /run/secrets/db)"
expect_eq "inside $A: /home has only $A's home" "$UA" "$(ina ls -A /home)"
# B's password anywhere A can read (patterns on stdin: never on a command line).
leak_in_a=$(printf '%s\n' "$PW_B" | ina sh -c 'grep -rlF -D skip -f - /etc /home /run /tmp /var 2>/dev/null; exit 0')
expect_eq "inside $A: $B's password is in no readable file" "" "$leak_in_a"
leak_in_a=$(printf '%s\n' "$PW_A" | ina sh -c 'grep -rlF -D skip -f - /etc /home /run /tmp /var 2>/dev/null; exit 0')
expect_eq "inside $A: the same scan finds A's own password only in /run/secrets (control)" \
	/run/secrets/db "$leak_in_a"

# db_try DBNAME ROLE: connect from inside A with A's password (/run/secrets/db).
db_try() {
	ina perl -I"/home/$UA/perl" -MMpjail::DB -e '
		my $dbh = eval { Mpjail::DB->connect(dbname => $ARGV[0], user => $ARGV[1]) };
		if ($dbh) { print "CONNECTED ", $dbh->selectrow_array("SELECT greeting FROM mpjail_demo"), "\n" }
		else { print "REFUSED $@" }' "$1" "$2" 2>&1
}
r=$(db_try "$UA" "$UA")
expect_eq "inside $A: A's password opens A's database" "CONNECTED Hello from tenant $A" "$r"
r=$(db_try "$UB" "$UA")
expect_match "inside $A: $B's database as $A: no pg_hba.conf entry" "^REFUSED .*no pg_hba.conf entry" "$r"
r=$(db_try "$UB" "$UB")
expect_match "inside $A: $B's database as $B with A's password: authentication fails" \
	"^REFUSED .*password authentication failed" "$r"
r=$(db_try postgres "$UA")
expect_match "inside $A: the postgres database: no pg_hba.conf entry" "^REFUSED .*no pg_hba.conf entry" "$r"
expect_no_match "refusal messages do not carry the password" "$PW_A" "$(db_try "$UB" "$UB")"

# ------------------------------------------------- where passwords are not ---
# leak_scan LABEL PASSWORD...: no process environment or command line on
# the host, no file of the jail trees, homes (logs included), supervisor
# stderr or the PostgreSQL log (log_statement = all) holds a password.
leak_scan() {
	local label=$1 pat=$T_DIR/patterns hits
	shift
	(umask 077 && printf '%s\n' "$@" >"$pat")
	# Control: the scan finds a password where it is meant to be.
	check "$label: the scan finds the stored password (control)" \
		grep -qF -f "$pat" "$CONF/credentials/$A/db"
	hits=$(grep -lF -a -f "$pat" /proc/[0-9]*/environ /proc/[0-9]*/cmdline 2>/dev/null)
	expect_eq "$label: no process environment or command line" "" "$hits"
	hits=$(grep -rlF -a -D skip -f "$pat" "$STATE" "$HOMES" "$T_DIR"/run-*.log "$PGLOG" \
		"$T_DIR/front" 2>/dev/null)
	expect_eq "$label: no jail tree, httpd.conf, home, log or supervisor output" "" "$hits"
	rm -f "$pat"
}
pids_a=$(httpd_parent "$SVA")
pids_a="$pids_a $(pgrep -P "${pids_a:-0}" -d ' ')"
check "$A's httpd processes are found for the scan ($pids_a)" test -n "$pids_a"
leak_scan "passwords" "$PW_A" "$PW_B"

# --------------------------------------------------- edited code, reload ---
expect_match "mpjail status: $A is running" "running" "$(mpj status "$A" 2>&1)"
hpid=$(httpd_parent "$SVA")
runuser -u "$UA" -- sed -i 's/"Hello from mpjail tenant /"Edited greeting from tenant /' "$HA/perl/Mpjail/Hello.pm"
check "Hello.pm edited in $A's home" grep -q 'Edited greeting' "$HA/perl/Mpjail/Hello.pm"
expect_match "before the graceful restart the old code still answers" "^Hello from mpjail tenant $A\$" \
	"$(page "$A.example.test")"
check "mpjail reload $A (config test in a jail, then graceful)" show_if_fails mpj reload "$A"
edited() { page "$A.example.test" | grep -q "^Edited greeting from tenant $A\$"; }
check "the edited handler is served after the graceful restart" wait_until 20 edited
expect_eq "a graceful restart keeps httpd's parent" "$hpid" "$(httpd_parent "$SVA")"
check "$B is untouched by $A's reload" has_row "$B.example.test" "Hello from tenant $B"

# ------------------------------------------------------ crash and restart ---
hpid=$(httpd_parent "$SVA")
check "kill -9 of $A's httpd parent (host pid $hpid)" kill -KILL "$hpid"
new_parent() { local p; p=$(httpd_parent "$SVA") && [ "$p" != "$hpid" ]; }
check "the supervisor starts a new httpd" wait_until 20 new_parent
check "$A answers with its database row again" wait_until 20 has_row "$A.example.test" "Hello from tenant $A"
expect_match "the supervisor logged the restart" "restart 1 in [0-9]+ s" "$(cat "$T_DIR/run-$A.log")"
check "the supervisor itself survived" kill -0 "$SVA"

# --------------------------------------------------------- rotation ---
old_pw=$T_DIR/old-pw
(umask 077 && printf '%s\n' "$PW_A" >"$old_pw")
hpid=$(httpd_parent "$SVA")
out=$(pgtool rotate "$A" 2>&1)
rc=$?
diag "mpjail-pg rotate:"
diag_text "$out"
expect_eq "rotate exits 0" 0 "$rc"
expect_match "rotate reloads the tenant (the secret is re-synced into the running jail)" \
	"reloaded tenant" "$out"
check "the same supervisor still runs" kill -0 "$SVA"
expect_eq "rotation is graceful: httpd's parent is the same process" "$hpid" "$(httpd_parent "$SVA")"
PW_A2=$(head -n 1 "$CONF/credentials/$A/db")
check "a new password is stored" test "$PW_A2" != "$PW_A" -a "${#PW_A2}" = 32
check "$A serves its database row with the new password" \
	wait_until 30 has_row "$A.example.test" "Hello from tenant $A"
expect_eq "the jail's /run/secrets/db holds the new password" "$PW_A2" "$(ina cat /run/secrets/db)"
# host_try SECRETFILE: connect as A from the host with a password file.
host_try() {
	perl -I"$HA/perl" -MMpjail::DB -e '
		my $dbh = eval { Mpjail::DB->connect(secret_file => $ARGV[0], host => $ARGV[1],
			dbname => $ARGV[2], user => $ARGV[2]) };
		print $dbh ? "CONNECTED\n" : "REFUSED $@"' "$1" "$PG_SOCK" "$UA" 2>&1
}
expect_match "the old password no longer authenticates" "^REFUSED .*password authentication failed" \
	"$(host_try "$old_pw")"
expect_eq "the new password does" CONNECTED "$(host_try "$CONF/credentials/$A/db")"
leak_scan "after rotation" "$PW_A" "$PW_A2" "$PW_B"

# ------------------------------------------------------------- shutdown ---
# cg_dirs NAME: GROUP/NAME below this test's own cgroup, in every
# hierarchy mpjail may use (v1 memory, pids, cpu; v2), if it exists.
cg_dirs() {
	local name=$1 c own mnt
	for c in memory pids cpu; do
		own=$(awk -F: -v c="$c" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' /proc/self/cgroup)
		mnt=$(awk -v c="$c" '{ for (i = 7; i <= NF && $i != "-"; i++); if ($(i + 1) != "cgroup") next;
			n = split($(i + 3), a, ","); for (j = 1; j <= n; j++) if (a[j] == c) print $5 }' /proc/self/mountinfo | head -n 1)
		[ -n "$own" ] && [ -n "$mnt" ] && [ -d "$mnt${own%/}/$MPJ_GROUP/$name" ] && echo "$mnt${own%/}/$MPJ_GROUP/$name"
	done
	own=$(sed -n 's/^0:://p' /proc/self/cgroup)
	mnt=$(awk '{ for (i = 7; i <= NF && $i != "-"; i++); if ($(i + 1) == "cgroup2") print $5 }' /proc/self/mountinfo | head -n 1)
	[ -n "$mnt" ] && [ -d "$mnt${own%/}/$MPJ_GROUP/$name" ] && echo "$mnt${own%/}/$MPJ_GROUP/$name"
	return 0
}
cg_running=$(cg_dirs "$A")
diag "$A's cgroups while running:"
diag_text "$cg_running"
check "$A's cgroup exists while it runs" test -n "$cg_running"

kill -TERM "$SVA" "$SVB"
for sv in "$SVA" "$SVB"; do
	wait_until 20 eval '! kill -0 '"$sv"' 2>/dev/null' || kill -KILL "$sv"
	wait "$sv"
	expect_eq "supervisor $sv exits 0 on TERM" 0 "$?"
done
T_PIDS=()
expect_eq "no process of $A's uid is left" "" "$(pgrep -u "$UA")"
expect_eq "no process of $B's uid is left" "" "$(pgrep -u "$UB")"
expect_eq "no mount is left on the host" "$mounts_before" "$(wc -l </proc/self/mountinfo)"
expect_eq "no cgroup of $A is left" "" "$(cg_dirs "$A")"
expect_eq "no cgroup of $B is left" "" "$(cg_dirs "$B")"
check "no control socket of $A is left" test ! -e "$RUN/$A/control"
mpj status "$A" >/dev/null 2>&1
expect_eq "mpjail status $A: not running (exit 3)" 3 "$?"
expect_eq "the frontend now gets 503 from the stopped backend" 503 "$(status_of "$A.example.test")"
expect_match "$A's log shows the stop" "stopping \\(TERM\\)" "$(cat "$T_DIR/run-$A.log")"
done_testing
