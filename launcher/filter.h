/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The seccomp policy: named groups of a deny list (profiles/NAME.seccomp),
 * compiled by the parent to classic BPF; the child only loads it. */
#pragma once

#include <linux/filter.h>

#include "config.h"

struct mpj_filter {
	struct sock_fprog prog; /* owned: prog.filter is malloc'd */
	char *policy;           /* policy name, for messages */
};

/* Parse DATADIR/profiles/NAME.seccomp (DIR/profiles overrides) and compile it
 * for the native architecture only.  0 or -errno with *diag set. */
int filter_prepare(const struct mpj_paths *paths, const char *policy, struct mpj_filter *ret,
		   struct diag *diag);
/* Child, last step before execve: install the filter.  No allocation. */
int filter_apply(const struct mpj_filter *f);
void filter_done(struct mpj_filter *f);
