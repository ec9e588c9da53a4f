#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Resource limits and port ownership on the real kernel (docs/threats.md T13, T15,
# T18, T29, T30, T32; docs/limits.md).  Tenant A runs the probe through `mpjail
# exec`; tenant B runs a real jailed Apache httpd through `mpjail run` and
# must keep answering whatever A does.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd useradd curl python3 apache2
[ -x "${MPJAIL_PROBE:-}" ] || skip_all "MPJAIL_PROBE not built"

mpj_env
# Tenant names are cgroup names (BASE/GROUP/NAME), and BASE may be shared
# with other test runs on this host: make ours unique.
SUF=$(($$ % 100000))
A=la$SUF
B=lb$SUF
PA=$PORT_BASE
PB=$((PORT_BASE + 1))
PFREE=$((PORT_BASE + 50)) # in port_range, assigned to nobody
mkdir -m 0755 "$T_DIR/db"  # db_socket_dir for the modperl profile: empty
echo "db_socket_dir = $T_DIR/db" >>"$CONF/mpjail.conf"
LIMITS=$'[limits]\ntasks = 32\nmemory = 96M\nnofile = 256'
mpj_tenant "$A" "$PA" default "$LIMITS"
mpj_tenant "$B" "$PB" modperl "$LIMITS"
install_probe "$A"
eval "UA=\$USER_$A"
eval "UB=\$USER_$B"
P=/home/$UA/probe
PY=$(command -v python3)
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

quiet() { "$@" >/dev/null; }
check "build tenant A (default profile, probe)" quiet mpj build -q "$A"
check "build tenant B (modperl profile)" quiet mpj build -q "$B"

