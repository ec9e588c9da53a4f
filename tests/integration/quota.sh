#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Disk quotas per tenant (docs/limits.md "Disk quotas", docs/threats.md T33,
# T43) on real filesystems in loop-mounted images:
#  1. a limit on a filesystem without quotas: build and exec refuse (exit
#     100) with a hint, nothing is built;
#  2. inside the jail the tenant cannot change its project id or clear
#     PROJINHERIT (FS_IOC_FSSETXATTR, FS_IOC_SETFLAGS, file_setattr), which
#     the same uid outside the jail can: the filter is what refuses;
#  3. on ext4 (-O quota,project, prjquota) and XFS (prjquota): build gives
#     the home the project, tenant A hits EDQUOT (XFS: ENOSPC) at its byte
#     and inode limits
#     from inside its jail while B still writes, links and renames out of
#     the project give EXDEV, check reports the usage.
# Part 3 needs a kernel with CONFIG_QUOTA + CONFIG_QFMT_V2 (ext4) or
# CONFIG_XFS_QUOTA.  Where the host kernel has neither, it runs inside a
# User-mode Linux kernel (package user-mode-linux, root on the host's own
# filesystem, tests/integration/uml-init.sh); without that it skips, and
# fails under MPJAIL_NO_SKIP=1.
. "$(dirname "$0")/lib.sh"
shopt -s extglob
require_root
require_cmd useradd mkfs.ext4 losetup mount umount chattr lsattr setpriv
[ -x /usr/bin/python3 ] || skip_all "needs /usr/bin/python3 (in the jail too)"

mpj_env
SUF=$(($$ % 100000))
# The default profile with a private network: nothing here needs the host's,
# and it runs on kernels without Landlock network rules too.
# Its command waits, so that `mpjail run` has a jail to report on.
sed -e 's/^network [a-z]*$/network private/' -e 's|^command /bin/sh$|command /bin/sleep 600|' \
	"$MPJAIL_SRC/profiles/default.profile" >"$CONF/profiles/quota.profile"
grep -q '^network private$' "$CONF/profiles/quota.profile" &&
	grep -q '^command /bin/sleep 600$' "$CONF/profiles/quota.profile" ||
	skip_all "profiles/default.profile changed: adapt quota.sh"
chmod 0644 "$CONF/profiles/quota.profile"
PORT=$PORT_BASE
quiet() { "$@" >/dev/null 2>&1; }

# part_skip REASON: this part cannot run here; a failure under MPJAIL_NO_SKIP.
part_skip() {
	if [ "${MPJAIL_NO_SKIP:-0}" = 1 ]; then
		not_ok "cannot run: $* (MPJAIL_NO_SKIP=1 forbids skipping)"
	else
		T_NUM=$((T_NUM + 1))
		echo "ok $T_NUM # SKIP $*"
	fi
}

# mkimg NAME SIZE_MB MOUNTOPTS MKFS...: an image file, a loop device and a
# mount at $T_DIR/NAME; MNT is set.  Fails (and cleans up) when the kernel
# refuses the mount.
mkimg() {
	local name=$1 size=$2 opts=$3 dev
	shift 3
	truncate -s "${size}M" "$T_DIR/$name.img" || return 1
	"$@" "$T_DIR/$name.img" >"$T_DIR/$name.mkfs" 2>&1 || return 1
	dev=$(losetup -f --show "$T_DIR/$name.img") || return 1
	mkdir -p "$T_DIR/$name"
	if ! mount ${opts:+-o "$opts"} "$dev" "$T_DIR/$name" 2>"$T_DIR/$name.mount"; then
		losetup -d "$dev"
		return 1
	fi
	chmod 0755 "$T_DIR/$name"
	T_CLEANUP+=("umount '$T_DIR/$name'; losetup -d '$dev' 2>/dev/null; rm -f '$T_DIR/$name.img'")
	MNT=$T_DIR/$name
}

# The in-jail attack: change the project id of FILE to ID, clear PROJINHERIT
# on DIR; one word per attempt, the errno name or OK.
cat >"$T_DIR/projattack.py" <<'EOF'
import ctypes, errno, fcntl, os, struct, sys
FS_IOC_GETFLAGS, FS_IOC_SETFLAGS = 0x80086601, 0x40086602
FS_IOC_FSGETXATTR, FS_IOC_FSSETXATTR = 0x801C581F, 0x401C5820
PROJINHERIT_FL = 0x20000000
path, d, newid = sys.argv[1], sys.argv[2], int(sys.argv[3])
def res(name, fn):
    try:
        fn()
        return name + "=OK"
    except OSError as e:
        return name + "=" + errno.errorcode.get(e.errno, str(e.errno))
