#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `mpjail run` writes the jail's early output to HOME/logs/mpjail.log as root,
# inside a directory the tenant controls.  Whatever the tenant (or a careless
# admin) leaves at that name, root must not hand a file over, write through a
# link, or block on a FIFO.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd useradd mkfifo timeout
[ -x "${MPJAIL_PROBE:-}" ] || skip_all "MPJAIL_PROBE not built"

mpj_env
T=lg$$
mpj_tenant "$T" "$PORT_BASE" runlog
U=$(eval echo "\$USER_$T")
UID_T=$(id -u "$U")
H=$HOMES/$T
# A profile whose command prints one line and exits: run --no-restart ends.
cat >"$CONF/profiles/runlog.profile" <<EOF
mpjail-profile 1
include default
command /home/$U/probe echo hello-from-the-jail
EOF
install_probe "$T"
install -d -o "$U" -g "$U" -m 0755 "$H/logs"
check "build" mpj build "$T"
LOG=$H/logs/mpjail.log

run_once() { timeout 20 "$MPJAIL" run --config-dir "$CONF" --state-dir "$STATE" \
	--run-dir "$RUN" --data-dir "$MPJAIL_SRC" --no-restart "$T" >"$T_DIR/run.out" 2>&1; }

# 1. No log yet: created by root for the tenant, 0640, with the output.
run_once
expect_eq "run exits with the command's status" 0 "$?"
expect_eq "a new log is the tenant's, mode 640" "640 $UID_T" "$(stat -c '%a %u' "$LOG")"
check "the jail's output is in the log" grep -q hello-from-the-jail "$LOG"

# 2. The tenant's own log: appended to.
run_once
expect_eq "the tenant's existing log is appended to" 2 "$(grep -c hello-from-the-jail "$LOG")"

# 3. A root-owned file planted at the name (a root file renamed into logs/,
#    or a hard link where protected_hardlinks is off): left exactly as it is.
rm -f "$LOG"
printf 'root secret\n' >"$LOG"
chmod 0600 "$LOG"
before=$(stat -c '%a %u %g %s %Y' "$LOG")
run_once
expect_eq "a root-owned file at the log's name is not chowned or written" "$before" \
	"$(stat -c '%a %u %g %s %Y' "$LOG")"
expect_eq "its content is untouched" "root secret" "$(cat "$LOG")"
check "the refusal is reported" grep -q "not logging to" "$T_DIR/run.out"

# 4. A hard link (two names) to a file outside the home, even the tenant's.
rm -f "$LOG"
printf 'outside\n' >"$T_DIR/outside"
chown "$U" "$T_DIR/outside"
ln "$T_DIR/outside" "$LOG"
run_once
expect_eq "a hard-linked log is not written through" "outside" "$(cat "$T_DIR/outside")"

# 5. A FIFO: refused without blocking the supervisor (timeout would say 124).
rm -f "$LOG"
mkfifo "$LOG"
chown "$U" "$LOG"
run_once
expect_eq "a FIFO at the log's name does not block run" 0 "$?"

# 6. A symlink to a root file: not followed.
rm -f "$LOG"
printf 'target\n' >"$T_DIR/target"
chmod 0600 "$T_DIR/target"
ln -s "$T_DIR/target" "$LOG"
run_once
expect_eq "a symlinked log is not followed" "600 0 target" \
	"$(stat -c '%a %u' "$T_DIR/target") $(cat "$T_DIR/target")"
done_testing
