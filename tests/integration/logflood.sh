#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Root-written logs a tenant can inflate (docs/threats.md T38).  Every line
# a tenant (or a stranger) can cause is rate-limited: refusals (429, 403),
# status requests (now refused with 429 past their own bucket) and the
# jail's output on the supervisor's stderr; the supervisor's own lines in
# HOME/logs/mpjail.log count against that file's 16 MiB cap.  The measure
# from the issue: a 10 s flood grows no root-owned log by more than 64 KiB.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd useradd runuser python3 pgrep

LIMIT=$((64 * 1024))
CAP=$((16 * 1024 * 1024))
mpj_env
PF=$((PORT_BASE + 21))
mpj_tenant f "$PF" flood
# shellcheck disable=SC2154 # set by mpj_tenant through eval
UF=$USER_f
H=$HOMES/f
# The jail's command floods its stderr (the pipe to the supervisor) for
# 10 s once /home/USER/go exists; it never serves its port.
cat >"$CONF/profiles/flood.profile" <<EOF
mpjail-profile 1
include default
command /bin/sh /home/$UF/flood.sh
EOF
cat >"$H/flood.sh" <<'EOF'
while [ ! -e "$HOME/go" ]; do sleep 0.2; done
end=$(($(date +%s) + 10))
while [ "$(date +%s)" -lt "$end" ]; do
	i=0
	while [ $i -lt 2000 ]; do
		echo "jail flood line $i: 0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz" >&2
		i=$((i + 1))
	done
done
exec sleep 1000
EOF
install -d -o "$UF" -g "$UF" "$H/logs"
mpj build f >/dev/null
expect_eq "build tenant f" 0 "$?"
O=(--config-dir "$CONF" --state-dir "$STATE" --run-dir "$RUN" --data-dir "$MPJAIL_SRC")
RUNLOG=$T_DIR/run-f.log # the supervisor's stdout+stderr: the journal's stand-in, root's
"$MPJAIL" run "${O[@]}" f >"$RUNLOG" 2>&1 &
SV=$!
T_PIDS+=("$SV")
for ((i = 0; i < 100; i++)); do [ -S "$RUN/f/control" ] && pgrep -u "$UF" -x sh >/dev/null && break; sleep 0.1; done
check "f's supervisor and jail run" pgrep -u "$UF" -x sh
TLOG=$H/logs/mpjail.log
check "the tenant log exists" test -f "$TLOG"
expect_eq "the supervisor's log is root's (the journal's stand-in)" 0 "$(stat -c %u "$RUNLOG")"

# flood_ctl UID SECONDS: as fast as one client goes, status, reload (an
# action: 429 past its bucket), unknown verbs and garbage; prints the count
# of each reply's first line.  No restart: its reply waits for a server
# that never serves here.
flood_ctl() {
	runuser -u "$1" -- python3 - "$RUN/f/control" "$2" <<-'PY'
	import collections, socket, sys, time
	verbs = [b"status", b"status-json", b"reload", b"status", b"nonsense"]
	end = time.time() + float(sys.argv[2])
	seen = collections.Counter()
	i = 0
	while time.time() < end:
	    req = b"GET / HTTP/1.0\n" if i % 7 == 6 else b"mpjail-ctl 1 " + verbs[i % len(verbs)] + b"\n"
	    i += 1
	    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	    s.settimeout(5)
	    try:
	        s.connect(sys.argv[1])
	        s.sendall(req)
	        out = s.recv(200)
	    except OSError as e:
	        out = ("oserror " + e.__class__.__name__).encode()
	    s.close()
	    seen[out.split(b"\n")[0][:64].decode(errors="replace")] += 1
	for k, v in sorted(seen.items(), key=lambda kv: -kv[1]):
	    print(f"{v} {k}")
	PY
}
size() { stat -c %s "$1"; }

# ---------------------------------- phase 1: 10 s of control requests ---
r0=$(size "$RUNLOG") t0=$(size "$TLOG")
flood_ctl "$UF" 10 >"$T_DIR/tenant1.out" &
f1=$!
flood_ctl nobody 10 >"$T_DIR/stranger1.out" &
f2=$!
wait "$f1" "$f2"
r1=$(size "$RUNLOG") t1=$(size "$TLOG")
while IFS= read -r l; do diag "tenant flood: $l"; done <"$T_DIR/tenant1.out"
while IFS= read -r l; do diag "stranger flood: $l"; done <"$T_DIR/stranger1.out"
n_req=$(awk '{ n += $1 } END { print n + 0 }' "$T_DIR/tenant1.out")
check "the tenant sent a flood ($n_req requests in 10 s)" test "$n_req" -ge 500
expect_match "status requests past the bucket are refused with 429" \
	"^[0-9]+ ERR 429 too many status requests: try again in [0-9]+ s" "$(cat "$T_DIR/tenant1.out")"
expect_match "actions past the bucket are refused with 429" "^[0-9]+ ERR 429 too many restarts" \
	"$(cat "$T_DIR/tenant1.out")"
"$MPJAIL" status "${O[@]}" f >/dev/null 2>&1
expect_eq "root's status still answers right after the flood" 0 "$?"
diag "10 s control flood: root-owned run log grew $((r1 - r0)) bytes, tenant log $((t1 - t0)) bytes (limit $LIMIT)"
check "control flood: the root-owned run log grew <= 64 KiB ($((r1 - r0)) bytes)" \
	test $((r1 - r0)) -le "$LIMIT"
check "control flood: the tenant's logs/mpjail.log grew <= 64 KiB ($((t1 - t0)) bytes)" \
	test $((t1 - t0)) -le "$LIMIT"
check "the suppressed lines are counted in the log" \
	grep -Eq "rate limit: (suppressing lines|[0-9]+ lines suppressed)" "$RUNLOG"

# ------------------- phase 2: 10 s of jail stderr and control requests ---
r0=$(size "$RUNLOG")
runuser -u "$UF" -- touch "$H/go"
flood_ctl "$UF" 10 >"$T_DIR/tenant2.out" &
f1=$!
wait "$f1"
for ((i = 0; i < 50; i++)); do pgrep -u "$UF" -x sleep >/dev/null && break; sleep 0.2; done
check "the jail's flood ran its 10 s" pgrep -u "$UF" -x sleep
sleep 0.5
r1=$(size "$RUNLOG") tsz=$(size "$TLOG")
printed=$(grep -c "jail flood line" "$TLOG")
diag "10 s jail stderr + control flood: root-owned run log grew $((r1 - r0)) bytes (limit $LIMIT); tenant log $tsz bytes (cap $CAP), $printed flood lines in it"
check "jail flood: the root-owned run log grew <= 64 KiB ($((r1 - r0)) bytes)" \
	test $((r1 - r0)) -le "$LIMIT"
check "... it still shows the start of the jail's output" grep -q "jail flood line" "$RUNLOG"
check "... and counts what it left out" grep -q "lines of the jail's output suppressed" "$RUNLOG"
check "the tenant log got far more of it ($printed lines)" test "$printed" -ge 10000
check "... filling it to its cap" grep -q "logs/mpjail.log reached" "$RUNLOG"
check "the tenant log, our own lines included, stays within its cap ($tsz <= $CAP)" \
	test "$tsz" -le "$CAP"

"$MPJAIL" stop "${O[@]}" f >/dev/null 2>&1
expect_eq "root: stop f" 0 "$?"
wait "$SV"
done_testing
