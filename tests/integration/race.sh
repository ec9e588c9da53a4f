#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# docs/threats.md T6: races against the root-run builder.  As the tenant
# (a process with the tenant's uid on the host, race_tenant.py), keep
# swapping the home's skeleton directories with symlinks to /etc, to another
# tenant's home, to a root-owned canary and to a root-owned copy target,
# planting FIFOs, symlinks and hard links to root's files at skeleton names
# and deleting everything again, while root runs `mpjail build` of that
# tenant again and again (RACE_BUILDS builds or RACE_SECONDS, whichever comes
# first).  Then: everything outside the tenant's home is unchanged (owner,
# group, mode, size, mtime, inode, content), nothing outside it is owned by
# the tenant, and root created nothing inside it.  The other tenant's home
# path has the attacker's as a string prefix ($HOMES/ra, $HOMES/rab).
. "${MPJAIL_SRC:?}/tests/integration/lib.sh" || exit 1

require_root
require_cmd find sha256sum setpriv
[ -x /usr/bin/python3 ] || skip_all "needs /usr/bin/python3 for the tenant's race loop"
mpj_env

RACE_BUILDS=${RACE_BUILDS:-1000}
RACE_SECONDS=${RACE_SECONDS:-60}

# snapshot DIR... [-- PRUNE...]: everything an escape could touch.
snapshot() {
	local dirs=() prune=() p
	while [ $# -gt 0 ] && [ "$1" != -- ]; do dirs+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	for p in "$@"; do prune+=(-path "$p" -prune -o); done
	find "${dirs[@]}" "${prune[@]}" -printf '%p %U %G %m %s %T@ %i\n' 2>/dev/null |
		LC_ALL=C sort
	find "${dirs[@]}" "${prune[@]}" -type f -exec sha256sum {} + 2>/dev/null | LC_ALL=C sort
}

# Attacker "ra"; victim "rab", whose home path has the attacker's as a prefix.
mpj_tenant ra "$PORT_BASE" modperl
mpj_tenant rab "$((PORT_BASE + 1))" modperl
U=$USER_ra
UID_A=$(id -u "$U")
GID_A=$(id -g "$U")
H=$HOMES/ra
HV=$HOMES/rab
out=$(mpj build rab 2>&1); rc=$?
expect_eq "victim's home filled by its own build" 0 "$rc"
check "victim's home has its skeleton" test -f "$HV/perl/startup.pl"

# Root-owned places only root can write: anything new there is root's doing.
CANARY=$T_DIR/canary
TARGET=$T_DIR/target
CTL=$T_DIR/ctl
mkdir -p "$CANARY/htdocs" "$CANARY/perl/Mpjail" "$CANARY/logs" "$CANARY/conf" "$TARGET" "$CTL"
printf 'canary secret\n' >"$CANARY/secret"
printf 'canary startup\n' >"$CANARY/perl/startup.pl"
printf 'target file\n' >"$TARGET/file"
chown -R root:root "$CANARY" "$TARGET" "$CTL"
chmod -R u=rwX,go=rX "$CANARY" "$TARGET" "$CTL"
# Hard links to root's and the victim's files, as a host with
# fs.protected_hardlinks=0 would let the tenant make them; the tenant moves
# them onto skeleton names.
ln "$CANARY/secret" "$H/.hl-canary"
ln "$TARGET/file" "$H/.hl-target"
ln "$HV/htdocs/index.html" "$H/.hl-victim"
hl_inodes=$(stat -c %i "$H"/.hl-* | LC_ALL=C sort | xargs)

STAMP=$CTL/stamp
touch "$STAMP"
# /etc changes under other tests (useradd), so it is checked by name and owner.
etc_list() { find /etc -maxdepth 1 -printf '%p %U %G %m\n' | LC_ALL=C sort; }
SKEL_NAMES=(-name htdocs -o -name perl -o -name logs -o -name conf -o -name Mpjail
	-o -name startup.pl -o -name index.html -o -name .keep -o -name README
	-o -name Hello.pm -o -name DB.pm -o -name mpjail.log)
etc_before=$(etc_list)
etc_skel_before=$(find /etc -xdev \( "${SKEL_NAMES[@]}" \) -printf '%p %U %G %m %i\n' |
	LC_ALL=C sort)
outside_before=$(snapshot "$T_DIR" -- "$H" "$STATE" "$CTL")

# The tenant's loop, started as the tenant in its home.
setpriv --reuid="$UID_A" --regid="$GID_A" --clear-groups --no-new-privs \
	bash -c 'cd "$1" && exec /usr/bin/python3 "$2" "$3" "$4" "${@:5}"' race \
	"$H" "$MPJAIL_SRC/tests/integration/race_tenant.py" "$CTL/stop" \
	"$((RACE_SECONDS + 30))" /etc "$HV" "$CANARY" "$TARGET" >"$CTL/tenant.out" 2>&1 &
TENANT_PID=$!
T_PIDS+=("$TENANT_PID")

builds=0 ok_builds=0 created=0 bad_rc=""
start=$SECONDS
while [ "$builds" -lt "$RACE_BUILDS" ] && [ $((SECONDS - start)) -lt "$RACE_SECONDS" ]; do
	out=$(timeout 60 "$MPJAIL" build --config-dir "$CONF" --state-dir "$STATE" \
		--run-dir "$RUN" --data-dir "$MPJAIL_SRC" ra 2>&1)
	rc=$?
	builds=$((builds + 1))
	case $rc in
	0)
		ok_builds=$((ok_builds + 1))
		n=$(printf '%s\n' "$out" | sed -n 's/.*: \([0-9]*\) created,.*/\1/p')
		created=$((created + ${n:-0}))
		;;
	111)
		# The tenant deleting a directory under the copy fails the copy
		# (ENOENT is not one of the "entry in the way" errors): the
		# tenant's own loss, but it must say so and touch nothing else.
		printf '%s\n' "$out" | grep -q 'copying the home skeleton' ||
			bad_rc+="$rc:$(printf '%s' "$out" | head -3 | tr '\n' ' ') "
		;;
	*)
		bad_rc+="$rc:$(printf '%s' "$out" | head -3 | tr '\n' ' ') "
		;;
	esac
