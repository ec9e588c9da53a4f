#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Scale to zero (`idle_stop` in the tenant file, docs/design.md "Scale to
# zero"), with real supervisors, apache2 + mod_perl and the shipped
# frontend: an idle tenant runs no httpd and says `idle`; the first
# connection, direct or through the frontend, starts the jail and is
# answered (no reset, no 502), in both network modes; after idle_stop
# without a new connection the server stops gracefully and the tenant is
# idle again, unless a client holds a connection open; a connection made
# while it stops is served by the next start; reload, restart and stop
# while idle; a broken configuration fails `run` at once.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd useradd runuser curl python3 pgrep ss
[ -x /usr/sbin/apache2 ] || skip_all "needs apache2 (run ./scripts/test to install it)"
[ -e /usr/lib/apache2/modules/mod_perl.so ] || skip_all "needs libapache2-mod-perl2"
FRONT_TOOL=$MPJAIL_SRC/scripts/frontend/mpjail-frontend

mpj_env
mpj_no_db
PA=$(free_port) && PB=$(free_port) && FPORT=$(free_port) || { echo "Bail out! no free port"; exit 1; }
IDLE=4
printf 'mpjail-profile 1\ninclude modperl\nnetwork private\n' >"$CONF/profiles/privmp.profile"
mpj_tenant a "$PA" modperl "idle_stop = ${IDLE}s"
mpj_tenant b "$PB" privmp "idle_stop = ${IDLE}s"
# shellcheck disable=SC2154 # set by mpj_tenant through eval
UA=$USER_a UB=$USER_b
check "build a" mpj build a
check "build b" mpj build b

start_run() {
	"$MPJAIL" run --config-dir "$CONF" --state-dir "$STATE" --run-dir "$RUN" \
		--data-dir "$MPJAIL_SRC" "$1" >>"$T_DIR/run-$1.log" 2>&1 &
	T_PIDS+=($!)
	eval "SV_$1=$!"
}
state() { mpj status --json "$1" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])'; }
is_state() { [ "$(state "$1")" = "$2" ]; }
httpds() { pgrep -u "$1" -f '^/usr/sbin/apache2' | wc -l; }
logged() { grep -q -- "$2" "$T_DIR/run-$1.log"; }
# code_time URL [HOST]: "HTTP-CODE SECONDS" of one request.
code_time() {
	curl -s -o /dev/null --max-time 30 -w '%{http_code} %{time_total}\n' ${2:+-H "Host: $2"} "$1"
}

expect_match "explain shows idle_stop" "^idle_stop: +$IDLE s: under .run., no server until the first connection" "$(mpj explain a)"
expect_eq "explain --json has idle_stop_s" "$IDLE" \
	"$(mpj explain --json a | python3 -c 'import json,sys; print(json.load(sys.stdin)["idle_stop_s"])')"
start_run a
start_run b
check "a: the supervisor says the server starts at the first connection" \
	wait_until 20 logged a "idle_stop $IDLE s: the server starts at the first connection"
check "a: status says idle" wait_until 10 is_state a idle
check "b (private network): status says idle" wait_until 20 is_state b idle
expect_match "a: status says why no server runs" "^tenant a: idle \\(idle_stop: no server; the first connection starts it\\)$" "$(mpj status a)"
expect_eq "a: no httpd runs while idle" 0 "$(httpds "$UA")"
expect_eq "b: no httpd runs while idle" 0 "$(httpds "$UB")"
expect_eq "a: idle, the held port is listening" 1 "$(ss -Hltn "sport = :$PA" | wc -l)"
pid=$(mpj status --json a | python3 -c 'import json,sys; print(json.load(sys.stdin).get("pid") or 0)')
expect_eq "a: status --json names no pid while idle" 0 "$pid"

out=$(mpj check a 2>&1)
expect_eq "check passes for an idle tenant" 0 "$?"
expect_match "check: an idle tenant's port is held by its supervisor" \
	"^OK tenant:a: port $PA: held by the tenant's supervisor \(.mpjail run., pid $SV_a\)$" "$out"

# ---------------------------------------------------- through the frontend ---
check "mpjail frontend writes the maps" mpj frontend --output "$T_DIR/front"
"$FRONT_TOOL" render --listen "127.0.0.1:$FPORT" --map-dir "$T_DIR/front" \
	--run-dir "$T_DIR/front" --output "$T_DIR/front/frontend.conf" >/dev/null
