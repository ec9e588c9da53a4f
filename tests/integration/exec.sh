#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `mpjail exec` on the real kernel: the probe, run inside a tenant's jail as
# the tenant, reports what it sees and what its attacks achieved.  Every
# assertion is about the inside of a real jail.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd useradd script python3
[ -x "${MPJAIL_PROBE:-}" ] || skip_all "MPJAIL_PROBE not built"

mpj_env
mpj_tenant a "$PORT_BASE" default
mpj_tenant b "$((PORT_BASE + 1))" default
UA=$USER_a
UB=$USER_b
UID_A=$(id -u "$UA")
GID_A=$(id -g "$UA")
install_probe a
echo "b's secret" >"$HOMES/b/secret.txt"
chmod 0644 "$HOMES/b/secret.txt"
mounts_before=$(wc -l </proc/self/mountinfo)

check "build tenant a" mpj build a
check "build tenant b" mpj build b
P=/home/$UA/probe

# ---------------------------------------------------------------- facts ---
facts=$(mpj exec a -- "$P" facts)
rc=$?
expect_eq "probe facts exits 0" 0 "$rc"
expect_eq "uid is the tenant's" "$UID_A" "$(probe_fact "$facts" uid)"
expect_eq "euid is the tenant's" "$UID_A" "$(probe_fact "$facts" euid)"
expect_eq "gid is the tenant's" "$GID_A" "$(probe_fact "$facts" gid)"
expect_eq "no supplementary groups" "-" "$(probe_fact "$facts" groups)"
for c in CapInh CapPrm CapEff CapBnd CapAmb; do
	expect_eq "$c is empty" 0000000000000000 "$(probe_fact "$facts" "$c")"
done
expect_eq "NoNewPrivs is set" 1 "$(probe_fact "$facts" NoNewPrivs)"
expect_eq "seccomp filter mode" 2 "$(probe_fact "$facts" Seccomp)"
expect_eq "cwd is the jail home" "/home/$UA" "$(probe_fact "$facts" cwd)"
expect_eq "hostname is the tenant's" a "$(probe_fact "$facts" hostname)"
expect_match "no controlling terminal" '^no' "$(probe_fact "$facts" ctty)"
expect_eq "only the probe itself in /proc (pid 1 is hidden: not dumpable)" "2" "$(probe_fact "$facts" pids)"
expect_eq "no fd above 2" "0 1 2" "$(probe_fact "$facts" fd | awk '{print $1}' | sort -n | xargs)"
expected_env=$(printf '%s\n' "HOME=/home/$UA" LANG=C "LOGNAME=$UA" \
	PATH=/usr/local/bin:/usr/bin:/bin TMPDIR=/var/tmp "USER=$UA" | sort)
expect_eq "environment is exactly the profile's" "$expected_env" "$(probe_fact "$facts" env | sort)"
expect_eq "RLIMIT_CORE is 0/0" "0 0" "$(probe_fact "$facts" rlimit | awk '$1=="core"{print $2, $3}')"
expect_eq "RLIMIT_RTPRIO is 0/0" "0 0" "$(probe_fact "$facts" rlimit | awk '$1=="rtprio"{print $2, $3}')"
expect_eq "RLIMIT_NOFILE from the tenant limit" "4096 4096" \
	"$(probe_fact "$facts" rlimit | awk '$1=="nofile"{print $2, $3}')"
expect_eq "RLIMIT_FSIZE from the profile" "1073741824 1073741824" \
	"$(probe_fact "$facts" rlimit | awk '$1=="fsize"{print $2, $3}')"

