/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Landlock: the jail may bind only its own TCP ports and connect only to the
 * profile's (never another tenant's); abstract unix sockets and signals are
 * scoped to the jail where the kernel offers it (ABI >= 6). */
#pragma once

#include "base/log.h"
#include "config/netpolicy.h"

struct mpj_landlock {
	int ruleset_fd; /* -1 when not used (private network namespace) */
	int abi;
	bool scoped;          /* abstract-socket and signal scopes are in the ruleset */
	bool connect_handled; /* TCP connect is restricted to the plan's ports */
	unsigned n_rules;     /* landlock_add_rule calls made */
};

/* Kernel's Landlock ABI version, or -errno (-EOPNOTSUPP: disabled). */
int landlock_abi(void);
/* Parent: ruleset allowing bind() only to ports[] (port 0 never) and, unless
 * connect is NULL, connect() only to the plan's ports.  abi: landlock_abi().
 * Fails closed with -EOPNOTSUPP when the ABI lacks network rules (< 4). */
int landlock_prepare(int abi, const unsigned *ports, size_t n_ports,
		     const struct mpj_connect_plan *connect, struct mpj_landlock *ret,
		     struct diag *diag);
/* Child, after no_new_privs and the uid drop: restrict self.  No allocation. */
int landlock_apply(const struct mpj_landlock *ll);
void landlock_done(struct mpj_landlock *ll);
