#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The tenant also logs in to the host, with the uid its jail runs as
# (issue 9).  That login can pidfd_getfd and SIGSTOP every jailed process.
#  1. `mpjail exec` from a terminal: the jail gets a pty of its own devpts;
#     the admin's terminal is never in it, neither passed out by tenant code
#     nor taken with pidfd_getfd; the relay keeps I/O, window size and the
#     exit status, and puts the terminal back (docs/threats.md T40).
#  2. A jail stopped between the uid drop and the exec no longer freezes the
#     launcher: a named error within the deadline, nothing left
#     (docs/threats.md T41).
#  3. A supervised jail's pid 1 is mpjail-init, exec'd from a memfd: a few
#     KiB, and still closed to that login (no ptrace, no /proc/PID/environ;
#     docs/design.md, "Light pid 1"); it relays the command's exit.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd useradd setpriv python3 pgrep
# The tenant's processes (on the host and in the jail) run the system's python3.
PY=/usr/bin/python3
"$PY" -c 'import socket; socket.send_fds' 2>/dev/null || skip_all "needs $PY >= 3.9"

mpj_env
mpj_tenant a "$PORT_BASE" default
mpj_tenant s "$((PORT_BASE + 1))" default $'\n[limits]\ncpu_quota = 3'
UA=$USER_a
US=$USER_s
check "build tenant a" mpj build a
check "build tenant s" mpj build s
mounts_before=$(wc -l </proc/self/mountinfo)
H=$MPJAIL_SRC/tests/integration
EXEC=("$MPJAIL" exec --config-dir "$CONF" --state-dir "$STATE" --run-dir "$RUN" --data-dir "$MPJAIL_SRC")
as() { local u=$1; shift; (cd / && setpriv --reuid="$u" --regid="$(id -g "$u")" --clear-groups "$@"); }
line() { printf '%s\n' "$2" | sed -n "s/^$1 //p"; }

# ------------------------------------------------- 1. the admin's terminal ---
# Inside: what fds 0-2 are, the jail's devpts, the window size before and
# after a resize, a line typed by the admin; then fds 0-2 go out to the
# tenant's host login over a socket in the home (a .bashrc could do this),
# which also takes what it can with pidfd_getfd while the command waits.
inside='for f in 0 1 2; do echo "FD $f $(readlink /proc/$$/fd/$f) $(stat -L -c %d:%t:%T /proc/$$/fd/$f)"; done
echo "TTY $(tty)"
echo "DEVPTS $(stat -c %d /dev/pts) $(stat -f -c %T /dev/pts)"
echo "SIZE $(stty size)"
/usr/bin/python3 -c "import os, socket; s = socket.socket(socket.AF_UNIX); s.connect(os.environ[\"HOME\"] + \"/fdsock\"); socket.send_fds(s, [b\"x\"], [0, 1, 2])"
for i in $(seq 100); do [ -e "$HOME/thief.done" ] && break; sleep 0.1; done
echo READY
read -r l
echo "GOT $l"
echo "SIZE2 $(stty size)"
exit 3'
rm -f "$HOMES/a/fdsock" "$HOMES/a/thief.done"
as "$UA" "$PY" "$H/tty_thief.py" "$HOMES/a/fdsock" "$HOMES/a/thief.done" >"$T_DIR/thief.out" 2>&1 &
thief=$!
for _ in $(seq 50); do [ -S "$HOMES/a/fdsock" ] && break; sleep 0.1; done
out=$(python3 "$H/ptyrun.py" --input $'typed-by-admin\n' --winch 33x111 -- "${EXEC[@]}" a -- sh -c "$inside")
wait "$thief"
thief_out=$(cat "$T_DIR/thief.out")
caller=$(line CALLER_TTY "$out")
diag "caller's tty (st_dev:st_rdev) $caller"
printf '%s\n' "$out" "$thief_out" | sed 's/^/#   /'

jail_dev=$(line 'OUT DEVPTS' "$out" | awk '{print $1}')
expect_eq "the jail has a devpts of its own at /dev/pts" devpts "$(line 'OUT DEVPTS' "$out" | awk '{print $2}')"
check "its devpts is not the host's (another st_dev than the caller's tty)" \
	test -n "$jail_dev" -a "$jail_dev" != "${caller%%:*}"
for f in 0 1 2; do
	fd=$(printf '%s\n' "$out" | sed -n "s/^OUT FD $f //p")
	expect_match "jail fd $f is a pty of the jail's devpts" "^/dev/pts/[0-9]+ $jail_dev:88:" "$fd"
