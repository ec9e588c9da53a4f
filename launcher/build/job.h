/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One tenant of `mpjail build` (docs/build.md): phase 1 loads and checks
 * everything a build needs and keeps it here, so that a configuration error
 * in any named tenant stops the command before anything is written; phase 2
 * (build_jobs_commit()) only writes. */
#pragma once

#include "build/build.h"
#include "build/homeskel.h"
#include "build/quota.h"
#include "build/shared.h"

struct build_job {
	struct mpj_tenant *t; /* owned unless borrowed from a tenant_load_all() list */
	bool borrowed;
	const struct build_profile *bp; /* in the command's build_shared */
	const struct mpj_profile *p;    /* bp->p */
	struct mpj_identity id;
	struct homeskel_home home;
	struct build_plan *plan;
	char *aside;             /* phase 2: the tree written aside, not yet swapped in */
	struct build_result res; /* phase 2: what was written */
	struct quota_home quota; /* disk and inodes: the home's filesystem quota */
};

/* An empty job: nothing open, build_job_done() is a no-op. */
void build_job_init(struct build_job *j);
void build_job_done(struct build_job *j);

/* Phase 1 for j->t: its profile with skeleton and compiled seccomp filter
 * (from *shared, loaded there on first use), the account, the home (a
 * symlinked home refuses the whole command), whether its filesystem can
 * enforce the disk and inode limits (refused with a hint if not) and the
 * tree plan.  Nothing is written.  0, or -errno with *diag. */
int build_job_prepare(const struct mpj_paths *paths, const struct mpj_global *g,
		      struct build_shared *shared, struct build_job *j, struct diag *diag);

/* Phase 2 for all prepared jobs, in one batch (build.h): write every tree
 * aside, sync once, then per job swap the new tree in, create the home, put
 * its quota in place (project id on the tree, limits) and fill it from the
 * skeleton as the tenant.  Logs what it did or where each job failed (a job
 * that fails keeps its previous tree; the others go on) and prints a
 * one-line summary per job.  Returns how many jobs failed. */
size_t build_jobs_commit(const struct mpj_paths *paths, struct build_job *jobs, size_t n);