check "the frontend Apache starts" show_if_fails "$FRONT_TOOL" start --config "$T_DIR/front/frontend.conf"
T_CLEANUP+=("'$FRONT_TOOL' stop --config '$T_DIR/front/frontend.conf'")

read -r code cold <<<"$(code_time "http://127.0.0.1:$FPORT/" a.example.test)"
expect_eq "a: the first request through the frontend starts the jail and gets 200 (no 502)" 200 "$code"
check "a: running after the cold start" wait_until 10 is_state a running
check "a: the supervisor logged the connection that started it" \
	logged a "a connection to port $PA: starting the server"
read -r code warm <<<"$(code_time "http://127.0.0.1:$FPORT/" a.example.test)"
expect_eq "a: a warm request gets 200" 200 "$code"
out=$(mpj check a 2>&1)
expect_eq "check passes for a running tenant" 0 "$?"
expect_match "check: a running tenant's port is held by its supervisor" \
	"^OK tenant:a: port $PA: held by the tenant's supervisor \(.mpjail run., pid $SV_a\)$" "$out"
diag "a (modperl, shared network): cold start through the frontend ${cold}s, warm ${warm}s"

# ------------------------------------------- direct, several clients at once ---
codes=$(for i in 1 2 3 4 5; do code_time "http://127.0.0.1:$PB/" & done; wait)
expect_eq "b (private network): five clients at the cold start all get 200" \
	"200 200 200 200 200" "$(echo "$codes" | cut -d' ' -f1 | sort | xargs)"
diag "b (modperl, private network): cold start, five clients at once: $(echo "$codes" | cut -d' ' -f2 | xargs)"
check "b: running after the cold start" wait_until 10 is_state b running

# --------------------------------------------------------------- idle stop ---
check "a: idle again after ${IDLE}s without a connection" wait_until $((IDLE + 15)) is_state a idle
check "a: the supervisor said why" logged a "no connection for $IDLE s (idle_stop): stopping the server"
expect_eq "a: no httpd left after the idle stop" 0 "$(httpds "$UA")"
expect_no_match "a: the idle stop is not reported as a failure" "last error" "$(mpj status a 2>&1)"

# A client holding a connection open keeps the server up past idle_stop.
check "b: idle again" wait_until $((IDLE + 15)) is_state b idle
python3 - "$PB" "$IDLE" "$T_DIR/held.out" <<'PY' &
import socket, sys, time
port, idle, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
s = socket.create_connection(("127.0.0.1", port), timeout=30)
# A request with keep-alive, answered; then the connection stays open and
# silent (httpd's KeepAliveTimeout would close it: send a slow request line
# byte by byte instead, as a slow upload would).
s.sendall(b"GET / HTTP/1.1\r\nHost: b\r\n")
for _ in range(idle * 3):
    time.sleep(1)
    s.sendall(b"X-Slow: 1\r\n")
s.sendall(b"Connection: close\r\n\r\n")
data = b""
while True:
    k = s.recv(65536)
    if not k:
        break
    data += k
open(out, "w").write(data.split(b"\r\n")[0].decode())
PY
held=$!
T_PIDS+=($held)
check "b: the held connection started the server" wait_until 15 is_state b running
sleep $((IDLE * 2))
expect_eq "b: still running after 2x idle_stop while a client holds a connection" running "$(state b)"
wait "$held"
expect_eq "b: the slow client got its answer" "HTTP/1.1 200 OK" "$(cat "$T_DIR/held.out" 2>/dev/null)"
check "b: idle once the connection is gone" wait_until $((IDLE + 15)) is_state b idle

# A connection made while the server stops waits for the next start.
code_time "http://127.0.0.1:$PA/" >/dev/null
check "a: running again" wait_until 10 is_state a running
python3 - "$PA" "$T_DIR/run-a.log" "$T_DIR/race.out" <<'PY'
import socket, sys, time
port, log, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
start = len(open(log, "rb").read())
deadline = time.time() + 30
while time.time() < deadline:  # the moment the supervisor begins the idle stop
    if b"(idle_stop): stopping the server" in open(log, "rb").read()[start:]:
        break
    time.sleep(0.005)
