/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A reader of /proc/PID/mountinfo (proc(5), docs/mountinfo.md).  mpjail's
 * own, not libmount's: loading libmount (and the libblkid, libselinux and
 * libpcre2 it pulls in) cost every mpjail start about 1.3 ms, a launch
 * included (docs/design.md, "mountinfo without libmount").  The unit test
 * checks it against libmount on real and crafted tables. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* One line, parsed in place: the strings point into the caller's buffer,
 * unescaped (\040 is a blank again). */
struct mountinfo_entry {
	unsigned id, parent;
	dev_t dev;                 /* makedev(major, minor) of field 3 */
	const char *root;          /* the path inside the filesystem mounted here */
	const char *target;        /* the mount point */
	const char *options;       /* per-mount options ("ro,nosuid,...") */
	const char *fstype;        /* "ext4", "fuse.sshfs" */
	const char *source;        /* may be "" */
	const char *super_options; /* the filesystem's own options */
	unsigned long flags;       /* MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, atime flags */
	unsigned long propagation; /* MS_SHARED and/or MS_SLAVE, MS_UNBINDABLE; else MS_PRIVATE */
};

/* Parse the line starting at *cursor (NUL- or newline-terminated; the
 * newline is overwritten) and move *cursor past it.  1 and *e filled, 0 at
 * the end of the text, -EBADMSG for a line that is not a mountinfo line
 * (callers fail closed: nothing is skipped). */
int mountinfo_next(char **cursor, struct mountinfo_entry *e);

/* The option names of `flags` (the MS_* flags mountinfo_next() reads), in
 * mountinfo's order and comma-separated ("nosuid,nodev"), into buf (always
 * terminated, cut at n).  For messages that name what a mount lacks. */
void mountinfo_flag_names(unsigned long flags, char *buf, size_t n);

/* Read a mountinfo file whole (at most 16 MiB: a busy host's).  0 or -errno;
 * *ret is freed by the caller. */
int mountinfo_read(const char *path, char **ret);