# Mounts: TARGET FSTYPE MOUNT_OPTS SUPER_OPTS PROPAGATION
mounts=$(probe_fact "$facts" mount)
mount_opts() { printf '%s\n' "$mounts" | awk -v t="$1" '$1==t{print $3}' | head -1; }
has_opts() { # has_opts TARGET opt...
	local o=$(mount_opts "$1") x
	[ -n "$o" ] || return 1
	shift
	for x in "$@"; do [[ ",$o," == *",$x,"* ]] || return 1; done
}
check "/ is ro,nosuid,nodev" has_opts / ro nosuid nodev
check "/usr is ro,nosuid,nodev" has_opts /usr ro nosuid nodev
check "the home is rw,nosuid,nodev" has_opts "/home/$UA" rw nosuid nodev
check "/tmp is a nosuid,nodev tmpfs" has_opts /tmp rw nosuid nodev
check "/run is nosuid,nodev,noexec" has_opts /run nosuid nodev noexec
check "/proc is nosuid,nodev,noexec" has_opts /proc nosuid nodev noexec
check "/dev is ro,nosuid,nodev,noexec" has_opts /dev ro nosuid nodev noexec
check "/dev/null is nosuid,noexec" has_opts /dev/null nosuid noexec
expect_no_match "no shared or slave propagation" ' (shared|master):' "$mounts"
expect_no_match "no host or other-tenant path is mounted" "$T_DIR|$UB|/work|/root" \
	"$(printf '%s\n' "$mounts" | awk '{print $1}')"
expect_eq "/proc is hidepid=invisible,subset=pid" yes \
	"$(printf '%s\n' "$mounts" | awk '$1=="/proc"{print ($4 ~ /hidepid=invisible/ && $4 ~ /subset=pid/) ? "yes" : "no"}')"

# -------------------------------------------------------------- attacks ---
attacks=$(mpj exec a -- "$P" attacks)
rc=$?
n_blocked=$(printf '%s\n' "$attacks" | grep -c ': BLOCKED')
while IFS= read -r line; do
	case "$line" in
	"ATTACK "*": BLOCKED"*) ok "${line#ATTACK }" ;;
	"ATTACK "*": ESCAPED"*) not_ok "${line#ATTACK }" ;;
	"ATTACK "*": SKIPPED"*) not_ok "${line#ATTACK } (a skipped attack proves nothing)" ;;
	*) ;;
	esac
done <<<"$attacks"
expect_eq "attacks: probe exit status (1 = something escaped)" 0 "$rc"
check "attacks: at least 60 attempts blocked (got $n_blocked)" test "$n_blocked" -ge 60

userns=$(mpj exec a -- "$P" userns)
expect_match "user namespace via unshare is refused" '^ATTACK userns_unshare: BLOCKED' "$userns"
expect_match "user namespace via clone is refused" '^ATTACK userns_clone: BLOCKED' "$userns"
expect_no_match "no user namespace escapes" 'ESCAPED' "$userns"

# Without ia32 emulation the kernel faults int 0x80 itself (128+SIGSEGV),
# jail or not: then the filter's i386 rule cannot be exercised on this host.
int80_want=159
"$MPJAIL_PROBE" int80 >/dev/null 2>&1 && rc=0 || rc=$?
if [ "$rc" = 139 ]; then
	diag "this kernel has no ia32 emulation: int 0x80 faults before the filter"
	int80_want=139
fi
mpj exec a -- "$P" int80 >/dev/null 2>&1
expect_eq "an i386 int 0x80 syscall reaches no syscall in the jail (128+SIGSYS, 128+SIGSEGV without ia32)" "$int80_want" "$?"
mpj exec a -- "$P" x32 >/dev/null 2>&1
expect_eq "an x32 syscall kills the probe (128+SIGSYS)" 159 "$?"

