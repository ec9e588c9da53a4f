#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The sentinel (docs/threats.md §2): a process OUTSIDE any jail running with the
# tenant's own uid and gid, so that only the jail's isolation protects it.
# It holds a secret in memory, DB_PASSWORD in its environment, a socket fd,
# a SysV shm segment, a POSIX mqueue and shm object, an abstract unix socket
# and a TCP canary on a loopback port that is not the tenant's.  The same
# probe modes are run once outside the jail with the same uid (they must
# reach it: the probes can see a hole) and once inside (they must not).
. "$(dirname "$0")/lib.sh"
require_root
require_cmd useradd setpriv
[ -x "${MPJAIL_PROBE:-}" ] || skip_all "MPJAIL_PROBE not built"

mpj_env
mpj_tenant a "$PORT_BASE" default
UA=$USER_a
UID_A=$(id -u "$UA")
GID_A=$(id -g "$UA")
install_probe a
check "build tenant a" mpj build a
P=/home/$UA/probe

# The host copy of the probe, run as the tenant outside any jail.
HP=$T_DIR/probe-host
install -m 0755 "$MPJAIL_PROBE" "$HP"
as_tenant() {
	env -i PATH=/usr/bin:/bin setpriv --reuid="$UID_A" --regid="$GID_A" --clear-groups \
		--inh-caps=-all --bounding-set=-all --no-new-privs "$@"
}
# In the background: exec, so that $! is the sentinel itself and a TERM
# reaches it (not a subshell that dies and leaves it running).
as_tenant_exec() {
	exec env -i PATH=/usr/bin:/bin setpriv --reuid="$UID_A" --regid="$GID_A" --clear-groups \
		--inh-caps=-all --bounding-set=-all --no-new-privs "$@"
}
result() { printf '%s\n' "$1" | sed -n 's/^RESULT //p'; }
# result_of TEXT WHAT: the errno (or ok) of a "RESULT WHAT ..." line.
result_of() { printf '%s\n' "$1" | awk -v w="$2" '$1=="RESULT" && $2==w {print $3}'; }
# refused VALUE ERRNO...: VALUE is one of the listed refusals.
refused() {
	local v=$1 e
	shift
	for e in "$@"; do [ "$v" = "$e" ] && return 0; done
	return 1
}

KEY=$((0x4d500000 + $$ % 65536))
NAME=mpj-sentinel-$$
CANARY=$((PORT_BASE + 50))
PW="sentinel-db-password-$$-$RANDOM"
if ipcs -m | awk '{print $1}' | grep -qix "$(printf '0x%08x' "$KEY")"; then
	skip_all "SysV key $KEY is taken on this host"
fi

as_tenant_exec env DB_PASSWORD="$PW" "$HP" sentinel "$KEY" "$NAME" "$CANARY" \
	>"$T_DIR/sentinel.out" 2>"$T_DIR/sentinel.err" &
SENTINEL_JOB=$!
T_PIDS+=("$SENTINEL_JOB")
for _ in $(seq 50); do grep -q '^READY' "$T_DIR/sentinel.out" 2>/dev/null && break; sleep 0.1; done
if ! grep -q '^READY' "$T_DIR/sentinel.out"; then
	not_ok "the sentinel started"
	diag "$(cat "$T_DIR/sentinel.err")"
	done_testing
fi
SPID=$(probe_fact "$(cat "$T_DIR/sentinel.out")" pid)
expect_eq "the sentinel runs with the tenant's uid" "$UID_A" "$(stat -c %u "/proc/$SPID")"
expect_eq "the sentinel has DB_PASSWORD in its environment" 1 \
	"$(tr '\0' '\n' <"/proc/$SPID/environ" | grep -c "^DB_PASSWORD=$PW\$")"

# ------------------------------------------- outside the jail, same uid ---
# Without isolation the tenant's uid reaches all of it: the probes see holes.
out=$(as_tenant "$HP" proc-pid "$SPID")
expect_eq "control: outside, /proc/PID/environ of the sentinel opens" ok "$(result_of "$out" environ)"
expect_eq "control: outside, DB_PASSWORD is readable there" yes \
	"$(probe_fact "$out" environ_has_db_password)"
expect_eq "control: outside, /proc/PID/fd opens" ok "$(result_of "$out" fd)"
expect_eq "control: outside, pidfd_open(sentinel) works" ok \
	"$(result_of "$(as_tenant "$HP" ptrace "$SPID")" pidfd_open)"
expect_eq "control: outside, kill(sentinel, 0) works" ok "$(result "$(as_tenant "$HP" kill "$SPID" 0)")"
expect_eq "control: outside, the SysV segment is found by key" ok \
	"$(result "$(as_tenant "$HP" shmget "$KEY")" | head -1)"
expect_eq "control: outside, the POSIX mqueue opens" ok "$(result "$(as_tenant "$HP" mq-open "$NAME")")"
expect_eq "control: outside, the POSIX shm object opens" ok "$(result "$(as_tenant "$HP" shm-open "$NAME")")"
expect_eq "control: outside, the abstract socket accepts" ok \
	"$(result "$(as_tenant "$HP" connect-abstract "$NAME")")"
expect_eq "control: outside, the TCP canary accepts" ok \
	"$(result "$(as_tenant "$HP" connect-tcp "$CANARY")")"

# ------------------------------------------------------- inside the jail ---
# A pid number means nothing across pid namespaces unless the jail happens
# to have it: make sure the jail's own pids are not confused with it.
inside_pids=$(mpj exec a -- "$P" facts | sed -n 's/^FACT pids //p')
check "the sentinel's host pid ($SPID) is not one of the jail's pids" test "$SPID" -gt 16
diag "jail pid count: $inside_pids"