result() { printf '%s\n' "$1" | sed -n 's/^RESULT //p' | head -1; }
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# The instance and tenant cgroups of NAME below our own cgroup, one per
# controller; empty when none is left.
cg_dirs() {
	local name=$1 line path ctrl
	if [ -z "$(grep -v '^0::' /proc/self/cgroup)" ]; then
		path=$(sed -n 's/^0:://p' /proc/self/cgroup)
		ls -d "/sys/fs/cgroup${path%/}/$MPJ_GROUP/$name" 2>/dev/null
		return
	fi
	for ctrl in memory pids cpu; do
		line=$(grep -E "^[0-9]+:([^:]*,)?$ctrl(,[^:]*)?:" /proc/self/cgroup)
		path=${line#*:*:}
		ls -d "/sys/fs/cgroup/$ctrl${path%/}/$MPJ_GROUP/$name" 2>/dev/null
	done
}

# run_bg NAME: `mpjail run` in the background (the binary itself, so that
# $RUN_PID is the supervisor); its stderr goes to $T_DIR/run-NAME.log.
run_bg() {
	"$MPJAIL" run --config-dir "$CONF" --state-dir "$STATE" --run-dir "$RUN" \
		--data-dir "$MPJAIL_SRC" --no-restart "$1" 2>>"$T_DIR/run-$1.log" &
	RUN_PID=$!
	T_PIDS+=("$RUN_PID")
}

answers() { curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/" | grep -q '^200$'; }

wait_answers() {
	local i
	for i in $(seq 100); do
		answers "$1" && return 0
		sleep 0.1
	done
	return 1
}

# forget PID: reaped by us, so the exit cleanup must not signal that number.
forget() {
	local keep=() p
	for p in "${T_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	T_PIDS=("${keep[@]}")
}

stop_run() {
	local rc
	kill -TERM "$1" 2>/dev/null
	wait "$1"
	rc=$?
	forget "$1"
	return $rc
}

listening() { # listening PORT: some socket LISTENs on it
	[ -n "$(awk -v p="$(printf '%04X' "$1")" 'NR > 1 && $4 == "0A" && $2 ~ (":" p "$")' /proc/net/tcp /proc/net/tcp6)" ]
}

# ------------------------------------------------------- B serves first ---
run_bg "$B"
B_RUN=$RUN_PID
check "tenant B's jailed httpd answers on 127.0.0.1:$PB" wait_answers "$PB"
# The leftover checks below must be able to fail: while B runs they see it.
check "while B runs, cg_dirs sees its cgroups" test -n "$(cg_dirs "$B")"

# ------------------------------------------------------------ fork bomb ---
out=$(mpj exec "$A" -- "$P" forkbomb 1000)
r=$(result "$out")
expect_eq "fork bomb is refused with EAGAIN" EAGAIN "$(field "$r" errno)"
check "fork bomb stops below the tasks limit of 32 (forks=$(field "$r" forks))" \
	test "$(field "$r" forks)" -lt 32
check "fork bomb: B still answers" answers "$PB"
expect_eq "fork bomb: no instance cgroup of A is left" "" "$(cg_dirs "$A")"

# ----------------------------------------------------------- memory hog ---
out=$(mpj exec "$A" -- "$P" memhog 300 2>"$T_DIR/memhog.err")
r=$(result "$out")
expect_eq "a 300 MB hog in a 96M jail is killed by SIGKILL" "killed 9" \
	"$(field "$r" child) $(field "$r" signal)"
check "the hog was stopped below 96 MB (touched=$(field "$r" touched))" test "$(field "$r" touched)" -lt 96
expect_match "exec reports the OOM kill on stderr" 'out of memory' "$(cat "$T_DIR/memhog.err")"
check "memory hog: B still answers" answers "$PB"
check "memory hog: B's supervisor is still running (no restart)" kill -0 "$B_RUN"
expect_no_match "memory hog: B's httpd was not restarted" 'restart' "$(cat "$T_DIR/run-$B.log")"

# ------------------------------------------------------------- fd flood ---
out=$(mpj exec "$A" -- "$P" fdflood 100000)
r=$(result "$out")
expect_eq "fd flood stops with EMFILE" EMFILE "$(field "$r" errno)"
expect_eq "fd flood: stdin, stdout, stderr + 253 = nofile 256" 253 "$(field "$r" fds)"

# ----------------------------------------------------------- ports: bind ---
expect_eq "A may bind its own port (control)" ok "$(result "$(mpj exec "$A" -- "$P" bind "$PA")")"
expect_eq "A cannot bind B's port while B serves it" EACCES "$(result "$(mpj exec "$A" -- "$P" bind "$PB")")"
expect_eq "A cannot bind B's port on ::1 either" EACCES "$(result "$(mpj exec "$A" -- "$P" bind "$PB" ::1)")"
expect_eq "A cannot bind port 0 (any free port)" EACCES "$(result "$(mpj exec "$A" -- "$P" bind0)")"
expect_eq "A cannot bind an unassigned port in port_range" EACCES \
	"$(result "$(mpj exec "$A" -- "$P" bind "$PFREE")")"
expect_eq "A cannot open an MPTCP socket (seccomp: Landlock misses MPTCP)" EACCES \
	"$(result "$(mpj exec "$A" -- "$P" bind-mptcp "$PA")")"
# listen() on an unbound socket autobinds without bind() (landlock-lsm/linux#15):
# it can only land in the ephemeral range, which holds no tenant port.
out=$(mpj exec "$A" -- "$P" listen-unbound)
read -r eph_lo eph_hi </proc/sys/net/ipv4/ip_local_port_range
port=$(printf '%s\n' "$out" | sed -n 's/^FACT port //p')
if [ "$(result "$out")" = ok ]; then
	check "an autobound listener lands in the ephemeral range $eph_lo-$eph_hi (port $port)" \
		test "$port" -ge "$eph_lo" -a "$port" -le "$eph_hi"
else
	ok "an unbound listen() is refused ($(result "$out"))"
fi
check "bind attempts: B still answers" answers "$PB"

# ---------------------------------------------- scopes: sockets, signals ---
abi=$(mpj explain --json "$A" | "$PY" -c 'import json,sys; l=json.load(sys.stdin)["landlock"]; print(l["abi"], " ".join(l["scopes"]))')
diag "Landlock as explain reports it: $abi"
if [ "${abi%% *}" -ge 6 ] 2>/dev/null; then
	expect_eq "Landlock ABI >= 6: A's jail is scoped (abstract sockets, signals)" \
		"abstract-unix-socket signal" "${abi#* }"
	SOCK=mpjail-limits-$$
	"$PY" -c 'import socket,sys,time
s=socket.socket(socket.AF_UNIX); s.bind("\0"+sys.argv[1]); s.listen(8)
print("ready", flush=True); time.sleep(120)' "$SOCK" >"$T_DIR/abstract.out" &
	T_PIDS+=("$!")
	for i in $(seq 50); do grep -q ready "$T_DIR/abstract.out" 2>/dev/null && break; sleep 0.1; done
	check "control: the host's abstract socket @$SOCK accepts connections" \
		"$PY" -c 'import socket,sys; socket.socket(socket.AF_UNIX).connect("\0"+sys.argv[1])' "$SOCK"
	expect_eq "A cannot connect to an abstract socket created outside its jail" EPERM \
		"$(result "$(mpj exec "$A" -- "$P" connect-abstract "$SOCK")")"
else
	if [ "${MPJAIL_NO_SKIP:-0}" = 1 ]; then
		not_ok "Landlock ABI >= 6 with scopes (got: $abi; MPJAIL_NO_SKIP=1 forbids skipping)"
	else
		ok "# SKIP Landlock ABI < 6 ($abi): no abstract-socket or signal scopes to test"
	fi
fi
sleep 300 &
OUTSIDE=$!
T_PIDS+=("$OUTSIDE")
r=$(result "$(mpj exec "$A" -- "$P" kill "$OUTSIDE" TERM)")
check "A cannot signal a process outside its jail (got $r)" test "$r" = ESRCH -o "$r" = EPERM
check "the outside process is alive" kill -0 "$OUTSIDE"
r=$(result "$(mpj exec "$A" -- "$P" kill "$B_RUN" 0)")
check "A cannot signal B's supervisor (got $r)" test "$r" = ESRCH -o "$r" = EPERM

# ------------------------------------------------- exec beside a running run ---
check "exec into B while B's run holds its port still works" mpj exec "$B" -- /usr/bin/true

# ----------------------------------------------------------- B stopped ---
stop_run "$B_RUN"
expect_eq "B's run stops cleanly on SIGTERM" 0 "$?"
check "B's port is free once B stopped" test -z "$(listening "$PB" && echo held)"
expect_eq "with B stopped, A still cannot take B's port" EACCES \
	"$(result "$(mpj exec "$A" -- "$P" bind "$PB")")"
check "nobody took B's port meanwhile" test -z "$(listening "$PB" && echo held)"
run_bg "$B"
B_RUN=$RUN_PID
check "B starts normally again" wait_answers "$PB"
stop_run "$B_RUN"

# ------------------------------------------------- a stray port holder ---
cd "$T_DIR" || exit 1
"$PY" -m http.server --bind 127.0.0.1 "$PB" >/dev/null 2>&1 &
STRAY=$!
T_PIDS+=("$STRAY")
cd - >/dev/null || exit 1
for i in $(seq 100); do listening "$PB" && break; sleep 0.1; done
check "the stray python3 http.server listens on B's port" listening "$PB"
msg=$(mpj run --no-restart "$B" 2>&1)
expect_eq "mpjail run with its port held exits 100" 100 "$?"
# Only uid and pid: the tenant may read this (docs/threats.md T39).
expect_match "the refusal names the port, the holder's uid and pid" "port $PB is already in use: 127\.0\.0\.1:$PB is held by uid 0, pid $STRAY\$" "$msg"
expect_no_match "the refusal names no command line" 'http\.server|python' "$msg"
expect_match "the refusal points at B's ports line" "tenants/$B.conf:5:" "$msg"
expect_eq "a refused run left no cgroup" "" "$(cg_dirs "$B")"
expect_eq "mpjail exec still works beside the stray holder" 0 \
	"$(mpj exec "$B" -- /usr/bin/true; echo $?)"
msg=$(mpj check "$B")
expect_eq "mpjail check fails on a foreign holder of B's port" 1 "$?"
expect_match "check names the foreign holder" "^FAIL tenant:$B: .*port $PB is taken: .*pid $STRAY " "$msg"
kill "$STRAY"
wait "$STRAY" 2>/dev/null
forget "$STRAY"

# ------------------------------------------------------------ leftovers ---
expect_eq "no cgroup of A is left" "" "$(cg_dirs "$A")"
expect_eq "no cgroup of B is left" "" "$(cg_dirs "$B")"
expect_eq "no process of A is left" "" "$(pgrep -u "$UA" || true)"
expect_eq "no process of B is left" "" "$(pgrep -u "$UB" || true)"
done_testing
