/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `mpjail check` for disk quotas: each tenant's usage against its disk and
 * inode limits, and the limits of all tenants against the filesystems they
 * share (docs/limits.md "Disk quotas"). */
#define _GNU_SOURCE
#include "admin/check.h"

#include <fcntl.h>
#include <inttypes.h>

#include "base/safefs.h"
#include "build/quota.h"

/* Usage at or above this share of a limit is a warning. */
#define QUOTA_WARN_PCT 90

static bool near(uint64_t used, uint64_t limit)
{
	return limit && used >= limit / 100 * QUOTA_WARN_PCT;
}

void check_tenant_quota(struct check_report *r, const char *subject, const struct check_tenant *s)
{
	_cleanup_close_ int home = -1;
	struct quota_home q = { 0 };
	struct quota_usage u = { 0 };
	struct quota_want w;
	struct diag d = { 0 };
	char used[32], lim[32] = "none", ilim[32] = "none";
	int e;

	quota_want_compute(s->t, s->p, &w);
	if (!quota_want_any(&w) || !s->id_ok)
		return;
	home = safefs_open_dir_nofollow(s->t->home);
	if (home < 0)
		return; /* check_home() said why */
	if (quota_home_prepare(s->t, s->p, s->id.uid, home, true, &q, &d) < 0) {
		check_add_diag(r, CHECK_FAIL, subject, &d);
		diag_clear(&d);
		return;
	}
	if (q.fs.kind == QUOTA_PROJECT && !q.projid_ok) {
		check_add(r, CHECK_FAIL, subject,
			  "disk: home `%s` lacks project id %u with inheritance: its files are not "
			  "counted and a launch refuses; run `mpjail build %s`",
			  s->t->home, q.id, s->t->name);
		goto out;
	}
	{
		_cleanup_close_ int fd = openat(home, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		e = fd < 0 ? negerrno() : quota_get(fd, &q.fs, q.fs.kind, q.id, &u);
	}
	if (e < 0) {
		check_add(r, CHECK_FAIL, subject, "disk: reading the %s quota of id %u on `%s`: %s",
			  quota_kind_name(q.fs.kind), q.id, q.fs.source, strerror(-e));
		goto out;
	}
	if (u.space_limit)
		(void)quota_fmt_bytes(u.space_limit, lim, sizeof lim);
	if (u.inodes_limit)
		(void)snprintf(ilim, sizeof ilim, "%" PRIu64, u.inodes_limit);
	/* What the kernel holds, not what the file says: a build not re-run
	 * after a change shows up here. */
	check_add(r,
		  (w.has_disk && !u.space_limit) || (w.has_inodes && !u.inodes_limit) ||
				  near(u.space, u.space_limit) || near(u.inodes, u.inodes_limit)
			  ? CHECK_WARN
			  : CHECK_OK,
		  subject,
		  "disk: %s quota, id %u, on %s `%s`: %s of %s, inodes %" PRIu64 " of %s%s",
		  quota_kind_name(q.fs.kind), q.id, q.fs.fstype, q.fs.source,
		  quota_fmt_bytes(u.space, used, sizeof used), lim, u.inodes, ilim,
		  (w.has_disk && !u.space_limit) || (w.has_inodes && !u.inodes_limit)
			  ? " (a configured limit is not in force: run `mpjail build`)"
			  : "");
out:
	quota_home_done(&q);
}

struct fs_sum {
	struct quota_fs fs;
	uint64_t disk, inodes;
	size_t n;
};

void check_disk_sum(struct check_report *r, const struct check_tenant *s, size_t n)
{
	_cleanup_free_ struct fs_sum *sums = xcalloc(n ?: 1, sizeof *sums);
	size_t n_sums = 0;

	for (size_t i = 0; i < n; i++) {
		_cleanup_close_ int home = -1, fd = -1;
		struct quota_want w;
		struct quota_fs fs;
		size_t k;

		if (!s[i].t || !s[i].p)
			continue;
		quota_want_compute(s[i].t, s[i].p, &w);
		if (!quota_want_any(&w))
			continue;
		home = safefs_open_dir_nofollow(s[i].t->home);
		if (home >= 0)
			fd = openat(home, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || quota_fs_probe(fd, &fs) < 0)
			continue;
		for (k = 0; k < n_sums && sums[k].fs.dev != fs.dev; k++)
			;
		if (k == n_sums)
			sums[n_sums++].fs = fs;
		else
			quota_fs_done(&fs);
		sums[k].n++;
		sums[k].disk += w.has_disk ? w.disk : 0;
		sums[k].inodes += w.has_inodes ? w.inodes : 0;
	}
	for (size_t k = 0; k < n_sums; k++) {
		char sum[32], size[32];
		bool over = sums[k].disk > sums[k].fs.size ||
			    (sums[k].fs.files && sums[k].inodes > sums[k].fs.files);

		check_add(r, over ? CHECK_WARN : CHECK_OK, "disk",
			  "disk limits of %zu tenants on `%s` (%s) sum to %s of its %s, inodes to "
			  "%" PRIu64 " of %" PRIu64 "%s",
			  sums[k].n, sums[k].fs.target, sums[k].fs.source,
			  quota_fmt_bytes(sums[k].disk, sum, sizeof sum),
			  quota_fmt_bytes(sums[k].fs.size, size, sizeof size), sums[k].inodes,
			  sums[k].fs.files,
			  over ? ": overcommitted, the tenants can fill it before any reaches "
				 "its quota"
			       : "");
		quota_fs_done(&sums[k].fs);
	}
}