out=$(mpj exec a -- "$P" proc-pid "$SPID")
for e in environ mem root cwd fd exe status; do
	v=$(result_of "$out" "$e")
	check "jail: /proc/SENTINEL/$e is unreachable ($v)" refused "$v" ENOENT ESRCH EACCES EPERM
done
expect_no_match "jail: DB_PASSWORD of the sentinel never read" 'environ_has_db_password' "$out"

out=$(mpj exec a -- "$P" ptrace "$SPID")
for w in ptrace_seize process_vm_readv pidfd_open; do
	v=$(result_of "$out" "$w")
	check "jail: $w(sentinel) is refused ($v)" refused "$v" ESRCH EPERM EACCES ENOSYS
done
v=$(result "$(mpj exec a -- "$P" kill "$SPID" 0)")
check "jail: kill(sentinel, 0) is refused ($v)" refused "$v" ESRCH EPERM
v=$(result "$(mpj exec a -- "$P" shmget "$KEY")" | head -1)
check "jail: the sentinel's SysV segment is not found by key ($v)" refused "$v" ENOENT EPERM ENOSYS
v=$(result "$(mpj exec a -- "$P" mq-open "$NAME")")
check "jail: the sentinel's POSIX mqueue does not exist ($v)" refused "$v" ENOENT EPERM ENOSYS
v=$(result "$(mpj exec a -- "$P" shm-open "$NAME")")
check "jail: the sentinel's POSIX shm object does not exist ($v)" refused "$v" ENOENT EACCES
v=$(result "$(mpj exec a -- "$P" connect-abstract "$NAME")")
check "jail: the sentinel's abstract socket is unreachable ($v)" refused "$v" EPERM ECONNREFUSED
# The netns is shared: a private one would say ECONNREFUSED to the connect
# and let the bind through, a shared one without a policy EADDRINUSE to the
# bind.  EACCES is the jail's port policy (Landlock): the canary's port is in
# port_range and not the tenant's, so it may neither connect nor bind there.
expect_eq "jail: connecting to the TCP canary is EACCES (connect policy)" EACCES \
	"$(result "$(mpj exec a -- "$P" connect-tcp "$CANARY")")"
expect_eq "jail: binding the canary's port is EACCES" EACCES \
	"$(result "$(mpj exec a -- "$P" bind "$CANARY")" | head -1)"
expect_eq "jail: binding the tenant's own port works" ok \
	"$(result "$(mpj exec a -- "$P" bind "$PORT_BASE")" | head -1)"

# --------------------------------------------------- the sentinel's view ---
kill -TERM "$SENTINEL_JOB"
wait "$SENTINEL_JOB"
expect_eq "the sentinel exited cleanly" 0 "$?"
T_PIDS=()
report=$(cat "$T_DIR/sentinel.out")
expect_eq "sentinel: its SysV segment is unchanged" yes "$(probe_fact "$report" shm_intact)"
expect_eq "sentinel: its SysV segment was last attached by itself" yes \
	"$(probe_fact "$report" shm_last_attach_pid_is_ours)"
expect_eq "sentinel: its mqueue still holds its one message" yes "$(probe_fact "$report" mq_intact)"
expect_eq "sentinel: its POSIX shm object is unchanged" yes "$(probe_fact "$report" posix_shm_intact)"
expect_eq "sentinel: only the outside control reached its abstract socket" 1 \
	"$(probe_fact "$report" abstract_accepted)"
expect_no_match "sentinel: its IPC objects are removed" "$(printf '0x%08x' "$KEY")" "$(ipcs -m)"
check "sentinel: its POSIX shm object is removed" test ! -e "/dev/shm/$NAME" # check-tmp: ok (the tenant's own object, only tested for absence)

# ------------------------------------------------- the jail's own pid 1 ---
# pid 1 (the reaper) runs as the tenant but holds the launcher's memory and
# environment and the status pipe.  The kernel resets "dumpable" to
# fs.suid_dumpable at the uid change, so with suid_dumpable=1 pid 1 would
# become readable by the tenant's code: mpjail must not rest on the sysctl.
old_dumpable=$(cat /proc/sys/fs/suid_dumpable)
T_CLEANUP+=("echo $old_dumpable >/proc/sys/fs/suid_dumpable")
echo 1 >/proc/sys/fs/suid_dumpable
# An admin shell with a password in its environment starts the jail.
out=$(DB_PASSWORD=admin-shell-$$ mpj exec a -- "$P" proc-pid 1)
echo "$old_dumpable" >/proc/sys/fs/suid_dumpable
for e in environ mem fd root; do
	v=$(result_of "$out" "$e")
	check "jail with fs.suid_dumpable=1: pid 1's $e is unreachable ($v)" refused "$v" \
		ENOENT ESRCH EACCES EPERM
done
expect_no_match "jail with fs.suid_dumpable=1: the launcher's environment is not read" \
	'environ_has_db_password' "$out"

# The uid change itself: the tenant's login may SIGSTOP pid 1 at any syscall
# between its setresuid() and its prctl(PR_SET_DUMPABLE, 0) and open its
# memory there at leisure, were it dumpable.
witness_uid_change "the jail's pid 1" "$UID_A" "$GID_A" "$MPJAIL" exec --config-dir "$CONF" \
	--state-dir "$STATE" --run-dir "$RUN" --data-dir "$MPJAIL_SRC" a -- /bin/true

# -------------------------------------------------------------- leftovers ---
expect_eq "no process of the tenant is left" "" "$(pgrep -u "$UA" || true)"
done_testing
