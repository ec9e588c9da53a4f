/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the tenants of one `mpjail build` share: each profile they name is
 * loaded, its home skeleton read and its seccomp policy compiled once per
 * command, and each host file the profiles copy is read once.  Loading them
 * again for every tenant was most of the syscalls of `build --all`
 * (docs/design.md, "Build cost: one batch per command").  Nothing here is tenant-specific; the
 * cache lives as long as the command, so every tenant sees the same files. */
#pragma once

#include "build/build.h"
#include "build/homeskel.h"

struct build_profile {
	struct mpj_profile *p;
	struct homeskel_skel skel; /* empty: the profile names no home-skel */
	struct mpj_filter filter;  /* prog.filter NULL: no seccomp policy */
};

struct build_shared {
	struct build_profile **profiles;
	size_t n_profiles;
	struct build_copies copies;
};

/* The profile NAME with its skeleton and filter, loaded on first use and
 * kept in *s.  0, or -errno with *diag (a failed load is not cached). */
int build_shared_profile(const struct mpj_paths *paths, struct build_shared *s, const char *name,
			 const struct build_profile **ret, struct diag *diag);
void build_shared_done(struct build_shared *s);
