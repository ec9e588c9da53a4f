/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Filesystem quotas on the tenant's home: the filesystem's quota state,
 * quotactl for usage and limits, and what build and launch do with them
 * (quota.h; the tree walk is quota_tree.c). */
#define _GNU_SOURCE
#include "build/quota.h"

#include <fcntl.h>
#include <inttypes.h>
#include <linux/dqblk_xfs.h>
#include <stdio.h>
#include <string.h>
#include <sys/quota.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/mountinfo.h"
#include "base/util.h"
#include "config/limits.h"

#ifndef __NR_quotactl_fd
#define __NR_quotactl_fd 443
#endif

void quota_want_compute(const struct mpj_tenant *t, const struct mpj_profile *p,
			struct quota_want *ret)
{
	*ret = (struct quota_want){ 0 };
	ret->has_disk = limits_get(t, p, LIMIT_DISK, &ret->disk);
	ret->has_inodes = limits_get(t, p, LIMIT_INODES, &ret->inodes);
}

enum quota_kind quota_kind_choose(unsigned qs_flags)
{
	/* Project first: it charges the home tree, whoever writes there, and
	 * nothing the same uid writes elsewhere on the filesystem. */
	if (qs_flags & FS_QUOTA_PDQ_ENFD)
		return QUOTA_PROJECT;
	if (qs_flags & FS_QUOTA_UDQ_ENFD)
		return QUOTA_USER;
	return QUOTA_NONE;
}

const char *quota_kind_name(enum quota_kind k)
{
	switch (k) {
	case QUOTA_PROJECT:
		return "project";
	case QUOTA_USER:
		return "user";
	case QUOTA_NONE:
	default:
		return "none";
	}
}

static int qtype(enum quota_kind k) { return k == QUOTA_PROJECT ? PRJQUOTA : USRQUOTA; }

/* quotactl_fd (Linux 5.14) names the filesystem by any fd on it; before it
 * quotactl needs the block device, taken from mountinfo and checked against
 * st_dev.  FIXME: drop the device fallback once 5.14 is the baseline. */
static int qctl(int fd, const struct quota_fs *fs, int cmd, uint32_t id, void *addr)
{
	static int have_fd_call = -1;
	struct stat st;
	long r;

	if (have_fd_call < 0)
		have_fd_call =
			!(syscall(__NR_quotactl_fd, -1, QCMD(Q_SYNC, USRQUOTA), 0, NULL) < 0 &&
			  errno == ENOSYS);
	if (have_fd_call)
		r = syscall(__NR_quotactl_fd, fd, cmd, id, addr);
	else {
		if (!fs->source || stat(fs->source, &st) < 0 || !S_ISBLK(st.st_mode) ||
		    st.st_rdev != fs->dev)
			return -ENODEV;
		r = quotactl(cmd, fs->source, (int)id, addr);
	}
	return r < 0 ? negerrno() : 0;
}

/* The first mount of filesystem dev in our mount table: its type and mount
 * point for messages, its source for the quotactl of kernels before 5.14. */
static void find_mount(dev_t dev, struct quota_fs *ret)
{
	_cleanup_free_ char *text = NULL;
	struct mountinfo_entry fs;
	char *cursor;

	if (mountinfo_read("/proc/self/mountinfo", &text) < 0)
		return;
	cursor = text;
	while (mountinfo_next(&cursor, &fs) > 0)
		if (fs.dev == dev) {
			ret->fstype = xstrdup(fs.fstype);
			ret->source = xstrdup(fs.source[0] ? fs.source : "?");
			ret->target = xstrdup(fs.target);
			return;
		}
}

int quota_fs_probe(int fd, struct quota_fs *ret)
{
	struct fs_quota_stat qs = { 0 };
	struct statfs sf;
	struct stat st;
	int r;

	*ret = (struct quota_fs){ 0 };
	if (fstat(fd, &st) < 0 || fstatfs(fd, &sf) < 0)
		return negerrno();
	ret->dev = st.st_dev;
	ret->size = (uint64_t)sf.f_blocks * (uint64_t)sf.f_frsize;
	ret->files = (uint64_t)sf.f_files;
	find_mount(st.st_dev, ret);
	/* ext4 and XFS report a PROJINHERIT directory's project limits as
	 * its size when project quotas are enforced: the filesystem's own
	 * size comes from its mount point (no PROJINHERIT there, normally). */
	if (ret->target) {
		struct statfs root_sf;
		struct stat root_st;

		if (statfs(ret->target, &root_sf) == 0 && stat(ret->target, &root_st) == 0 &&
		    root_st.st_dev == st.st_dev) {
			ret->size = (uint64_t)root_sf.f_blocks * (uint64_t)root_sf.f_frsize;
			ret->files = (uint64_t)root_sf.f_files;
		}
	}
	if (!ret->fstype) {
		ret->fstype = xstrdup("?");
		ret->source = xstrdup("?");
		ret->target = xstrdup("?");
	}
	/* Q_XGETQSTAT works for ext4 and XFS alike; ENOSYS means no quota of
	 * any type is on (or the filesystem has none), ENODEV no block device
	 * for the pre-5.14 call: both are "no quota" here. */
	r = qctl(fd, ret, QCMD(Q_XGETQSTAT, USRQUOTA), 0, &qs);
	if (r < 0 && r != -ENOSYS && r != -ENODEV && r != -ESRCH && r != -EOPNOTSUPP &&
	    r != -ENOTTY)
		return r;
	ret->flags = r < 0 ? 0 : qs.qs_flags;
	ret->kind = quota_kind_choose(ret->flags);
	return 0;
}

