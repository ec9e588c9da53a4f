/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The jail tree: STATE/jails/NAME/{root/,manifest} (docs/build.md).
 *
 * Two phases.  build_plan() reads and renders everything in memory (profile
 * entries, /etc files, copies from the host, templates): a problem there is
 * a configuration error and nothing has been touched.  build_commit() writes
 * the plan aside in STATE/jails/.NAME.new-XXXXXX, syncs it, and swaps it in
 * with renameat2(RENAME_EXCHANGE); on any failure the half-built directory is
 * removed and the current tree is left as it was. */
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

int build_plan(const struct mpj_paths *paths, const struct mpj_tenant *t,
	       const struct mpj_profile *p, const struct mpj_identity *id, struct build_plan **ret,
	       struct diag *diag);
void build_plan_free(struct build_plan *plan);

/* Beside root/ and manifest: the profile's seccomp filter compiled at build
 * time, for filter_prepare_stored(tree_fd, BUILD_SECCOMP_FILE, ...). */
#define BUILD_SECCOMP_FILE "seccomp.bpf"

/* Store f (taken: *f is cleared) with the tree as BUILD_SECCOMP_FILE. */
void build_plan_set_filter(struct build_plan *plan, struct mpj_filter *f);

struct build_result {
	size_t n_entries;                      /* manifest lines */
	bool replaced;                         /* an older tree was swapped out */
	char manifest_sha256[SHA256_HEX_SIZE]; /* of the manifest file */
};

/* -errno; *ret_failed = the path (or step) that failed, for the message. */
int build_commit(const struct mpj_paths *paths, const struct build_plan *plan,
		 struct build_result *ret, char **ret_failed);
