/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "build/job.h"

#include <fcntl.h>
#include <inttypes.h>

#include "base/safefs.h"
#include "config/profile.h"
#include "config/tenant.h"

#define STAGE "build"

void build_job_init(struct build_job *j)
{
	*j = (struct build_job){ .home = { .fd = -1, .parent_fd = -1 } };
}

void build_job_done(struct build_job *j)
{
	build_plan_free(j->plan);
	homeskel_skel_done(&j->skel);
	homeskel_home_done(&j->home);
	quota_home_done(&j->quota);
	identity_done(&j->id);
	profile_free(j->p);
	if (!j->borrowed)
		tenant_free(j->t);
	build_job_init(j);
}

/* DATADIR/skel/home/NAME, read into memory now so that a missing or odd
 * skeleton is a configuration error, found before anything is written. */
static int load_skel(const struct mpj_paths *paths, struct build_job *j, struct diag *diag)
{
	_cleanup_free_ char *dir = NULL, *bad = NULL;
	_cleanup_close_ int data_fd = -1, fd = -1;
	int r;

	if (!j->p->home_skel)
		return 0;
	dir = xasprintf("%s/skel/home/%s", paths->data_dir, j->p->home_skel);
	data_fd = open(paths->data_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (data_fd < 0)
		r = negerrno();
	else {
		_cleanup_free_ char *rel = xasprintf("skel/home/%s", j->p->home_skel);

		fd = safefs_open_beneath(data_fd, rel, O_PATH | O_DIRECTORY, 0);
		r = fd < 0 ? fd : homeskel_load(fd, &j->skel, &bad);
	}
	if (r < 0) {
		diag_set(diag, j->p->file, 0, "home-skel `%s`: cannot load `%s%s%s`: %s",
			 j->p->home_skel, dir, bad ? "/" : "", bad ?: "",
			 r == -EINVAL  ? "not a directory, regular file or symlink"
			 : r == -EPERM ? "not root-owned, or writable by group or others: the "
					 "skeleton is code every new tenant runs"
				       : strerror(-r));
		return r;
	}
	return 0;
}

int build_job_prepare(const struct mpj_paths *paths, const struct mpj_global *g,
		      struct build_job *j, struct diag *diag)
{
	int r;

	r = profile_load(paths, j->t->profile, &j->p, diag);
	if (r < 0)
		return r;
	r = identity_resolve(g, j->t, &j->id, diag);
	if (r < 0)
		return r;
	/* The home is checked before any tree is built: a symlinked home
	 * refuses the whole command with nothing changed. */
	r = homeskel_open(j->t, &j->id, &j->home, diag);
	if (r < 0)
		return r;
	/* A limit the home's filesystem cannot enforce refuses the command
	 * now, with nothing written (a missing home: its parent's filesystem,
	 * where homeskel_create() will make it). */
	r = quota_home_prepare(j->t, j->p, j->id.uid,
			       j->home.fd >= 0 ? j->home.fd : j->home.parent_fd, j->home.fd >= 0,
			       &j->quota, diag);
	if (r < 0)
		return r;
	r = load_skel(paths, j, diag);
	if (r < 0)
		return r;
	r = build_plan(paths, j->t, j->p, &j->id, &j->plan, diag);
	if (r < 0)
		return r;
	/* Compiled now so a broken policy is a configuration error, and stored
	 * with the tree so that each launch can skip the compile. */
	if (j->p->seccomp) {
		struct mpj_filter f = { 0 };

		r = filter_prepare(paths, j->p->seccomp, &f, diag);
		if (r < 0)
			return r;
		build_plan_set_filter(j->plan, &f);
	}
	return 0;
}

/* Before the skeleton is copied, so that the copy is charged and bounded. */
static int apply_quota(struct build_job *j)
{
	const struct quota_home *q = &j->quota;
	struct quota_tree_report rep = { 0 };
	_cleanup_free_ char *failed = NULL;
	char disk[32] = "none", inodes[32] = "none";
	int r;

	r = quota_home_apply(&j->quota, j->home.fd, &rep, &failed);
	if (r < 0) {
		log_error_errno(STAGE, r,
				"tenant `%s`: setting the %s quota on home `%s` failed%s%s",
				j->t->name, quota_kind_name(q->fs.kind), j->home.path,
				failed ? " at " : "", failed ?: "");
		return r;
	}
	if (!quota_want_any(&q->want))
		return 0;
	if (q->want.has_disk)
		(void)quota_fmt_bytes(q->want.disk, disk, sizeof disk);
	if (q->want.has_inodes)
		(void)snprintf(inodes, sizeof inodes, "%" PRIu64, q->want.inodes);
	printf("%s: %s quota, id %u, on %s `%s` (%s): disk %s, inodes %s", j->t->name,
	       quota_kind_name(q->fs.kind), q->id, q->fs.fstype, q->fs.source, q->fs.target, disk,
	       inodes);
	if (q->fs.kind == QUOTA_PROJECT)
		printf("; project id set on %zu entries, %zu had it, %zu not the tenant's (left alone)",
		       rep.changed, rep.kept, rep.skipped);
	putchar('\n');
	return 0;
}

int build_job_commit(const struct mpj_paths *paths, struct build_job *j)
{
	struct build_result res = { 0 };
	struct homeskel_report rep = { 0 };
	_cleanup_free_ char *failed = NULL, *tree = NULL;
	int r;

	r = build_commit(paths, j->plan, &res, &failed);
	if (r < 0) {
		log_error_errno(STAGE, r,
				"tenant `%s`: building the jail tree failed at `%s` "
				"(the previous tree, if any, is unchanged)",
				j->t->name, failed ?: "?");
		return r;
	}
	(void)build_tree_path(paths, j->t->name, &tree);

	r = homeskel_create(&j->home, &j->id);
	if (r < 0) {
		log_error_errno(STAGE, r, "tenant `%s`: creating home `%s` failed", j->t->name,
				j->home.path);
		return r;
	}
	r = apply_quota(j);
	if (r < 0)
		return r;
	r = homeskel_populate(&j->home, &j->skel, &j->id, &rep, &failed);
	if (r < 0) {
		log_error_errno(STAGE, r,
				"tenant `%s`: copying the home skeleton into `%s` failed "
				"at `%s`",
				j->t->name, j->home.path, failed ?: "?");
		homeskel_report_done(&rep);
		return r;
	}
	for (size_t i = 0; rep.skipped && rep.skipped[i]; i++)
		log_warn(STAGE,
			 "tenant `%s`: skeleton entry not copied (a tenant entry is in the "
			 "way, left untouched): %s/%s",
			 j->t->name, j->home.path, rep.skipped[i]);
	for (size_t i = 0; rep.created && rep.created[i]; i++)
		log_info(STAGE, "tenant `%s`: created %s/%s", j->t->name, j->home.path,
			 rep.created[i]);
	printf("%s: tree %s (%zu entries, %s); home %s (%s): %zu created, %zu kept, %zu skipped\n",
	       j->t->name, tree, res.n_entries, res.replaced ? "replaced" : "new", j->home.path,
	       j->home.created ? "created" : "existing", strv_length(rep.created),
	       strv_length(rep.kept), strv_length(rep.skipped));
	homeskel_report_done(&rep);
	return 0;
}
