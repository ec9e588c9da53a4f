#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# init (pid 1) of a User-mode Linux kernel booted by an integration test
# whose host kernel lacks a feature (quota.sh: filesystem quotas).  The root
# is the host's own filesystem (hostfs), so the built tree, the accounts and
# /tmp are the host's; /dev, /proc, /sys, /run and the cgroup tree are the
# UML kernel's own.  Runs MPJAIL_UML_TEST with its TAP output to
# MPJAIL_UML_OUT, then powers the UML kernel off.  The kernel command line
# passes the environment (values without blanks).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs run /run
mount -t cgroup2 cgroup2 /sys/fs/cgroup
# Debian's UML kernel has loop and the ext4 quota format as modules; no
# kmod on the host, so finit_module(2) directly.
mods=/usr/lib/uml/modules/$(uname -r)/kernel
for m in drivers/block/loop.ko fs/quota/quota_tree.ko fs/quota/quota_v2.ko; do
	[ -e "$mods/$m" ] || continue
	/usr/bin/python3 -c 'import ctypes, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_CLOEXEC)
if ctypes.CDLL(None, use_errno=True).syscall(313, fd, b"", 0) < 0 and ctypes.get_errno() != 17:
    sys.exit("finit_module %s: %s" % (sys.argv[1], os.strerror(ctypes.get_errno())))' "$mods/$m"
done
{
	echo "# UML kernel $(uname -r)"
	cd "$MPJAIL_SRC" && bash "$MPJAIL_UML_TEST"
	echo "# uml-rc=$?"
} >"$MPJAIL_UML_OUT" 2>&1
sync
poweroff -f
