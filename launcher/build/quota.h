/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Disk quotas on the tenant's home (docs/limits.md "Disk quotas"): `disk`
 * and `inodes` from [limits] become a filesystem quota, enforced by the
 * kernel on the filesystem that holds the home.
 *
 * - Project quota (ext4 `-O quota,project` mounted with prjquota, XFS with
 *   prjquota) when the filesystem enforces it: the project id is the
 *   tenant's uid, set with FS_IOC_FSSETXATTR and FS_XFLAG_PROJINHERIT on
 *   every directory and regular file of the home the tenant owns, so new
 *   files inherit it.
 * - User quota (usrquota) otherwise, on the tenant's uid.
 * - Neither: a limit that is set cannot be enforced, and build and launch
 *   refuse with a hint saying how to enable quotas.
 *
 * Every function here only reads unless its comment says it writes. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/log.h"
#include "config/model.h"

enum quota_kind { QUOTA_NONE, QUOTA_PROJECT, QUOTA_USER };

/* The tenant's disk and inode limits (tenant over profile, config/limits.h). */
struct quota_want {
	bool has_disk, has_inodes;
	uint64_t disk;   /* bytes */
	uint64_t inodes; /* files, directories, symlinks... */
};

/* What the filesystem holding a directory offers. */
struct quota_fs {
	dev_t dev;
	char *fstype, *source, *target; /* from /proc/self/mountinfo, for messages */
	unsigned flags;                 /* FS_QUOTA_[UGP]DQ_{ACCT,ENFD}; 0: no quota at all */
	enum quota_kind kind;           /* what mpjail uses there (quota_kind_choose) */
	uint64_t size, files;           /* statfs: bytes and inodes in total */
};

/* One tenant home and its quota. */
struct quota_home {
	struct quota_want want;
	struct quota_fs fs;
	uint32_t id;    /* the tenant's uid: the project id and the user quota id */
	bool probed;    /* fs was read */
	bool projid_ok; /* project kind: the home carries id with PROJINHERIT */
};

/* Usage and limits as the kernel keeps them; a limit of 0 means none. */
struct quota_usage {
	uint64_t space, space_limit;   /* bytes */
	uint64_t inodes, inodes_limit; /* count */
};

void quota_want_compute(const struct mpj_tenant *t, const struct mpj_profile *p,
			struct quota_want *ret);
static inline bool quota_want_any(const struct quota_want *w)
{
	return w->has_disk || w->has_inodes;
}

/* Project quota if enforced, else user quota if enforced, else none.  Pure. */
enum quota_kind quota_kind_choose(unsigned qs_flags);
const char *quota_kind_name(enum quota_kind k); /* "project", "user", "none" */

/* Read the quota state of the filesystem holding fd (any fd on it).
 * 0 or -errno; a filesystem without quotas is 0 with flags 0. */
int quota_fs_probe(int fd, struct quota_fs *ret);
void quota_fs_done(struct quota_fs *fs);
/* How to turn quotas on for this filesystem (a new string). */
char *quota_enable_hint(const struct quota_fs *fs);

/* Usage and limits of id under kind (needs CAP_SYS_ADMIN for project ids). */
int quota_get(int fd, const struct quota_fs *fs, enum quota_kind kind, uint32_t id,
	      struct quota_usage *ret);
/* WRITES: the hard limits of id (unset = none).  0 or -errno. */
int quota_set(int fd, const struct quota_fs *fs, enum quota_kind kind, uint32_t id,
	      const struct quota_want *w);

/* The project id and PROJINHERIT of one open file or directory. */
int quota_projid_get(int fd, uint32_t *ret_id, bool *ret_inherit);

struct quota_tree_report {
	size_t changed, kept, skipped; /* skipped: not the tenant's, or not a file/dir */
};
/* WRITES: give every directory (with PROJINHERIT) and regular file owned by
 * owner below and including the directory dirfd project id `id`, top down.
 * Never follows symlinks, never leaves the filesystem, opens nothing but
 * directories and regular files.  0, or -errno with *ret_failed = the
 * relative path (NULL for the top). */
int quota_project_tree(int dirfd, uint32_t id, uid_t owner, struct quota_tree_report *ret,
		       char **ret_failed);

/* Read-only preparation for build and launch.  dirfd: the home, or when it
 * is missing (is_home false) its parent, on the filesystem it will be made
 * on.  Refuses, with *diag naming the tenant file and the limit's line:
 * -EOPNOTSUPP when a limit is set and the filesystem enforces no quota
 * (the hint says how to enable it); -EEXIST when the home already carries
 * another non-zero project id. */
int quota_home_prepare(const struct mpj_tenant *t, const struct mpj_profile *p, uid_t uid,
		       int dirfd, bool is_home, struct quota_home *ret, struct diag *diag);
void quota_home_done(struct quota_home *q);

/* WRITES (`mpjail build`): with project quota and a limit, the project id on
 * the whole home tree; then the limits, or, when none is set and the home
 * carries the tenant's project id, the project limits lifted (a user quota
 * without a configured limit is left alone: it may be the admin's own).
 * 0 or -errno with *ret_failed as for quota_project_tree. */
int quota_home_apply(struct quota_home *q, int home_fd, struct quota_tree_report *ret,
		     char **ret_failed);

/* WRITES (every launch): the limits again, so a change reaches the next
 * start.  Requires q->projid_ok for project quota (-ESTALE: run build). */
int quota_home_enforce(const struct quota_home *q, int home_fd);

/* "1.5 GiB" etc. into buf. */
const char *quota_fmt_bytes(uint64_t v, char *buf, size_t n);
