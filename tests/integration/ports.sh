#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Port squatting (docs/threats.md T37): customers log in to the host with
# their own uid.  Between two launches (a restart, the crash back-off) a
# tenant's port used to be free: another account could bind it, receive
# the tenant's traffic and keep it down.  `mpjail run` now binds every port
# once, as root, and holds it for its whole life, handing the listener in at
# each launch, in both network modes.  Also: a port held at supervisor start
# is refused naming only the holder's uid and pid (T39).
. "$(dirname "$0")/lib.sh"
require_root
require_cmd useradd runuser setpriv curl python3 pgrep
[ -x /usr/sbin/apache2 ] || skip_all "needs apache2 (run ./scripts/test to install it)"
[ -e /usr/lib/apache2/modules/mod_perl.so ] || skip_all "needs libapache2-mod-perl2"

mpj_env
mkdir -m 0755 "$T_DIR/pgsock"
echo "db_socket_dir = $T_DIR/pgsock" >>"$CONF/mpjail.conf"
printf 'mpjail-profile 1\ninclude modperl\nnetwork private\n' >"$CONF/profiles/privmp.profile"
PA=$((PORT_BASE + 11))
PP=$((PORT_BASE + 12))
PC=$((PORT_BASE + 13))
mpj_tenant a "$PA" modperl
mpj_tenant p "$PP" privmp
mpj_tenant c "$PC" modperl
mpj_tenant b "$((PORT_BASE + 14))" modperl # only its account: the squatter
# shellcheck disable=SC2154 # set by mpj_tenant through eval
UA=$USER_a UP=$USER_p UB=$USER_b
UID_B=$(id -u "$UB")
O=(--config-dir "$CONF" --state-dir "$STATE" --run-dir "$RUN" --data-dir "$MPJAIL_SRC")
for t in a p c; do
	mpj build "$t" >/dev/null
	expect_eq "build tenant $t" 0 "$?"
done

