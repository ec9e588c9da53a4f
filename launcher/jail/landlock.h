/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Landlock: the jail may bind only its own TCP ports; abstract unix sockets
 * and signals are scoped to the jail where the kernel offers it (ABI >= 6). */
#pragma once

#include "base/log.h"

struct mpj_landlock {
	int ruleset_fd; /* -1 when not used (private network namespace) */
	int abi;
	bool scoped; /* abstract-socket and signal scopes are in the ruleset */
};

/* Kernel's Landlock ABI version, or -errno (-EOPNOTSUPP: disabled). */
int landlock_abi(void);
/* Parent: ruleset allowing bind() only to ports[]; port 0 is never allowed.
 * Fails closed with -EOPNOTSUPP when the ABI lacks network rules (< 4). */
int landlock_prepare(const unsigned *ports, size_t n_ports, struct mpj_landlock *ret,
		     struct diag *diag);
/* Child, after no_new_privs and the uid drop: restrict self.  No allocation. */
int landlock_apply(const struct mpj_landlock *ll);
void landlock_done(struct mpj_landlock *ll);