def fssetxattr():
    fd = os.open(path, os.O_RDONLY)
    buf = bytearray(fcntl.ioctl(fd, FS_IOC_FSGETXATTR, bytes(28)))
    struct.pack_into("I", buf, 12, newid)  # fsx_projid
    fcntl.ioctl(fd, FS_IOC_FSSETXATTR, bytes(buf))
def setflags():
    fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    fl = struct.unpack("l", fcntl.ioctl(fd, FS_IOC_GETFLAGS, bytes(8)))[0]
    fcntl.ioctl(fd, FS_IOC_SETFLAGS, struct.pack("l", fl & ~PROJINHERIT_FL))
def file_setattr():  # Linux 6.17, syscall 469 on x86_64 and aarch64
    libc = ctypes.CDLL(None, use_errno=True)
    buf = ctypes.create_string_buffer(struct.pack("QIIII", 0, 0, 0, newid, 0))
    if libc.syscall(469, -100, path.encode(), buf, 24, 0) < 0:
        raise OSError(ctypes.get_errno(), "file_setattr")
print(res("fssetxattr", fssetxattr), res("setflags", setflags),
      res("file_setattr", file_setattr))
EOF
# Writers for part 3: bytes until the first error, files until the first error.
cat >"$T_DIR/fill.py" <<'EOF'
import errno, os, sys
what, d, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
done, err = 0, "none"
try:
    if what == "bytes":
        with open(os.path.join(d, "big"), "wb", buffering=0) as f:
            while done < n:
                f.write(b"\0" * 65536)
                f.flush()
                os.fsync(f.fileno())
                done += 65536
    else:
        os.makedirs(os.path.join(d, "many"), exist_ok=True)
        while done < n:
            open(os.path.join(d, "many", str(done)), "w").close()
            done += 1
except OSError as e:
    err = errno.errorcode.get(e.errno, str(e.errno))
print("done=%d err=%s" % (done, err))
EOF
# ren.py SRC DST: link and rename SRC to DST, the errno name or OK each.
cat >"$T_DIR/ren.py" <<'EOF'
import errno, os, sys
out = []
for fn in (os.link, os.rename):
    try:
        fn(sys.argv[1], sys.argv[2])
        out.append(fn.__name__ + "=OK")
    except OSError as e:
        out.append(fn.__name__ + "=" + errno.errorcode.get(e.errno, str(e.errno)))
print(" ".join(out))
EOF

as_tenant() { # as_tenant USER CMD...: the tenant's uid outside any jail
	local u=$1
	shift
	setpriv --reuid="$(id -u "$u")" --regid="$(id -g "$u")" --clear-groups "$@"
}

# QUOTA_PART=3: only part 3 (inside the UML kernel, see the end).
if [ "${QUOTA_PART:-all}" = all ]; then
# --- 1. fail closed without quota support --------------------------------
if mkimg plain 64 "" mkfs.ext4 -q -F; then
	HOMES=$MNT
	C=qc$SUF
	mpj_tenant "$C" "$PORT" quota $'[limits]'
	check "build tenant C without disk limits on ext4 without quotas" quiet mpj build "$C"
	echo "disk = 8M" >>"$CONF/tenants/$C.conf"
	before=$(stat -c %Y "$STATE/jails/$C")
	out=$(mpj build "$C" 2>&1)
	rc=$?
	expect_eq "build with disk = 8M on ext4 without quotas: exit 100" 100 "$rc"
	expect_match "... names the tenant file, line and value" \
		"tenants/$C.conf:[0-9]+: .disk = 8388608. cannot be enforced" "$out"
	expect_match "... hints how to enable quotas" "tune2fs -O quota,project" "$out"
	expect_match "... and changes nothing" "nothing was changed" "$out"
	expect_eq "... the jail tree is the old one" "$before" "$(stat -c %Y "$STATE/jails/$C")"
	out=$(mpj exec "$C" -- /bin/true 2>&1)
	expect_eq "exec of that tenant: exit 100" 100 "$?"
	expect_match "... with the same message" "cannot be enforced.*prjquota" "$out"
	sed -i 's/^disk = 8M$/inodes = 1000/' "$CONF/tenants/$C.conf"
	out=$(mpj build "$C" 2>&1)
	expect_eq "inodes = 1000 alone is refused too" 100 "$?"
	rm -f "$CONF/tenants/$C.conf"
