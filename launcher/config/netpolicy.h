/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Outbound TCP for a jail in the shared network namespace: the profile's
 * `connect` lines, mpjail.conf's port_range and the tenant's own ports
 * resolved into the list of ports Landlock allows (docs/design.md,
 * docs/threats.md T18).  Pure: no syscalls. */
#pragma once

#include "base/log.h"
#include "config/model.h"

/* The Landlock ABI with TCP bind and connect rules (Linux 6.7). */
#define MPJ_LANDLOCK_ABI_NET 4

/* The network mode in force for a profile's `network` on a kernel whose
 * Landlock ABI is abi (-errno: Landlock unavailable).  `auto` is shared
 * only where the port rules can be enforced (abi >= MPJ_LANDLOCK_ABI_NET),
 * private otherwise: never the host's network without them.  shared and
 * private stay what they say (shared then fails closed in
 * landlock_prepare()).  Pure, so the decision is tested for any ABI. */
enum mpj_network netpolicy_resolve_network(enum mpj_network want, int abi);
/* "shared", "private" or "auto". */
const char *netpolicy_network_name(enum mpj_network net);
/* The decision as explain and the supervisor show it: "shared",
 * "private", "auto -> shared (kernel Landlock ABI 7 has network rules)",
 * "auto -> private (kernel Landlock ABI 3 has no network rules)" or
 * "auto -> private (Landlock is not available: ...)".  Allocated. */
char *netpolicy_network_describe(enum mpj_network want, int abi);

/* Sorted, disjoint, merged spans; every other port is refused. */
struct mpj_connect_plan {
	struct mpj_port_span *spans; /* .line and .file unused */
	size_t n_spans;
	unsigned n_ports; /* = the number of Landlock rules it takes */
	bool any_other;   /* from `connect any-other` (explain says what it costs) */
};

/* Allowed = the profile's ports and ranges (with any-other: 1..65535 minus
 * range_lo..range_hi) plus own[] (the tenant's ports, always).  A listed port
 * inside range_lo..range_hi that is not the tenant's own is refused: -EINVAL
 * with *diag naming the profile's file:line, the value and the range. */
int netpolicy_connect_plan(const struct mpj_connect *c, unsigned range_lo, unsigned range_hi,
			   const unsigned *own, size_t n_own, struct mpj_connect_plan *ret,
			   struct diag *diag);
void netpolicy_plan_done(struct mpj_connect_plan *plan);

/* "25 53 80 443 1024-2047", or "none". */
char *netpolicy_plan_format(const struct mpj_connect_plan *plan);
/* Whether port is allowed by plan. */
bool netpolicy_plan_allows(const struct mpj_connect_plan *plan, unsigned port);