void quota_fs_done(struct quota_fs *fs)
{
	free(fs->fstype);
	free(fs->source);
	free(fs->target);
	*fs = (struct quota_fs){ 0 };
}

char *quota_enable_hint(const struct quota_fs *fs)
{
	const char *acct = fs->flags & (FS_QUOTA_PDQ_ACCT | FS_QUOTA_UDQ_ACCT)
				   ? "quota accounting is on but no limits are enforced; "
				   : "";

	if (strcmp(fs->fstype, "ext4") == 0)
		return xasprintf(
			"%sfor ext4: `tune2fs -O quota,project %s` on the unmounted filesystem "
			"(project needs 256-byte inodes, as mkfs.ext4 makes by default), then "
			"mount it with `-o prjquota` (fstab option prjquota); or user quotas: "
			"`tune2fs -O quota` and `-o usrquota`. The kernel needs CONFIG_QUOTA and "
			"CONFIG_QFMT_V2 (docs/admin.md \"Disk quotas\")",
			acct, fs->source);
	if (strcmp(fs->fstype, "xfs") == 0)
		return xasprintf("%sfor XFS: mount `%s` with `-o prjquota` (or `-o uquota`); "
				 "XFS turns quotas on only at mount time (for the root filesystem: "
				 "`rootflags=prjquota` on the kernel command line). The kernel needs "
				 "CONFIG_XFS_QUOTA (docs/admin.md \"Disk quotas\")",
				 acct, fs->source);
	return xasprintf("%s`%s` offers no project or user quota mpjail can use: put the homes on "
			 "ext4 or XFS with quotas enabled (docs/admin.md \"Disk quotas\")",
			 acct, fs->fstype);
}

int quota_get(int fd, const struct quota_fs *fs, enum quota_kind kind, uint32_t id,
	      struct quota_usage *ret)
{
	struct if_dqblk d = { 0 };
	int r;

	if (kind == QUOTA_NONE)
		return -EOPNOTSUPP;
	r = qctl(fd, fs, QCMD(Q_GETQUOTA, qtype(kind)), id, &d);
	if (r < 0)
		return r;
	*ret = (struct quota_usage){
		.space = d.dqb_curspace,
		.space_limit = d.dqb_bhardlimit * QIF_DQBLKSIZE,
		.inodes = d.dqb_curinodes,
		.inodes_limit = d.dqb_ihardlimit,
	};
	return 0;
}

int quota_set(int fd, const struct quota_fs *fs, enum quota_kind kind, uint32_t id,
	      const struct quota_want *w)
{
	/* Hard limits only: a soft limit with a grace period would let a
	 * tenant run over for a week.  Q_SETQUOTA is the generic call; XFS
	 * implements it too (the same set_dqblk as Q_XSETQLIM). */
	struct if_dqblk d = {
		.dqb_bhardlimit = w->has_disk ? (w->disk + QIF_DQBLKSIZE - 1) / QIF_DQBLKSIZE : 0,
		.dqb_ihardlimit = w->has_inodes ? w->inodes : 0,
		.dqb_valid = QIF_LIMITS,
	};

	if (kind == QUOTA_NONE)
		return -EOPNOTSUPP;
	return qctl(fd, fs, QCMD(Q_SETQUOTA, qtype(kind)), id, &d);
}

/* The limit's own FILE:LINE, for messages about it. */
static void limit_where(const struct mpj_tenant *t, const struct mpj_profile *p,
			enum mpj_limit_key k, const char **ret_file, unsigned *ret_line)
{
	if (t->limits.set[k]) {
		*ret_file = t->file;
		*ret_line = t->limits.line[k];
	} else {
		*ret_file = p ? p->file : t->file;
		*ret_line = p ? p->limits.line[k] : 0;
	}
}