done
expect_match "tty(1) in the jail names the jail's pty" '^/dev/pts/[0-9]+$' "$(line 'OUT TTY' "$out")"
expect_eq "the jail's pty starts with the caller's window size" "24 80" "$(line 'OUT SIZE' "$out")"
expect_eq "a resize of the caller's window reaches the jail" "33 111" "$(line 'OUT SIZE2' "$out")"
expect_eq "what the admin types reaches the command" typed-by-admin "$(line 'OUT GOT' "$out")"
expect_eq "the caller's terminal is raw while the relay runs" yes "$(line RAW_DURING "$out")"
expect_eq "the caller's terminal settings are restored after the exit" yes "$(line RESTORED "$out")"
expect_eq "the command's exit status passes through the relay" 3 "$(line EXIT "$out")"
# The tenant's login got fds: the attacks ran.  None of them is the caller's.
expect_eq "tenant code passed fds 0-2 out of the jail" 3 "$(printf '%s\n' "$thief_out" | grep -c '^TTY passed ')"
check "the tenant's login took the jailed shell's fds with pidfd_getfd" \
	test "$(line PIDFD_GETFD "$thief_out")" -ge 3
expect_match "pidfd_getfd gave it the jail's pty" '^TTY pidfd:' "$thief_out"
expect_no_match "no fd the tenant obtained is the caller's terminal" " $caller\$" "$thief_out"

# Output only (stdin not a terminal): still a jail pty on 1 and 2, none of
# the caller's; stdin passes through; the caller's mode is left alone.
out=$(python3 "$H/ptyrun.py" --stdin-null -- "${EXEC[@]}" a -- sh -c \
	'for f in 0 1 2; do echo "FD $f $(readlink /proc/$$/fd/$f)"; done; echo READY; exit 5')
expect_eq "stdin /dev/null stays /dev/null" /dev/null "$(printf '%s\n' "$out" | sed -n 's/^OUT FD 0 //p')"
expect_match "stdout on a terminal becomes the jail's pty" '^/dev/pts/' "$(printf '%s\n' "$out" | sed -n 's/^OUT FD 1 //p')"
expect_match "stderr on a terminal becomes the jail's pty" '^/dev/pts/' "$(printf '%s\n' "$out" | sed -n 's/^OUT FD 2 //p')"
expect_eq "output only: the caller's terminal stays cooked" no "$(line RAW_DURING "$out")"
expect_eq "output only: exit status" 5 "$(line EXIT "$out")"

# No terminal at all: no devpts, no pty, no controlling terminal (as before).
out=$(echo piped | mpj exec a -- sh -c 'cat; test -e /dev/pts && echo has-pts; tty; exit 0' 2>&1)
expect_eq "pipes: no pty in the jail, stdin passes through" "piped
not a tty" "$out"

# ------------------------------------ 2. stopped before its exec (T41) ---
# The tenant's login SIGSTOPs everything of its uid, in a loop, while root
# launches: the launcher must come back within its deadline (5 s) with a
# named error, and leave nothing behind.  A 3% CPU cap on the tenant makes
# the window between the uid drop and the exec long enough to hit.
rm -f "$T_DIR/stop"
as "$US" "$PY" "$H/stopper.py" "$T_DIR/stop" 120 >"$T_DIR/stopper.out" 2>&1 &
stopper=$!
T_PIDS+=("$stopper")
hit_pre=0 hit_post=0 slow=0 left=""
for attempt in $(seq 15); do
	t0=$(date +%s%N)
	msg=$(mpj exec s -- /bin/sleep 0.2 2>&1)
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	if printf '%s\n' "$msg" | grep -q 'verdict\]: error: a process of the jail was stopped by a signal before its exec.*(hint: '; then
		hit_pre=$((hit_pre + 1))
		[ "$rc" = 111 ] || not_ok "a launch stopped before its exec exits 111 (got $rc)"
		printf '%s\n' "$msg" | grep -q 'Connection timed out\|ETIMEDOUT' ||
			not_ok "the verdict error says ETIMEDOUT: $msg"
	elif printf '%s\n' "$msg" | grep -q "pid 1 was stopped by a signal"; then
		hit_post=$((hit_post + 1))
	fi
	[ "$ms" -le 7000 ] || slow=$((slow + 1))
	diag "attempt $attempt: exit $rc after $ms ms: $(printf '%s' "$msg" | head -1)"
	left+=$(ps -u "$US" -o pid=,stat=,args= | grep -v stopper.py)
	[ "$hit_pre" -ge 2 ] && break
done
touch "$T_DIR/stop"
wait "$stopper" 2>/dev/null
T_PIDS=()
diag "$(cat "$T_DIR/stopper.out")"
check "a launch was stopped between the uid drop and the exec (seen $hit_pre times; after the exec $hit_post)" \
	test "$hit_pre" -ge 1
expect_eq "every launch came back within the deadline (5 s, +2 s slack)" 0 "$slow"
expect_eq "no process of the tenant is left after any attempt" "" "$left"
expect_eq "no cgroup instance is left" "" \
	"$(find /sys/fs/cgroup -path "*/mpjail/s/i-*" -type d 2>/dev/null)"