# TIOCSTI needs a terminal: run exec on a pty.  The jail gets a pty of its
# own devpts, never this one (T40, hostlogin.sh); the filter must still deny
# the ioctls on it.  (script's end-of-input byte, relayed like any key, is
# echoed by the jail's pty: do not anchor at the start of the line.)
tiocsti=$(script -qfec "$MPJAIL exec --config-dir $CONF --state-dir $STATE --run-dir $RUN --data-dir $MPJAIL_SRC a -- $P tiocsti" /dev/null </dev/null | tr -d '\r')
expect_match "TIOCSTI on the jail's terminal is refused" 'ATTACK tiocsti: BLOCKED' "$tiocsti"
expect_match "TIOCSTI with high bits set is refused" 'ATTACK tiocsti_highbits: BLOCKED' "$tiocsti"
expect_no_match "no terminal injection escapes" 'ESCAPED' "$tiocsti"

# Other tenants and host paths do not exist inside the jail.
seen=$(mpj exec a -- "$P" exists "$HOMES/b" "$HOMES/b/secret.txt" "/home/$UB" "$T_DIR" \
	/work /root /etc/shadow /var/lib/mpjail /sys/fs/cgroup /run/systemd)
expect_no_match "no other tenant's home or host path is visible" ' yes' "$seen"

# A setuid-root binary in the tenant's home does not give euid 0.
install -o root -g root -m 4755 "$MPJAIL_PROBE" "$HOMES/a/suid-probe"
who=$(mpj exec a -- "$P" exec "/home/$UA/suid-probe" whoami)
expect_eq "setuid-root binary: euid stays the tenant's" "$UID_A" "$(probe_fact "$who" euid)"

# ----------------------------------------------------------- secrets ---
mkdir -p "$CONF/credentials/a"
chmod 0700 "$CONF/credentials/a"
printf 'first' >"$CONF/credentials/a/db"
chmod 0600 "$CONF/credentials/a/db"
sec=$(mpj exec a -- sh -c 'stat -c "%a %u %n" /run/secrets/db; cat /run/secrets/db')
expect_eq "the secret is delivered 0400, owned by the tenant" "400 $UID_A /run/secrets/db" "$(head -1 <<<"$sec")"
expect_eq "the secret's content" first "$(tail -1 <<<"$sec")"
expect_eq "another tenant's jail has no /run/secrets" no \
	"$(mpj exec b -- sh -c 'test -e /run/secrets && echo yes || echo no')"
# A re-sync (every launch; reload in `run`) reaches a jail that is running.
mpj exec a -- sh -c 'sleep 1.5; cat /run/secrets/db' >"$T_DIR/live.out" &
sleep 0.5
printf 'second' >"$CONF/credentials/a/db"
mpj exec a -- /bin/true
wait
expect_eq "a rotated secret reaches the running jail" second "$(cat "$T_DIR/live.out")"
printf 'x' >"$CONF/credentials/a/db"
chmod 0644 "$CONF/credentials/a/db"
mpj exec a -- /bin/true 2>/dev/null
expect_eq "a credential readable by others is refused (exit 100)" 100 "$?"
rm -rf "$CONF/credentials/a"

# ------------------------------------------------------- status and I/O ---
mpj exec a -- "$P" exit 7
expect_eq "the command's exit status passes through" 7 "$?"
mpj exec a -- sh -c 'kill -TERM $$'
expect_eq "a command killed by SIGTERM gives 128+15" 143 "$?"
expect_eq "stdin and stdout pass through" "hello jail" "$(echo 'hello jail' | mpj exec a -- cat)"
err=$(mpj exec a -- "$P" exit 0 2>&1 >/dev/null)
expect_eq "nothing on stderr for a clean run" "" "$err"

# --------------------------------------------------------- negative cases ---
msg=$(mpj exec a -- /nonexistent/cmd 2>&1)
expect_eq "a missing command exits 127" 127 "$?"
expect_match "a missing command names the exec stage" 'exec\]: error: .*/nonexistent/cmd' "$msg"
printf 'not a program\n' >"$HOMES/a/notexec"
chmod 0644 "$HOMES/a/notexec"
mpj exec a -- "/home/$UA/notexec" 2>/dev/null
expect_eq "a non-executable command exits 126" 126 "$?"