s = socket.create_connection(("127.0.0.1", port), timeout=30)
s.sendall(b"GET / HTTP/1.0\r\nHost: a\r\n\r\n")
data = b""
try:
    while True:
        k = s.recv(65536)
        if not k:
            break
        data += k
except ConnectionResetError:
    data = b"RESET"
open(out, "w").write(data.split(b"\r\n")[0].decode())
PY
expect_eq "a: a connection made during the idle stop is answered, not reset" \
	"HTTP/1.0 200 OK" "$(sed 's/HTTP\/1.1/HTTP\/1.0/' "$T_DIR/race.out")"

# A listener shut down from inside the jail (tenant code holds httpd's copy;
# shutdown() acts on the socket, so every copy reports POLLHUP from then on):
# the supervisor must listen again, not spin.  Root plays the tenant's code
# with pidfd_getfd on httpd's copy.
code_time "http://127.0.0.1:$PA/" >/dev/null
check "a: running before the shutdown" wait_until 10 is_state a running
shut=$(python3 - "$PA" <<'PY'
import ctypes, os, re, socket, subprocess, sys
port = sys.argv[1]
out = subprocess.run(["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True).stdout
m = re.search(r'"[^"]*apach[^"]*",pid=(\d+),fd=(\d+)', out)
if not m:
    sys.exit(f"no apache2 holds port {port}: {out}")
libc = ctypes.CDLL(None, use_errno=True)
pidfd = os.pidfd_open(int(m.group(1)))
fd = libc.syscall(438, pidfd, int(m.group(2)), 0)  # pidfd_getfd
if fd < 0:
    sys.exit(f"pidfd_getfd: {os.strerror(ctypes.get_errno())}")
socket.socket(fileno=fd).shutdown(socket.SHUT_RD)
print("shut")
PY
)
expect_eq "a: httpd's copy of the listener shut down" shut "$shut"
check "a: the supervisor listens again" \
	wait_until 10 logged a "port $PA: the held listener was shut down (from inside the jail?): listening again"
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
c0=$(cpu_ticks "$SV_a")
sleep 3
c1=$(cpu_ticks "$SV_a")
diag "a: the supervisor used $((c1 - c0)) clock ticks in 3 s after the shutdown"
check "a: the supervisor does not spin (under 0.3 s of CPU in 3 s)" test $((c1 - c0)) -lt 30
read -r code _ <<<"$(code_time "http://127.0.0.1:$PA/")"
expect_eq "a: the port serves again" 200 "$code"

# ------------------------------------------------- control verbs while idle ---
check "a: idle" wait_until $((IDLE + 15)) is_state a idle
out=$(mpj reload a 2>&1)
expect_eq "a: reload while idle exits 0" 0 "$?"
expect_match "a: reload while idle runs the config test and says idle" "the server is idle" "$out"
expect_eq "a: still idle after the reload" idle "$(state a)"
out=$(mpj restart a 2>&1)
expect_eq "a: restart while idle starts the server" 0 "$?"
expect_eq "a: running after restart" running "$(state a)"
check "a: idle again" wait_until $((IDLE + 15)) is_state a idle
out=$(mpj stop a 2>&1)
expect_eq "a: stop while idle exits 0" 0 "$?"
# shellcheck disable=SC2154
wait "$SV_a"
expect_eq "a: the supervisor exits 0" 0 "$?"
expect_eq "a: the port is free after stop" 0 "$(ss -Hltn "sport = :$PA" | wc -l)"
kill -TERM "$SV_b"
# shellcheck disable=SC2154
wait "$SV_b"
expect_eq "b: TERM while idle: the supervisor exits 0" 0 "$?"
expect_eq "b: nothing of b runs" 0 "$(pgrep -u "$UB" | wc -l)"

# ------------------------------------------------ a broken configuration ---
mpj_tenant c "$(free_port)" nosuchprofile "idle_stop = 1m"
timeout 20 "$MPJAIL" run --config-dir "$CONF" --state-dir "$STATE" --run-dir "$RUN" \
	--data-dir "$MPJAIL_SRC" c >"$T_DIR/run-c.log" 2>&1
rc=$?
expect_eq "c: a broken configuration fails run at once, not at the first connection" 100 "$rc"
expect_match "c: and names the profile" "nosuchprofile" "$(cat "$T_DIR/run-c.log")"
done_testing
