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
	homeskel_home_done(&j->home);
	quota_home_done(&j->quota);
	identity_done(&j->id);
	free(j->aside);
	if (!j->borrowed)
		tenant_free(j->t);
	build_job_init(j);
}

int build_job_prepare(const struct mpj_paths *paths, const struct mpj_global *g,
		      struct build_shared *shared, struct build_job *j, struct diag *diag)
{
	int r;

	r = build_shared_profile(paths, shared, j->t->profile, &j->bp, diag);
	if (r < 0)
		return r;
	j->p = j->bp->p;
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
	r = build_plan(paths, j->t, j->p, &j->id, &shared->copies, &j->plan, diag);
	if (r < 0)
		return r;
	if (j->bp->filter.prog.filter)
		build_plan_set_filter(j->plan, &j->bp->filter);
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

/* The tree swapped in: the home, its quota and the skeleton copy. */
static int finish_job(struct build_batch *b, struct build_job *j)
{
	struct homeskel_report rep = { 0 };
	_cleanup_free_ char *failed = NULL, *tree = NULL;
	int r;

	r = build_swap(b, j->plan, j->aside, &j->res, &failed);
	if (r < 0) {
		log_error_errno(STAGE, r,
				"tenant `%s`: building the jail tree failed at `%s` "
				"(the previous tree, if any, is unchanged)",
				j->t->name, failed ?: "?");
		return r;
	}
	(void)build_tree_path(b->paths, j->t->name, &tree);

	r = homeskel_create(&j->home);
	/* A quota charges and bounds the copy only when the tenant makes it
	 * (root is not held to limits): hand such a home over first, and the
	 * copy runs in the tenant's child. */
	if (r == 0 && quota_want_any(&j->quota.want))
		r = homeskel_hand_over(&j->home, &j->id);
	if (r < 0) {
		log_error_errno(STAGE, r, "tenant `%s`: creating home `%s` failed", j->t->name,
				j->home.path);
		return r;
	}
	r = apply_quota(j);
	if (r < 0) {
		/* A new home left root's would refuse every later build. */
		(void)homeskel_hand_over(&j->home, &j->id);
		return r;
	}
	r = homeskel_populate(&j->home, &j->bp->skel, &j->id, &rep, &failed);
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
	       j->t->name, tree, j->res.n_entries, j->res.replaced ? "replaced" : "new",
	       j->home.path, j->home.created ? "created" : "existing", strv_length(rep.created),
	       strv_length(rep.kept), strv_length(rep.skipped));
	homeskel_report_done(&rep);
	return 0;
}

size_t build_jobs_commit(const struct mpj_paths *paths, struct build_job *jobs, size_t n)
{
	struct build_batch b;
	_cleanup_free_ char *failed = NULL;
	size_t n_failed = 0;
	int r;

	if (n == 0)
		return 0; /* `build --all` with no tenant: nothing to create */
	r = build_batch_open(paths, &b, &failed);
	if (r < 0) {
		log_error_errno(STAGE, r, "cannot open `%s`: no tree was built", failed ?: "?");
		return n;
	}
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *f = NULL;

		r = build_write_aside(&b, jobs[i].plan, &jobs[i].aside, &jobs[i].res, &f);
		if (r < 0) {
			log_error_errno(STAGE, r,
					"tenant `%s`: building the jail tree failed at `%s` "
					"(the previous tree, if any, is unchanged)",
					jobs[i].t->name, f ?: "?");
			n_failed++;
		}
	}
	/* Every new tree on disk before the first swap makes one visible. */
	r = build_batch_sync(&b);
	if (r < 0)
		log_error_errno(STAGE, r,
				"syncing the new trees in `%s/jails` failed: none was swapped in, "
				"every previous tree is unchanged",
				paths->state_dir);
	for (size_t i = 0; i < n; i++) {
		if (!jobs[i].aside)
			continue;
		if (r < 0) {
			build_drop_aside(&b, jobs[i].aside);
			n_failed++;
		} else if (finish_job(&b, &jobs[i]) < 0)
			n_failed++;
		free(TAKE_PTR(jobs[i].aside));
	}
	free(TAKE_PTR(failed));
	r = build_batch_close(&b, &failed);
	if (r < 0) {
		log_error_errno(STAGE, r,
				"syncing `%s` failed: the new trees may not survive a crash",
				failed ?: "?");
		n_failed = n_failed ?: 1;
	}
	return n_failed;
}