else
	not_ok "cannot make a plain ext4 image: $(cat "$T_DIR/plain.mkfs" "$T_DIR/plain.mount" 2>/dev/null | tr "\n" " ")"
fi

# --- 2. the project id cannot be changed from inside the jail ------------
# A filesystem with project ids: ext4 -O project needs the kernel's quota
# support even to mount; XFS always has them.
PROJ_MNT=
if mkimg proj4 64 "" mkfs.ext4 -q -F -O project; then
	PROJ_MNT=$MNT
elif command -v mkfs.xfs >/dev/null && mkimg projx 320 "" mkfs.xfs -q -f; then
	PROJ_MNT=$MNT
fi
if [ -n "$PROJ_MNT" ]; then
	HOMES=$PROJ_MNT
	D=qd$SUF
	mpj_tenant "$D" "$((PORT + 1))" quota
	eval "UD=\$USER_$D"
	HD=$PROJ_MNT/$D
	install -o "$UD" -g "$UD" -m 0644 "$T_DIR/projattack.py" "$HD/projattack.py"
	install -d -o "$UD" -g "$UD" "$HD/d"
	install -o "$UD" -g "$UD" -m 0644 /dev/null "$HD/d/f"
	install -o "$UD" -g "$UD" -m 0644 /dev/null "$HD/d/ctl"
	uid=$(id -u "$UD")
	# As build would leave it (no quota enforced here, so build does not).
	chattr -R -p "$uid" "$HD/d" && chattr +P "$HD/d"
	check "build tenant D (no limits)" quiet mpj build "$D"
	out=$(as_tenant "$UD" /usr/bin/python3 "$HD/projattack.py" "$HD/d/ctl" "$HD/d" 4242)
	expect_match "control: the tenant's uid outside the jail changes a project id" \
		"fssetxattr=OK setflags=OK" "$out"
	chattr +P "$HD/d"
	out=$(mpj exec "$D" -- /usr/bin/python3 "/home/$UD/projattack.py" "/home/$UD/d/f" \
		"/home/$UD/d" 4242 2>&1)
	expect_match "in the jail: FS_IOC_FSSETXATTR (chattr -p) is refused" "fssetxattr=EPERM" "$out"
	expect_match "in the jail: FS_IOC_SETFLAGS (chattr -P) is refused" "setflags=EPERM" "$out"
	expect_match "in the jail: file_setattr is refused" "file_setattr=EPERM" "$out"
	expect_match "the file keeps its project id" "^ *$uid " "$(lsattr -p "$HD/d/f")"
	expect_match "the directory keeps PROJINHERIT" "P" "$(lsattr -pd "$HD/d" | awk '{print $2}')"
	out=$(mpj exec "$D" -- /usr/bin/chattr -p 0 "/home/$UD/d/f" 2>&1)
	expect_match "chattr -p 0 in the jail: Operation not permitted" "Operation not permitted" "$out"
else
	part_skip "no filesystem with project ids mounts here (ext4 -O project needs CONFIG_QFMT_V2; no mkfs.xfs)"
fi

fi # parts 1 and 2

