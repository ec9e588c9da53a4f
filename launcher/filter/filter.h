/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The seccomp policy: named groups of a deny list (profiles/NAME.seccomp),
 * compiled by the parent to classic BPF; the child only loads it. */
#pragma once

#include <linux/filter.h>

#include "base/log.h"
#include "config/model.h"

struct mpj_filter {
	struct sock_fprog prog; /* owned: prog.filter is malloc'd */
	char *policy;           /* policy name, for messages */
	uint64_t source_hash;   /* of the policy file it was compiled from */
};

/* Parse DATADIR/profiles/NAME.seccomp (DIR/profiles overrides) and compile it
 * for the native architecture only.  0 or -errno with *diag set. */
int filter_prepare(const struct mpj_paths *paths, const char *policy, struct mpj_filter *ret,
		   struct diag *diag);
/* Child, last step before execve: install the filter.  No allocation. */
int filter_apply(const struct mpj_filter *f);
void filter_done(struct mpj_filter *f);

/* ---- the policy and its compiler (docs/seccomp.md) ---- */

struct mpj_seccomp_policy; /* filter_policy.h */

/* Find and parse a policy: DIR/profiles/NAME.seccomp (root-owned, not group or
 * other writable) if it exists, else DATADIR/profiles/NAME.seccomp. */
int filter_policy_load(const struct mpj_paths *paths, const char *policy,
		       struct mpj_seccomp_policy **ret, struct diag *diag);
/* Compile for the native architecture only (others, x32 included: kill the
 * process) and export classic BPF into ret->prog.  `name` is copied. */
int filter_compile(const struct mpj_seccomp_policy *p, const char *name, struct mpj_filter *ret,
		   struct diag *diag);
/* libseccomp's pseudo filter code of the same filter, for golden tests. */
int filter_export_pfc(const struct mpj_seccomp_policy *p, int fd, struct diag *diag);
/* `mpjail explain`: the policy's file, groups and rules with their reasons. */
int filter_policy_describe(const struct mpj_paths *paths, const char *policy, FILE *out,
			   struct diag *diag);

/* ---- stored BPF (docs/seccomp.md, "Compile at launch or store?") ---- */

/* Write f as DIRFD/NAME (atomically: NAME.tmp, fsync, rename), mode 0644.
 * 0 or -errno. */
int filter_store(const struct mpj_filter *f, int dirfd, const char *name);
/* Read DIRFD/NAME written by filter_store: a regular file, owned by root (or
 * the caller), not group/other writable (-EPERM), for this architecture and
 * well formed (-EBADMSG otherwise).  The kernel checks the program itself. */
int filter_load_stored(int dirfd, const char *name, struct mpj_filter *ret);
/* The launcher's entry point when `mpjail build` stored the filter: use
 * DIRFD/NAME if it was compiled from the policy file as it is now (same name,
 * same source hash), else compile.  1: stored filter used, 0: compiled,
 * -errno with *diag on error.  A missing or unusable stored file is never an
 * error: compiling is always correct, the stored file only saves time. */
int filter_prepare_stored(const struct mpj_paths *paths, const char *policy, int dirfd,
			  const char *name, struct mpj_filter *ret, struct diag *diag);
