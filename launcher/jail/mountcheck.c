/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "jail/mountcheck.h"

#include <libmount/libmount.h>
#include <sys/mount.h>

#include "base/util.h"

static const struct {
	unsigned long flag;
	const char *name;
} flag_names[] = {
	{ MS_RDONLY, "ro" },
	{ MS_NOSUID, "nosuid" },
	{ MS_NODEV, "nodev" },
	{ MS_NOEXEC, "noexec" },
};

static void describe_missing(unsigned long missing, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(flag_names); i++)
		if (missing & flag_names[i].flag)
			len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%s",
						len ? "," : "", flag_names[i].name);
}

/* The planned op that governs a mounted target: the exact target, else the
 * nearest recursive bind above it (its submounts inherit its flags). */
static const struct mount_op *find_op(const char *target, const struct mount_op *ops, size_t n,
				      const struct mount_op *root)
{
	const struct mount_op *best = NULL;
	size_t best_len = 0;

	if (strcmp(target, "/") == 0)
		return root;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(ops[i].target);

		if (!mount_kind_is_mount(ops[i].kind) || ops[i].optional_missing)
			continue;
		if (strcmp(target, ops[i].target) == 0)
			return &ops[i];
		if (mount_kind_recursive(ops[i].kind) && strncmp(target, ops[i].target, len) == 0 &&
		    target[len] == '/' && len > best_len) {
			best = &ops[i];
			best_len = len;
		}
	}
	return best;
}

int mountcheck_verify(const char *mountinfo, const struct mount_op *ops, size_t n, char *detail,
		      size_t dn)
{
	const struct libmnt_optmap *map = mnt_get_builtin_optmap(MNT_LINUX_MAP);
	struct mount_op root = { .kind = MK_ROOT, .target = "/" };
	struct libmnt_table *tb = mnt_new_table_from_file(mountinfo);
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	_cleanup_free_ bool *seen = xcalloc(n + 1, sizeof(bool));
	int r = 0;

	if (!tb || !it) {
		(void)snprintf(detail, dn, "%s: cannot parse", mountinfo);
		r = -EBADMSG;
		goto out;
	}
	while (mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *target = mnt_fs_get_target(fs);
		const char *vfs = mnt_fs_get_vfs_options(fs);
		const struct mount_op *op;
		unsigned long flags = 0, prop = 0, need;
		char missing[64];

		if (!target || !vfs || mnt_optstr_get_flags(vfs, &flags, map) < 0) {
			(void)snprintf(detail, dn, "%s: unreadable entry", mountinfo);
			r = -EBADMSG;
			goto out;
		}
		op = find_op(target, ops, n, &root);
		if (!op) {
			(void)snprintf(detail, dn, "unplanned mount `%s` (%s)", target,
				       mnt_fs_get_fstype(fs) ?: "?");
			r = -EPERM;
			goto out;
		}
		if (op == &root)
			seen[n] = true;
		else if (strcmp(op->target, target) == 0)
			seen[op - ops] = true;
		need = mount_kind_required_flags(op->kind, op->noexec);
		if ((flags & need) != need) {
			describe_missing(need & ~flags, missing, sizeof missing);
			(void)snprintf(detail, dn, "mount `%s` lacks %s (has %s)", target, missing,
				       vfs);
			r = -EPERM;
			goto out;
		}
		/* Shared propagation would let host mounts arrive later without
		 * the jail's flags, and jail mounts leak out (docs/threats.md T10). */
		if (mnt_fs_get_propagation(fs, &prop) == 0 && (prop & (MS_SHARED | MS_SLAVE))) {
			(void)snprintf(detail, dn, "mount `%s` is %s, not private", target,
				       (prop & MS_SHARED) ? "shared" : "a slave");
			r = -EPERM;
			goto out;
		}
	}
	for (size_t i = 0; i <= n; i++) {
		const struct mount_op *op = i < n ? &ops[i] : &root;

		if (i < n && (!mount_kind_is_mount(op->kind) || op->optional_missing))
			continue;
		if (!seen[i]) {
			(void)snprintf(detail, dn, "planned mount `%s` is missing", op->target);
			r = -ENOENT;
			goto out;
		}
	}
out:
	mnt_free_iter(it);
	mnt_unref_table(tb);
	return r;
}
