/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tenant registry: checks across all tenant files that no single file
 * can make (docs/architecture.md §4, docs/threats.md T18). */
#pragma once

#include "config/global.h"
#include "config/model.h"

/* Refuse: two tenants on one port; a port outside g->port_min..port_max or
 * inside the kernel's ephemeral range eph_low..eph_high (0, 0: not checked);
 * one host name claimed by two tenants; two tenants with the same user; a
 * tenant home equal to or inside another's.  t is sorted as loaded; the
 * message names both tenant files with their lines, *diag points at the
 * later one.  0 or -EINVAL. */
int registry_check(const struct mpj_global *g, struct mpj_tenant *const *t, size_t n,
		   unsigned eph_low, unsigned eph_high, struct diag *diag);

/* The kernel's ephemeral port range (net.ipv4.ip_local_port_range), where
 * listen() on an unbound socket autobinds despite Landlock.  0 or -errno. */
int registry_ephemeral_range(unsigned *lo, unsigned *hi);
/* The same, from another file (tests). */
int registry_ephemeral_range_from(const char *path, unsigned *lo, unsigned *hi);

/* Everything a command that acts across tenants starts from. */
struct mpj_registry {
	struct mpj_global global;
	struct mpj_tenant **tenants; /* sorted by name */
	size_t n;
	bool host_error; /* the failure was reading the host, not the configuration */
};

/* mpjail.conf and every tenant file, loaded, then registry_check() against
 * the kernel's ephemeral range: build and frontend refuse to act on a
 * registry with a conflict even for one tenant.  0, or -errno with *diag
 * (ret->host_error: /proc could not be read; else a configuration error).
 * registry_done() in every case. */
int registry_load(const struct mpj_paths *paths, struct mpj_registry *ret, struct diag *diag);
void registry_done(struct mpj_registry *r);