int quota_home_prepare(const struct mpj_tenant *t, const struct mpj_profile *p, uid_t uid,
		       int dirfd, bool is_home, struct quota_home *ret, struct diag *diag)
{
	_cleanup_close_ int fd = -1;
	enum mpj_limit_key k;
	const char *file;
	unsigned line;
	int r;

	*ret = (struct quota_home){ .id = (uint32_t)uid };
	quota_want_compute(t, p, &ret->want);
	/* A real fd (dirfd may be O_PATH): the ioctl and quotactl_fd need one. */
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = fd < 0 ? negerrno() : quota_fs_probe(fd, &ret->fs);
	if (r < 0) {
		diag_set(diag, t->file, t->home_line,
			 "tenant home `%s`: reading its quota state: %s", t->home, strerror(-r));
		return r;
	}
	ret->probed = true;
	k = ret->want.has_disk ? LIMIT_DISK : LIMIT_INODES;
	if (quota_want_any(&ret->want) && ret->fs.kind == QUOTA_NONE) {
		_cleanup_free_ char *hint = quota_enable_hint(&ret->fs);

		limit_where(t, p, k, &file, &line);
		diag_set(diag, file, line,
			 "`%s = %" PRIu64
			 "` cannot be enforced: home `%s` is on %s `%s` (mounted at "
			 "`%s`), which enforces neither project nor user quotas. Hint: %s",
			 mpj_limit_table[k].key,
			 k == LIMIT_DISK ? ret->want.disk : ret->want.inodes, t->home,
			 ret->fs.fstype, ret->fs.source, ret->fs.target, hint);
		return -EOPNOTSUPP;
	}
	if (ret->fs.kind == QUOTA_PROJECT && is_home) {
		uint32_t have = 0;
		bool inherit = false;

		r = quota_projid_get(fd, &have, &inherit);
		if (r < 0) {
			diag_set(diag, t->file, t->home_line,
				 "tenant home `%s`: reading its project id: %s", t->home,
				 strerror(-r));
			return r;
		}
		/* A different id was set by something else (another tool's
		 * quota, a copied tree): taking it over could move another
		 * quota's files, so the admin decides. */
		if (have != 0 && have != ret->id) {
			diag_set(diag, t->file, t->home_line,
				 "tenant home `%s` carries project id %u, not the tenant's uid %u: "
				 "set by something else? If it is stale, clear it with "
				 "`chattr -R -p 0 %s` and build again",
				 t->home, have, ret->id, t->home);
			return -EEXIST;
		}
		ret->projid_ok = have == ret->id && inherit;
	}
	return 0;
}

void quota_home_done(struct quota_home *q)
{
	quota_fs_done(&q->fs);
	*q = (struct quota_home){ 0 };
}

int quota_home_apply(struct quota_home *q, int home_fd, struct quota_tree_report *ret,
		     char **ret_failed)
{
	_cleanup_close_ int fd = -1;
	uint32_t have = 0;
	bool inherit = false;
	int r;

	*ret = (struct quota_tree_report){ 0 };
	*ret_failed = NULL;
	if (!q->probed || q->fs.kind == QUOTA_NONE)
		return 0;
	fd = openat(home_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return negerrno();
	if (q->fs.kind == QUOTA_USER)
		return quota_want_any(&q->want) ? quota_set(fd, &q->fs, QUOTA_USER, q->id, &q->want)
						: 0;
	if (!quota_want_any(&q->want)) {
		/* Lift a limit that left the configuration, but only on a
		 * home that carries the tenant's id: that id is ours. */
		r = quota_projid_get(fd, &have, &inherit);
		if (r < 0 || have != q->id)
			return r < 0 ? r : 0;
		return quota_set(fd, &q->fs, QUOTA_PROJECT, q->id, &q->want);
	}
	/* Limits first, so that what the walk reveals is charged to a
	 * project that is already bounded. */
	r = quota_set(fd, &q->fs, QUOTA_PROJECT, q->id, &q->want);
	if (r < 0)
		return r;
	r = quota_project_tree(fd, q->id, q->id, ret, ret_failed);
	if (r < 0)
		return r;
	q->projid_ok = true;
	return 0;
}

int quota_home_enforce(const struct quota_home *q, int home_fd)
{
	_cleanup_close_ int fd = -1;

	if (!q->probed || !quota_want_any(&q->want))
		return 0;
	if (q->fs.kind == QUOTA_NONE)
		return -EOPNOTSUPP;
	if (q->fs.kind == QUOTA_PROJECT && !q->projid_ok)
		return -ESTALE;
	fd = openat(home_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return negerrno();
	return quota_set(fd, &q->fs, q->fs.kind, q->id, &q->want);
}

const char *quota_fmt_bytes(uint64_t v, char *buf, size_t n)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double d = (double)v;
	size_t u = 0;

	while (d >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		d /= 1024;
		u++;
	}
	if (u == 0)
		(void)snprintf(buf, n, "%" PRIu64 " B", v);
	else
		(void)snprintf(buf, n, "%.1f %s", d, units[u]);
	return buf;
}