mpj_tenant c "$((PORT_BASE + 2))" default
mpj build c >/dev/null
rm -rf "$HOMES/c"
ln -s /etc "$HOMES/c"
mb=$(wc -l </proc/self/mountinfo)
msg=$(mpj exec c -- /bin/true 2>&1)
expect_eq "a tenant home that is a symlink is refused (exit 100)" 100 "$?"
expect_match "the refusal says why" 'symlink' "$msg"
expect_eq "nothing was mounted for the refused launch" "$mb" "$(wc -l </proc/self/mountinfo)"

mpj exec nosuchtenant -- /bin/true 2>/dev/null
expect_eq "an unknown tenant is a configuration error (exit 100)" 100 "$?"
mpj exec a 2>/dev/null
expect_eq "a missing command line is a usage error (exit 100)" 100 "$?"

# The jail dies with its launcher even by SIGKILL: the kernel clears the
# parent-death signal at the uid change, so pid 1 also watches a lifeline pipe.
"$MPJAIL" exec --config-dir "$CONF" --state-dir "$STATE" --run-dir "$RUN" \
	--data-dir "$MPJAIL_SRC" a -- "$P" sleep 60 >/dev/null 2>&1 &
launcher=$!
for _ in $(seq 50); do pgrep -u "$UA" >/dev/null && break; sleep 0.1; done
check "the jail's command is running" pgrep -u "$UA"
kill -KILL "$launcher"
wait "$launcher" 2>/dev/null
for _ in $(seq 50); do pgrep -u "$UA" >/dev/null || break; sleep 0.1; done
expect_eq "SIGKILL of the launcher ends the jail" "" "$(pgrep -u "$UA" -a | grep -v defunct || true)"
# Its cgroup could not be torn down by the dead launcher: the next launch
# of the tenant sweeps instances whose launcher is gone.
mpj exec a -- /bin/true
stale=$(find /sys/fs/cgroup -path "*/$MPJ_GROUP/a/i-$launcher" -type d 2>/dev/null)
expect_eq "the dead launcher's cgroup is swept by the next launch" "" "$stale"

# ------------------------------------------------------ network private ---
printf 'mpjail-profile 1\ninclude default\nnetwork private\n' >"$CONF/profiles/privnet.profile"
mpj_tenant n "$((PORT_BASE + 3))" privnet
UN=$USER_n
install_probe n
mpj build n >/dev/null
# On tenant a's own port: the only ports in port_range a shared-netns jail
# may connect to are its own (the `connect` policy, netpolicy.sh).
hostport=$PORT_BASE
python3 -m http.server --bind 127.0.0.1 "$hostport" >/dev/null 2>&1 &
T_PIDS+=($!)
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$hostport") 2>/dev/null && break; sleep 0.1; done
# Routing through loopback (listen, then connect to ourselves) works only
# when lo is up; a bare bind to 127.0.0.1 would succeed even with lo down.
selfconnect='import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
c = socket.socket()
try:
    c.connect(s.getsockname()); print("RESULT ok")
except OSError as e:
    print("RESULT", e.strerror)'
expect_match "private netns: its own loopback is up (connect to itself works)" '^RESULT ok' \
	"$(mpj exec n -- /usr/bin/python3 -c "$selfconnect")"
expect_match "private netns: a listener on the host's loopback is unreachable" \
	'^RESULT (ECONNREFUSED|ENETUNREACH)' "$(mpj exec n -- "/home/$UN/probe" connect-tcp "$hostport")"
expect_match "shared netns (control): the same listener is reachable (a's own port)" '^RESULT ok' \
	"$(mpj exec a -- "$P" connect-tcp "$hostport")"
# Serving from a private netns (`run`, the listener hand-off): privnet.sh.

# -------------------------------------------------------------- leftovers ---
expect_eq "no process of the tenant is left" "" "$(pgrep -u "$UA" || true)"
expect_eq "no mount left on the host" "$mounts_before" "$(wc -l </proc/self/mountinfo)"
done_testing
