/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "jail/mountcheck.h"

#include <sys/mount.h>

#include "base/mountinfo.h"
#include "base/util.h"

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
	struct mount_op root = { .kind = MK_ROOT, .target = "/" };
	_cleanup_free_ bool *seen = xcalloc(n + 1, sizeof(bool));
	_cleanup_free_ char *text = NULL;
	struct mountinfo_entry fs;
	char *cursor;
	int r;

	r = mountinfo_read(mountinfo, &text);
	if (r < 0) {
		(void)snprintf(detail, dn, "%s: cannot read", mountinfo);
		return r;
	}
	cursor = text;
	while ((r = mountinfo_next(&cursor, &fs)) > 0) {
		const struct mount_op *op = find_op(fs.target, ops, n, &root);
		unsigned long need;
		char missing[64];

		if (!op) {
			(void)snprintf(detail, dn, "unplanned mount `%s` (%s)", fs.target,
				       fs.fstype);
			return -EPERM;
		}
		if (op == &root)
			seen[n] = true;
		else if (strcmp(op->target, fs.target) == 0)
			seen[op - ops] = true;
		need = mount_kind_required_flags(op->kind, op->noexec);
		if ((fs.flags & need) != need) {
			mountinfo_flag_names(need & ~fs.flags, missing, sizeof missing);
			(void)snprintf(detail, dn, "mount `%s` lacks %s (has %s)", fs.target,
				       missing, fs.options);
			return -EPERM;
		}
		/* Shared propagation would let host mounts arrive later without
		 * the jail's flags, and jail mounts leak out (docs/threats.md T10). */
		if (fs.propagation & (MS_SHARED | MS_SLAVE)) {
			(void)snprintf(detail, dn, "mount `%s` is %s, not private", fs.target,
				       (fs.propagation & MS_SHARED) ? "shared" : "a slave");
			return -EPERM;
		}
	}
	if (r < 0) {
		(void)snprintf(detail, dn, "%s: unreadable entry", mountinfo);
		return r;
	}
	for (size_t i = 0; i <= n; i++) {
		const struct mount_op *op = i < n ? &ops[i] : &root;

		if (i < n && (!mount_kind_is_mount(op->kind) || op->optional_missing))
			continue;
		if (!seen[i]) {
			(void)snprintf(detail, dn, "planned mount `%s` is missing", op->target);
			return -ENOENT;
		}
	}
	return 0;
}