# --- 3. enforcement: EDQUOT for A, B unaffected, no way out ---------------
# quota_fs NAME PORT SIZE_MB MOUNTOPTS MKFS...
quota_fs() {
	local name=$1 port=$2 size=$3 opts=$4 A B UA UB HA HB out uid full=EDQUOT
	shift 4
	# XFS reports a full project quota as ENOSPC (as if the tree were a
	# full filesystem); ext4 and user quotas say EDQUOT.
	[ "$1" = mkfs.xfs ] && full=ENOSPC
	if ! mkimg "$name" "$size" "$opts" "$@"; then
		part_skip "$name: the kernel does not mount it with $opts ($(dmesg 2>/dev/null | tail -1 | tr -d '\n')); needs CONFIG_QUOTA and CONFIG_QFMT_V2 (ext4) or CONFIG_XFS_QUOTA"
		return
	fi
	HOMES=$MNT
	A=qa$name$SUF
	B=qb$name$SUF
	mpj_tenant "$A" "$port" quota $'[limits]\ndisk = 4M\ninodes = 64'
	mpj_tenant "$B" "$((port + 1))" quota $'[limits]\ndisk = 8M'
	eval "UA=\$USER_$A"
	eval "UB=\$USER_$B"
	HA=$MNT/$A
	HB=$MNT/$B
	install -o "$UA" -g "$UA" -m 0644 "$T_DIR/fill.py" "$HA/fill.py"
	install -o "$UB" -g "$UB" -m 0644 "$T_DIR/fill.py" "$HB/fill.py"
	out=$(mpj build "$A" "$B" 2>&1)
	expect_eq "$name: build A and B" 0 "$?"
	expect_match "$name: build reports A's project quota" "$A: project quota, id $(id -u "$UA")" "$out"
	uid=$(id -u "$UA")
	expect_match "$name: A's home carries project $uid" "^ *$uid " "$(lsattr -pd "$HA")"
	expect_match "$name: ... and the fill script in it too" "^ *$uid " "$(lsattr -p "$HA/fill.py")"

	out=$(mpj exec "$A" -- /usr/bin/python3 "/home/$UA/fill.py" bytes "/home/$UA" 33554432 2>&1)
	expect_match "$name: A writing 32 MiB stops with $full" "err=$full" "$out"
	done_b=$(printf '%s\n' "$out" | sed -n 's/.*done=\([0-9]*\).*/\1/p')
	check "$name: ... at most 4 MiB written (${done_b:-?} bytes)" test "${done_b:-99999999}" -le 4194304
	out=$(mpj exec "$B" -- /usr/bin/python3 "/home/$UB/fill.py" bytes "/home/$UB" 2097152 2>&1)
	expect_match "$name: B still writes 2 MiB" "done=2097152 err=none" "$out"
	rm -f "$HA/big"
	out=$(mpj exec "$A" -- /usr/bin/python3 "/home/$UA/fill.py" files "/home/$UA" 1000 2>&1)
	expect_match "$name: A creating 1000 files stops with $full" "err=$full" "$out"
	n=$(printf '%s\n' "$out" | sed -n 's/.*done=\([0-9]*\).*/\1/p')
	check "$name: ... below 64 files (${n:-?})" test "${n:-1000}" -lt 64
	out=$(mpj exec "$B" -- /usr/bin/python3 "/home/$UB/fill.py" files "/home/$UB" 100 2>&1)
	expect_match "$name: B still creates 100 files" "done=100 err=none" "$out"

	rm -rf "$HA/many"
	# Out of the tree: a directory of another project that A may write to.
	mkdir -m 1777 "$MNT/shared"
	chattr -p 7 +P "$MNT/shared"
	install -o "$UA" -g "$UA" -m 0644 /dev/null "$HA/keep"
	out=$(as_tenant "$UA" /usr/bin/python3 "$T_DIR/ren.py" "$HA/keep" "$MNT/shared/keep")
	expect_eq "$name: link and rename out of A's project give EXDEV" \
		"link=EXDEV rename=EXDEV" "$out"
	out=$(mpj exec "$A" -- /usr/bin/chattr -p 0 "/home/$UA/keep" 2>&1)
	expect_match "$name: chattr -p 0 in A's jail: Operation not permitted" \
		"Operation not permitted" "$out"

	out=$(mpj check "$A" 2>&1)
	expect_match "$name: check reports A's usage against its limit" \
		"disk: project quota.*of 4.0 MiB.*inodes [0-9]+ of 64" "$out"
	expect_match "$name: check sums the disk limits against the filesystem's own size" \
		"OK disk: disk limits of 2 tenants on .*$name. .* sum to 12.0 MiB of its [0-9.]+ MiB" "$out"
	out=$(mpj explain "$A" 2>&1)
	expect_match "$name: explain shows the quota" "disk quota: *project quota, id $uid" "$out"
	out=$(mpj explain --json "$A" 2>&1)
	expect_match "$name: explain --json too" "\"quota\":\\{\"kind\":\"project\",\"id\":$uid,.*\"disk\":4194304,\"inodes\":64," "$out"

	# status, from the supervisor of a running jail
	"$MPJAIL" run --config-dir "$CONF" --state-dir "$STATE" --run-dir "$RUN" \
		--data-dir "$MPJAIL_SRC" --no-restart "$A" 2>>"$T_DIR/run-$A.log" &
	local sv=$! i
	T_PIDS+=("$sv")
	for i in $(seq 50); do
		out=$(mpj status "$A" 2>&1)
		[[ $out == *"disk:"* ]] && break
		sleep 0.2
	done
	expect_match "$name: status shows A's disk usage against 4 MiB" "^disk: .* of 4.0 MiB$" "$out"
	expect_match "$name: ... and its inodes against 64" "^inodes: [0-9]+ of 64$" "$out"
	out=$(mpj status --json "$A" 2>&1)
	expect_match "$name: status --json: disk and inodes" \
		"\"disk\":\\{\"current\":[0-9]+,\"max\":4194304\\},\"inodes\":\\{\"current\":[0-9]+,\"max\":64\\}" "$out"
	kill -TERM "$sv"
	wait "$sv"
	local keep=() p
	for p in "${T_PIDS[@]}"; do [ "$p" = "$sv" ] || keep+=("$p"); done
	T_PIDS=("${keep[@]}")
}

