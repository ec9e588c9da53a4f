#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `mpjail exec --timings`: every parent step and every child stage is
# printed once on stderr with a sane number of microseconds, the command's
# own output is untouched, and without the option nothing is printed.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd useradd awk

mpj_env
mpj_tenant a "$PORT_BASE" default
check "build tenant a" mpj build a

PARENT="config identity open sysfiles plan filter landlock helpers quota cgroup clone attach verdict run teardown"
CHILD="sync no-new-privs propagation root mount pivot mountcheck hostname network rlimit pty fds identity verify chdir landlock reaper seccomp exec"

err=$T_DIR/timings.err
out=$(mpj exec --timings a -- /bin/echo hello 2>"$err")
rc=$?
expect_eq "exec --timings exits 0" 0 "$rc"
expect_eq "the command's stdout is untouched" hello "$out"
expect_eq "stderr holds only timing lines" "" "$(grep -v '^mpjail timing ' "$err")"
for s in $PARENT; do
	expect_eq "parent step $s printed once" 1 "$(awk -v s="$s" '$3=="parent" && $4==s' "$err" | wc -l)"
done
for s in $CHILD; do
	expect_eq "child stage $s printed once" 1 "$(awk -v s="$s" '$3=="child" && $4==s' "$err" | wc -l)"
done
expect_eq "parent steps in pipeline order" "$PARENT" \
	"$(awk '$3=="parent"{print $4}' "$err" | xargs)"
expect_eq "child stages in pipeline order" "$CHILD" "$(awk '$3=="child"{print $4}' "$err" | xargs)"
expect_eq "every figure is a whole number of microseconds below 60 s" "" \
	"$(awk '$5 !~ /^[0-9]+$/ || $5 >= 60000000 || NF != 5' "$err")"
total=$(awk '$3=="total" && $4=="all"{print $5}' "$err")
launch=$(awk '$3=="total" && $4=="launch"{print $5}' "$err")
psum=$(awk '$3=="parent"{s+=$5} END{print s+0}' "$err")
csum=$(awk '$3=="child"{s+=$5} END{print s+0}' "$err")
expect_match "the launch took some time" '^[1-9][0-9]*$' "$launch"
# Each line is rounded down on its own: the sum may fall short by < 1 us a line.
expect_eq "the parent steps add up to the total" 1 \
	"$(awk -v p="$psum" -v t="$total" 'BEGIN{print (p <= t && t - p <= 15)}')"
expect_eq "the child's stages fit in the launch" 1 \
	"$(awk -v c="$csum" -v l="$launch" 'BEGIN{print (c > 0 && c <= l)}')"
# The child starts inside the parent's clone step and ends with its verdict.
expect_eq "the child's stages fit between the parent's clone and verdict" 1 \
	"$(awk '$3=="parent" && ($4=="clone" || $4=="attach" || $4=="verdict"){p+=$5}
		$3=="child"{c+=$5} END{print (c <= p + 25)}' "$err")"

mpj exec a -- /bin/true 2>"$err"
expect_eq "without --timings: exit 0" 0 "$?"
expect_eq "without --timings: nothing on stderr" "" "$(cat "$err")"

mpj exec --timings a -- /nonexistent 2>"$err"
expect_eq "a failed exec still exits 127" 127 "$?"
expect_match "a failed exec names its stage" 'exec' "$(grep -v '^mpjail timing ' "$err")"
expect_eq "a failed exec still times the verdict" 1 \
	"$(awk '$3=="parent" && $4=="verdict"' "$err" | wc -l)"
# run: the default profile's command is /bin/sh, which ends at once on
# /dev/null; each start prints its steps up to the verdict.
mpj run --no-restart --timings a 2>"$err" >/dev/null </dev/null
expect_eq "run --timings: the server's exit ends the supervisor" 0 "$?"
expect_eq "run --timings: one launch timed" 1 "$(awk '$1=="mpjail" && $2=="timing" && $3=="total" && $4=="launch"' "$err" | wc -l)"
expect_eq "run --timings: the parent steps up to the verdict" \
	"config identity open sysfiles plan filter landlock helpers quota cgroup clone attach verdict" \
	"$(awk '$2=="timing" && $3=="parent"{print $4}' "$err" | xargs)"
expect_eq "run --timings: every child stage" "$CHILD" "$(awk '$2=="timing" && $3=="child"{print $4}' "$err" | xargs)"
done_testing