done
touch "$CTL/stop"
wait "$TENANT_PID"
tenant_rc=$?
diag "$builds builds in $((SECONDS - start)) s, $ok_builds clean, $created skeleton entries" \
	"created; tenant: $(cat "$CTL/tenant.out")"

expect_eq "tenant loop ran to the end" 0 "$tenant_rc"
expect_match "tenant swapped, planted and cleared" \
	'^swaps [1-9][0-9]* fifos [1-9][0-9]* links [1-9][0-9]* clears [1-9]' \
	"$(cat "$CTL/tenant.out")"
check "at least 20 builds ran" test "$builds" -ge 20
check "most builds completed" test "$ok_builds" -ge $((builds / 2))
check "the skeleton copy had work to do" test "$created" -ge "$builds"
expect_eq "no build crashed, hung or failed for another reason" "" "$bad_rc"

# Everything outside the attacker's home: the canary, the copy target, the
# victim's home (the prefix case), the configuration, the homes directory.
expect_eq "nothing outside the home created, chowned or written" "$outside_before" \
	"$(snapshot "$T_DIR" -- "$H" "$STATE" "$CTL")"
expect_eq "canary secret intact" "canary secret" "$(cat "$CANARY/secret")"
expect_eq "/etc top level: same entries, owners, modes" "$etc_before" "$(etc_list)"
expect_eq "/etc: no skeleton-named entry appeared or changed" "$etc_skel_before" \
	"$(find /etc -xdev \( "${SKEL_NAMES[@]}" \) -printf '%p %U %G %m %i\n' | LC_ALL=C sort)"
expect_eq "/etc: nothing owned by the tenant" "" \
	"$(find /etc -xdev \( -uid "$UID_A" -o -gid "$GID_A" \) -print)"
expect_eq "/etc: nothing written since the race began" "" \
	"$(find /etc -xdev -newer "$STAMP" \( "${SKEL_NAMES[@]}" \) -print)"
expect_eq "the state dir holds nothing of the tenant's" "" \
	"$(find "$STATE" \( -uid "$UID_A" -o -gid "$GID_A" \) -print)"
expect_eq "the jail tree holds no skeleton file" "" \
	"$(find "$STATE/jails/ra/root" \( -name startup.pl -o -name index.html -o -name .keep \) \
		-print)"

# Inside the home root made nothing: every root-owned entry is one of the
# hard links planted before the race.
stray=""
while read -r ino p; do
	case " $hl_inodes " in *" $ino "*) ;; *) stray+="$p " ;; esac
done < <(find "$H" -mindepth 1 ! -uid "$UID_A" -printf '%i %p\n')
expect_eq "root created nothing in the home" "" "$stray"
expect_eq "the home itself is still the tenant's, 0750" "$UID_A:$GID_A:750" \
	"$(stat -c %u:%g:%a "$H")"

# And a build after the race still succeeds and fills the home.
find "$H" -mindepth 1 -maxdepth 1 ! -name '.hl-*' -exec rm -rf {} +
out=$(mpj build ra 2>&1); rc=$?
expect_eq "a build after the race succeeds" 0 "$rc"
check "and copies the skeleton" test -f "$H/perl/Mpjail/Hello.pm"

done_testing