part3() {
	quota_fs ext4q "$((PORT + 2))" 128 prjquota mkfs.ext4 -q -F -O quota,project
	if command -v mkfs.xfs >/dev/null; then
		quota_fs xfsq "$((PORT + 4))" 320 prjquota mkfs.xfs -q -f
	else
		part_skip "XFS: mkfs.xfs not installed (xfsprogs)"
	fi
}

# Does this kernel enforce ext4 project quotas at all?
kernel_has_quota() {
	mkimg qprobe 32 prjquota mkfs.ext4 -q -F -O quota,project || return 1
	umount "$MNT"
}

# Part 3 in a User-mode Linux kernel (Debian's user-mode-linux: quota, ext4
# quota format and XFS quota built in) booted on the host's own filesystem,
# for hosts whose kernel has no filesystem quotas (CONFIG_QFMT_V2,
# CONFIG_XFS_QUOTA off): the same script, binaries and checks, one level
# down.  Its TAP lines are reported here prefixed "uml:".
part3_in_uml() {
	local uml=$1 out=$T_DIR/uml.tap line n=0
	timeout 480 "$uml" mem=768M root=/dev/root rootfstype=hostfs rootflags=/ rw \
		init="$MPJAIL_SRC/tests/integration/uml-init.sh" con=null con0=fd:0,fd:1 \
		MPJAIL_UML_OUT="$out" MPJAIL_UML_TEST="$MPJAIL_SRC/tests/integration/quota.sh" \
		QUOTA_PART=3 MPJAIL="$MPJAIL" MPJAIL_PROBE="$MPJAIL_PROBE" \
		MPJAIL_SRC="$MPJAIL_SRC" MPJAIL_NO_SKIP="${MPJAIL_NO_SKIP:-0}" \
		</dev/null >"$T_DIR/uml.console" 2>&1
	if [ ! -s "$out" ]; then
		not_ok "uml: the UML kernel ran nothing (exit $?): $(tail -3 "$T_DIR/uml.console" | tr '\n' ' ')"
		return
	fi
	while IFS= read -r line; do
		case $line in
		"ok "*"# SKIP "*) part_skip "uml: ${line#*# SKIP }" ;;
		"ok "*) n=$((n + 1)); ok "uml: ${line#ok +([0-9]) - }" ;;
		"not ok "*) n=$((n + 1)); not_ok "uml: ${line#not ok +([0-9]) - }" ;;
		"#"*) echo "$line" ;;
		*) diag "uml: $line" ;;
		esac
	done <"$out"
	[ "$n" -gt 0 ] || not_ok "uml: no results: $(tail -3 "$out" | tr '\n' ' ')"
}

if [ "${QUOTA_PART:-all}" = 3 ] || kernel_has_quota; then
	part3
elif [ -x /usr/bin/linux.uml ] && [ -d /usr/lib/uml/modules ]; then
	diag "this kernel has no filesystem quotas: part 3 runs in User-mode Linux"
	part3_in_uml /usr/bin/linux.uml
else
	part3 # skips, or fails under MPJAIL_NO_SKIP=1, with the reason
fi

done_testing