# The same stop against `mpjail run`, the supervisor: its start fails with
# the verdict error instead of hanging, and --no-restart ends it.
printf 'mpjail-profile 1\ninclude default\ncommand /bin/sleep 2\n' >"$CONF/profiles/sleeper.profile"
sed -i 's/^profile = default$/profile = sleeper/' "$CONF/tenants/s.conf"
mpj build s >/dev/null
rm -f "$T_DIR/stop"
as "$US" "$PY" "$H/stopper.py" "$T_DIR/stop" 120 >/dev/null 2>&1 &
stopper=$!
T_PIDS+=("$stopper")
sv_hit=0 sv_slow=0
for attempt in $(seq 10); do
	t0=$(date +%s%N)
	msg=$(timeout 30 "$MPJAIL" run --config-dir "$CONF" --state-dir "$STATE" --run-dir "$RUN" \
		--data-dir "$MPJAIL_SRC" --no-restart --stop-timeout 1 s 2>&1)
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	diag "run attempt $attempt: exit $rc after $ms ms: $(printf '%s\n' "$msg" | grep -m1 'error' || true)"
	[ "$rc" = 124 ] && sv_slow=$((sv_slow + 1))
	if printf '%s\n' "$msg" | grep -q 'verdict\]: error: a process of the jail was stopped'; then
		sv_hit=1
		expect_eq "the supervisor's failed start exits 111" 111 "$rc"
		check "and it returned within the deadline (5 s, +2 s slack): $ms ms" test "$ms" -le 7000
		break
	fi
done
touch "$T_DIR/stop"
wait "$stopper" 2>/dev/null
T_PIDS=()
check "mpjail run: a start was stopped before its exec" test "$sv_hit" = 1
expect_eq "mpjail run never hung (timeout 30 s)" 0 "$sv_slow"
expect_eq "no process of tenant s is left" "" "$(pgrep -u "$US" || true)"

# ------------------------------------------- 3. the light pid 1 under run ---
printf 'mpjail-profile 1\ninclude default\ncommand /bin/sleep 600\n' >"$CONF/profiles/waiter.profile"
sed -i 's/^profile = default$/profile = waiter/' "$CONF/tenants/a.conf"
mpj build a >/dev/null
"$MPJAIL" run --config-dir "$CONF" --state-dir "$STATE" --run-dir "$RUN" --data-dir "$MPJAIL_SRC" \
	--no-restart a >"$T_DIR/run-a.log" 2>&1 &
sv=$!
T_PIDS+=("$sv")
init_pid() { pgrep -u "$UA" -x mpjail-init | head -1; }
wait_until 10 test -n "$(init_pid)"
ip=$(init_pid)
check "the jail's pid 1 under run is mpjail-init, the tenant's uid ($ip)" test -n "$ip"
expect_eq "... a child of the supervisor" "$sv" "$(ps -o ppid= -p "$ip" 2>/dev/null | tr -d ' ')"
expect_eq "... pid 1 in its namespace" 1 "$(awk '/^NSpid:/ { print $NF }' "/proc/$ip/status" 2>/dev/null)"
rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$ip/status" 2>/dev/null)
check "... maps a few KiB, not a copy of the launcher (VmRSS ${rss:-?} kB, at most 64)" \
	test -n "$rss" -a "${rss:-999}" -le 64
# The login attaches and reads as the same uid: both must be refused.
attack=$(as "$UA" "$PY" -c '
import ctypes, os, sys
pid = int(sys.argv[1])
libc = ctypes.CDLL(None, use_errno=True)
r = libc.ptrace(16, pid, None, None)  # PTRACE_ATTACH
print("PTRACE", "ok" if r == 0 else os.strerror(ctypes.get_errno()))
try:
    open("/proc/%d/environ" % pid, "rb").read()
    print("ENVIRON ok")
except OSError as e:
    print("ENVIRON", e.strerror)
' "$ip" 2>&1)
expect_eq "the tenant's login cannot ptrace the jail's pid 1" "PTRACE Operation not permitted" \
	"$(printf '%s\n' "$attack" | grep '^PTRACE')"
expect_eq "... nor read its environment" "ENVIRON Permission denied" \
	"$(printf '%s\n' "$attack" | grep '^ENVIRON')"
sleep_pid=$(pgrep -u "$UA" -x sleep | head -1)
check "found the command's sleep ($sleep_pid)" test -n "$sleep_pid"
kill -USR2 "$sleep_pid"
wait_until 10 grep -q 'killed by signal 12' "$T_DIR/run-a.log"
check "mpjail-init relayed the command's wait status (killed by signal 12) to the supervisor" \
	grep -q 'killed by signal 12' "$T_DIR/run-a.log"
wait_until 10 test -z "$(pgrep -u "$UA" || true)"
kill -TERM "$sv" 2>/dev/null
wait "$sv" 2>/dev/null
T_PIDS=()
grep -q 'killed by signal 12' "$T_DIR/run-a.log" || sed 's/^/#   /' "$T_DIR/run-a.log"

# -------------------------------------------------------------- leftovers ---
expect_eq "no process of tenant a is left" "" "$(pgrep -u "$UA" || true)"
expect_eq "no mount left on the host" "$mounts_before" "$(wc -l </proc/self/mountinfo)"
done_testing
