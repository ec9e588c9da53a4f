#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The recipe of the Debian 12 guest that tests/vm/run boots: a stock
# bookworm with Debian's own kernel and systemd as PID 1, nothing of mpjail
# in it.  tests/vm/run caches the result under a name that is the hash of
# this file, so any change here rebuilds it.
# Usage (root): tests/vm/image.sh OUTDIR
#   writes OUTDIR/root.img (raw ext4, the whole root filesystem),
#   OUTDIR/vmlinuz and OUTDIR/initrd.img, then OUTDIR/ok.
set -euo pipefail

out=${1:?usage: image.sh OUTDIR}
mirror=${MPJAIL_VM_MIRROR:-http://deb.debian.org/debian}
suite=bookworm
size=16G # sparse: apt, the build and the tests grow into it

# What a minimal Debian 12 server has: systemd, udev, dbus (systemctl and
# polkit talk over it), networking, and the kernel.  Everything mpjail needs
# comes later from the README's commands, inside the guest, as on a new host.
pkgs=(
	linux-image-amd64 initramfs-tools systemd-sysv udev dbus kmod
	iproute2 ca-certificates procps less
)

tree=$out/tree
rm -rf "$tree" "$out/ok"
mkdir -p "$out"
trap 'rm -rf "$tree"' EXIT

echo "image: debootstrap $suite from $mirror"
debootstrap --variant=minbase --include="$(
	IFS=,
	echo "${pkgs[*]}"
)" "$suite" "$tree" "$mirror" >"$out/debootstrap.log" 2>&1 || {
	tail -n 30 "$out/debootstrap.log" >&2
	echo "image: error: debootstrap failed (log: $out/debootstrap.log)" >&2
	exit 1
}

echo vmtest >"$tree/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tvmtest\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
	>"$tree/etc/hosts"
echo '/dev/vda / ext4 rw,errors=remount-ro 0 1' >"$tree/etc/fstab"
: >"$tree/etc/machine-id" # systemd makes one at first boot
# QEMU's user network: DHCP from systemd-networkd, its DNS forwarder.
mkdir -p "$tree/etc/systemd/network"
printf '[Match]\nName=en* eth*\n\n[Network]\nDHCP=yes\n' >"$tree/etc/systemd/network/80-vm.network"
echo 'nameserver 10.0.2.3' >"$tree/etc/resolv.conf"
ln -sf /lib/systemd/system/systemd-networkd.service \
	"$tree/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
mkdir -p "$tree/etc/systemd/system/network-online.target.wants"
ln -sf /lib/systemd/system/systemd-networkd-wait-online.service \
	"$tree/etc/systemd/system/network-online.target.wants/systemd-networkd-wait-online.service"
# The serial line carries the test's output: no login prompt on it.
ln -sf /dev/null "$tree/etc/systemd/system/serial-getty@ttyS0.service"

# The only test hook: at boot, if a second disk is there, run the guest
# script found on it (tests/vm/guest.sh of the checkout being tested).
# Delegate=yes: scripts/test creates cgroups below its own, as on a host
# where an admin runs it from a login (user@.service delegates too).
cat >"$tree/usr/local/sbin/vmtest-boot" <<'EOF'
#!/bin/sh
set -e
mkdir -p /mnt/payload
mount -o ro /dev/vdb /mnt/payload
exec /bin/bash /mnt/payload/src/tests/vm/guest.sh
EOF
chmod 0755 "$tree/usr/local/sbin/vmtest-boot"
cat >"$tree/etc/systemd/system/vmtest.service" <<'EOF'
[Unit]
Description=mpjail VM test (tests/vm/guest.sh)
ConditionPathExists=/dev/vdb
Wants=network-online.target
After=network-online.target multi-user.target

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/vmtest-boot
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=infinity
Delegate=yes

[Install]
WantedBy=multi-user.target
EOF
ln -sf /etc/systemd/system/vmtest.service \
	"$tree/etc/systemd/system/multi-user.target.wants/vmtest.service"

kernel=$(find "$tree/boot" -name 'vmlinuz-*' | sort -V | tail -n 1)
initrd=$(find "$tree/boot" -name 'initrd.img-*' | sort -V | tail -n 1)
[ -n "$kernel" ] && [ -n "$initrd" ] || {
	echo "image: error: no kernel or initrd in $tree/boot" >&2
	exit 1
}
cp "$kernel" "$out/vmlinuz"
cp "$initrd" "$out/initrd.img"
echo "image: mke2fs $size"
rm -f "$out/root.img"
mke2fs -q -t ext4 -L vmroot -d "$tree" "$out/root.img" "$size"
touch "$out/ok"
echo "image: done: $out"
