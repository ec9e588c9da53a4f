/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The jail tree: STATE/jails/NAME/{root/,manifest} (docs/build.md).
 *
 * Two phases.  build_plan() reads and renders everything in memory (profile
 * entries, /etc files, copies from the host, templates): a problem there is
 * a configuration error and nothing has been touched.  The batch functions
 * below write plans aside in STATE/jails/.NAME.new-XXXXXX, sync them, and
 * swap them in with renameat2(RENAME_EXCHANGE); on any failure the half-built
 * directory is removed and the current tree is left as it was. */
#pragma once

#include "base/log.h"
#include "base/sha256.h"
#include "config/identity.h"
#include "config/model.h"
#include "filter/filter.h"

/* The most entries a plan may hold (dirs, files, links). */
#define BUILD_MAX_ENTRIES 4096

/* STATE/jails/NAME: what the launcher copies into the jail's root tmpfs. */
int build_tree_path(const struct mpj_paths *paths, const char *name, char **ret);

struct build_plan;

/* The host files profiles copy into trees (`copy`), each read once: plans
 * point into these, so they must outlive every plan built with them. */
struct build_copies {
	struct build_copy {
		char *path;
		char *data;
		size_t len;
	} * e;
	size_t n;
};
void build_copies_done(struct build_copies *c);

int build_plan(const struct mpj_paths *paths, const struct mpj_tenant *t,
	       const struct mpj_profile *p, const struct mpj_identity *id,
	       struct build_copies *copies, struct build_plan **ret, struct diag *diag);
void build_plan_free(struct build_plan *plan);

/* Beside root/ and manifest: the profile's seccomp filter compiled at build
 * time, for filter_prepare_stored(tree_fd, BUILD_SECCOMP_FILE, ...). */
#define BUILD_SECCOMP_FILE "seccomp.bpf"

/* Store f (borrowed: it must outlive the plan) with the tree as
 * BUILD_SECCOMP_FILE. */
void build_plan_set_filter(struct build_plan *plan, const struct mpj_filter *f);

struct build_result {
	size_t n_entries;                      /* manifest lines */
	bool replaced;                         /* an older tree was swapped out */
	char manifest_sha256[SHA256_HEX_SIZE]; /* of the manifest file */
};

/* Writing trees, in a batch under one lock of STATE/jails: every tree is
 * written aside (STATE/jails/.NAME.new-XXXXXX), one syncfs makes them all
 * durable, then each is swapped in with renameat2(RENAME_EXCHANGE) and the
 * old one removed; closing the batch fsyncs the directory and drops the
 * lock.  A syncfs per tree was a flush of the whole filesystem per tenant.
 * All return 0 or -errno with *ret_failed = the path (or step) that failed,
 * for the message; a failed write or swap leaves no aside behind and the
 * tenant's current tree as it was. */
struct build_batch {
	const struct mpj_paths *paths;
	int jails_fd; /* locked; -1 once closed */
};
/* Also removes asides left by a build that was killed midway. */
int build_batch_open(const struct mpj_paths *paths, struct build_batch *b, char **ret_failed);
int build_write_aside(struct build_batch *b, const struct build_plan *plan, char **ret_aside,
		      struct build_result *ret, char **ret_failed);
int build_batch_sync(struct build_batch *b);
/* A written aside that will not be swapped in (the sync failed). */
void build_drop_aside(struct build_batch *b, const char *aside);
/* Sets res->replaced. */
int build_swap(struct build_batch *b, const struct build_plan *plan, const char *aside,
	       struct build_result *res, char **ret_failed);
int build_batch_close(struct build_batch *b, char **ret_failed);