start_run() {
	"$MPJAIL" run "${O[@]}" "$1" >>"$T_DIR/run-$1.log" 2>&1 &
	T_PIDS+=($!)
	eval "SV_$1=$!"
}
wait_port() {
	local i
	for ((i = 0; i < ${2:-10} * 10; i++)); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/")" = 200 ] && return 0
		sleep 0.1
	done
	return 1
}
httpd_pid() { pgrep -o -u "$1" -f '^/usr/sbin/apache2' || true; }
# The inode of the LISTEN socket on 127.0.0.1:PORT, and its owner's uid.
listen_sock() {
	python3 - "$1" <<-'PY'
	import sys
	port = int(sys.argv[1])
	for line in open("/proc/net/tcp").readlines()[1:]:
	    f = line.split()
	    if f[3] == "0A" and f[1] == "0100007F:%04X" % port:
	        print(f[9], f[7])
	PY
}
holds() { # holds PID INODE: PID has the socket open
	local f
	for f in /proc/"$1"/fd/*; do
		[ "$(readlink "$f" 2>/dev/null)" = "socket:[$2]" ] && return 0
	done
	return 1
}

# squat PORT TENANT-USER SECONDS: another account tries, every 10 ms, to
# bind the port (127.0.0.1 and the wildcard, SO_REUSEADDR as a squatter
# would), noting each try made while no process of the tenant ran (the
# gap).  Prints "tries=N eaddrinuse=N gap_tries=N bound=ADDR|none".
squat() {
	setpriv --reuid "$UB" --regid "$UB" --clear-groups /usr/bin/python3 - "$@" <<-'PY'
	import errno, socket, subprocess, sys, time
	port, user, secs = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
	end = time.time() + secs
	tries = inuse = gap_tries = 0
	bound = "none"
	while time.time() < end and bound == "none":
	    gap = subprocess.run(["pgrep", "-u", user], stdout=subprocess.DEVNULL).returncode == 1
	    for addr in ("127.0.0.1", "0.0.0.0"):
	        s = socket.socket()
	        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	        tries += 1
	        gap_tries += gap
	        try:
	            s.bind((addr, port))
	            s.listen(16)
	        except OSError as e:
	            s.close()
	            if e.errno == errno.EADDRINUSE:
	                inuse += 1
	            else:
	                print("unexpected:", e, file=sys.stderr)
	            continue
	        bound = addr
	        time.sleep(2)  # a squatter keeps it: the tenant's relaunch fails
	        break
	    time.sleep(0.01)
	print(f"tries={tries} eaddrinuse={inuse} gap_tries={gap_tries} bound={bound}")
	PY
}

# ------------------------------------------------ network shared (a) ---
start_run a
check "tenant a answers" wait_port "$PA"
read -r ino uid <<<"$(listen_sock "$PA")"
expect_eq "127.0.0.1:$PA is a root-owned listener" 0 "${uid:-none}"
SVA=$SV_a
check "... held by the supervisor itself (pid $SVA)" holds "$SVA" "$ino"
hp=$(httpd_pid "$UA")
check "... and served by the tenant's httpd ($hp), handed in" holds "$hp" "$ino"

# A squatter runs through a restart and a crash with its back-off.
squat "$PA" "$UA" 12 >"$T_DIR/squat-a.out" 2>"$T_DIR/squat-a.err" &
sq=$!
sleep 0.5
"$MPJAIL" restart "${O[@]}" a >/dev/null 2>&1
expect_eq "root: restart a" 0 "$?"
hp=$(httpd_pid "$UA")
kill -9 "$hp"
# During the back-off: no process of a's, a request waits in the held
# queue and is answered once the server is back.
# Its log says so whatever the load: polling the state can miss a 1 s
# back-off on a busy machine (a python3 start can take that long).
backoff='restart [0-9]+ in [0-9]+ s'
for ((i = 0; i < 100; i++)); do grep -Eq "$backoff" "$T_DIR/run-a.log" && break; sleep 0.1; done
expect_match "after kill -9 of httpd the supervisor backs off" "$backoff" "$(cat "$T_DIR/run-a.log")"
gap_code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 15 "http://127.0.0.1:$PA/")
expect_eq "a request made during the back-off is answered by the next server" 200 "$gap_code"
check "a serves again after the back-off" wait_port "$PA" 15
wait "$sq"
out=$(cat "$T_DIR/squat-a.out")
diag "squatter on $PA: $out"
[ -s "$T_DIR/squat-a.err" ] && diag "squatter: $(cat "$T_DIR/squat-a.err")"
expect_match "another account never binds a's port across restart and crash" "bound=none$" "$out"
expect_match "... it tried while no process of a's ran (the gap), and got EADDRINUSE" \
	"gap_tries=[1-9]" "$out"
check "... every try was EADDRINUSE" python3 -c "
import re, sys; d = dict(re.findall(r'(\w+)=(\w+)', sys.argv[1]))
sys.exit(0 if d['tries'] == d['eaddrinuse'] else 1)" "$out"
read -r ino2 _ <<<"$(listen_sock "$PA")"
expect_eq "the same listener (inode) throughout" "$ino" "$ino2"

# Graceful reload keeps the held listener in the same httpd.
hp=$(httpd_pid "$UA")
"$MPJAIL" reload "${O[@]}" a >/dev/null 2>&1
expect_eq "root: reload a" 0 "$?"
sleep 1
check "after reload a answers" wait_port "$PA"
expect_eq "... from the same httpd parent" "$hp" "$(httpd_pid "$UA")"
check "... which still holds the supervisor's listener" holds "$hp" "$ino"

# exec beside the running server gets no listener: the port stays held.
inside=$(mpj exec a -- /usr/bin/python3 -c "
import socket
s = socket.socket()
try:
    s.bind(('127.0.0.1', $PA)); print('BOUND')
except OSError as e:
    print('REFUSED', e.errno)" 2>&1)
expect_match "exec beside run cannot bind the held port (EADDRINUSE)" "^REFUSED 98" "$inside"

# ---------------------------------------------- network private (p) ---
start_run p
check "tenant p (network private) answers" wait_port "$PP" 20
read -r inop uidp <<<"$(listen_sock "$PP")"
expect_eq "127.0.0.1:$PP is a root-owned listener" 0 "${uidp:-none}"
check "... held by p's supervisor" holds "$SV_p" "$inop"
squat "$PP" "$UP" 8 >"$T_DIR/squat-p.out" 2>&1 &
sq=$!
sleep 0.3
kill -9 "$(httpd_pid "$UP")"
check "p serves again after the back-off" wait_port "$PP" 15
wait "$sq"
out=$(cat "$T_DIR/squat-p.out")
diag "squatter on $PP: $out"
expect_match "network private: another account never binds p's port" "bound=none$" "$out"
expect_match "... though it tried during the gap" "gap_tries=[1-9]" "$out"

# ---------------------------------- a port held at start (c): uid, pid ---
TOKEN="hunter2-secret-$$"
setpriv --reuid "$UB" --regid "$UB" --clear-groups /usr/bin/python3 -c "
import socket, sys, time
s = socket.socket(); s.bind(('127.0.0.1', $PC)); s.listen(1)
open(sys.argv[-1], 'w').close(); time.sleep(30)" --password "$TOKEN" "$HOMES/b/held" &
holder=$!
T_PIDS+=("$holder")
for ((i = 0; i < 50; i++)); do [ -e "$HOMES/b/held" ] && break; sleep 0.1; done
check "another account listens on c's port $PC" test -e "$HOMES/b/held"
timeout 20 "$MPJAIL" run "${O[@]}" c >"$T_DIR/run-c.log" 2>&1
expect_eq "run c with its port held by another account: refused (exit 100)" 100 "$?"
msg=$(cat "$T_DIR/run-c.log")
expect_match "... naming the holder's uid and pid" \
	"port $PC is already in use: 127\\.0\\.0\\.1:$PC is held by uid $UID_B, pid $holder\$" "$msg"
expect_no_match "... not its command line" "$TOKEN|--password" "$msg"
expect_no_match "... nor its command or account name" "python|$UB" "$msg"
kill "$holder"
wait "$holder" 2>/dev/null

# ------------------------------------------------------------- stop ---
for t in a p; do
	"$MPJAIL" stop "${O[@]}" "$t" >/dev/null 2>&1
	expect_eq "root: stop $t" 0 "$?"
done
wait "$SV_a" "$SV_p"
check "after stop the port is free again" python3 -c "
import socket; s = socket.socket(); s.bind(('127.0.0.1', $PA))"
done_testing
