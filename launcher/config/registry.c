/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Cross-tenant checks.  Ports and host names are collected and sorted so a
 * host with thousands of tenants is checked in O(n log n); users and homes
 * are few enough per host for a pairwise scan. */
#define _GNU_SOURCE
#include "config/registry.h"

#include <fcntl.h>

#include "config/tenant.h"

struct claim {
	const char *key; /* host name, or NULL for ports */
	unsigned port;
	size_t tenant; /* index into t: ties sort in file order */
};

static int cmp_port(const void *a, const void *b)
{
	const struct claim *x = a, *y = b;

	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return x->tenant < y->tenant ? -1 : x->tenant > y->tenant;
}

static int cmp_key(const void *a, const void *b)
{
	const struct claim *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	return x->tenant < y->tenant ? -1 : x->tenant > y->tenant;
}

/* "tenant `a` (FILE:LINE)" for messages. */
#define WHO_FMT "tenant `%s` (%s:%u)"
#define WHO(t, line) (t)->name, (t)->file, (line)

static int check_ports(const struct mpj_global *g, struct mpj_tenant *const *t, size_t n,
		       unsigned eph_low, unsigned eph_high, struct diag *diag)
{
	_cleanup_free_ struct claim *c = NULL;
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		m += t[i]->n_ports;
	c = xcalloc(m, sizeof(*c));
	m = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < t[i]->n_ports; j++) {
			unsigned port = t[i]->ports[j];

			if (port < g->port_min || port > g->port_max) {
				diag_set(diag, t[i]->file, t[i]->ports_line,
					 "port `%u` is outside port_range %u-%u (mpjail.conf)",
					 port, g->port_min, g->port_max);
				return -EINVAL;
			}
			/* listen() without bind() autobinds an ephemeral port, and
			 * Landlock does not stop it (landlock-lsm/linux#15). */
			if ((eph_low || eph_high) && port >= eph_low && port <= eph_high) {
				diag_set(diag, t[i]->file, t[i]->ports_line,
					 "port `%u` is inside the kernel's ephemeral range %u-%u "
					 "(net.ipv4.ip_local_port_range), where any process may "
					 "get it by autobind",
					 port, eph_low, eph_high);
				return -EINVAL;
			}
			c[m++] = (struct claim){ .port = port, .tenant = i };
		}
	qsort(c, m, sizeof(*c), cmp_port);
	for (size_t k = 1; k < m; k++)
		if (c[k].port == c[k - 1].port) {
			const struct mpj_tenant *a = t[c[k - 1].tenant], *b = t[c[k].tenant];

			diag_set(diag, b->file, b->ports_line,
				 "port `%u` is claimed by " WHO_FMT " and " WHO_FMT, c[k].port,
				 WHO(a, a->ports_line), WHO(b, b->ports_line));
			return -EINVAL;
		}
	return 0;
}

static int check_hostnames(struct mpj_tenant *const *t, size_t n, struct diag *diag)
{
	_cleanup_free_ struct claim *c = NULL;
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		m += strv_length(t[i]->hostnames);
	c = xcalloc(m, sizeof(*c));
	m = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; t[i]->hostnames && t[i]->hostnames[j]; j++)
			c[m++] = (struct claim){ .key = t[i]->hostnames[j], .tenant = i };
	qsort(c, m, sizeof(*c), cmp_key);
	for (size_t k = 1; k < m; k++)
		if (strcmp(c[k].key, c[k - 1].key) == 0) {
			const struct mpj_tenant *a = t[c[k - 1].tenant], *b = t[c[k].tenant];

			diag_set(diag, b->file, b->hostnames_line,
				 "host name `%s` is claimed by " WHO_FMT " and " WHO_FMT, c[k].key,
				 WHO(a, a->hostnames_line), WHO(b, b->hostnames_line));
			return -EINVAL;
		}
	return 0;
}

/* Is `inner` equal to or below `outer`?  Both are normalised paths. */
static bool path_within(const char *inner, const char *outer)
{
	size_t n = strlen(outer);

	if (strcmp(outer, "/") == 0)
		return true;
	return strncmp(inner, outer, n) == 0 && (inner[n] == '\0' || inner[n] == '/');
}

static int check_pairs(struct mpj_tenant *const *t, size_t n, struct diag *diag)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			const struct mpj_tenant *a = t[i], *b = t[j];

			/* One uid in two jails shares RLIMIT_NPROC, signals and
			 * every file of both homes: that is one tenant. */
			if (a->user && b->user && strcmp(a->user, b->user) == 0) {
				diag_set(diag, b->file, b->user_line,
					 "user `%s` is used by " WHO_FMT " and " WHO_FMT, b->user,
					 WHO(a, a->user_line), WHO(b, b->user_line));
				return -EINVAL;
			}
			if (a->home && b->home &&
			    (path_within(a->home, b->home) || path_within(b->home, a->home))) {
				const struct mpj_tenant *in = path_within(a->home, b->home) ? a : b;
				const struct mpj_tenant *out = in == a ? b : a;

				diag_set(diag, b->file, b->home_line,
					 "home `%s` of " WHO_FMT " is %s home `%s` of " WHO_FMT,
					 in->home, WHO(in, in->home_line),
					 strcmp(a->home, b->home) == 0 ? "the same as the"
								       : "inside the",
					 out->home, WHO(out, out->home_line));
				return -EINVAL;
			}
		}
	return 0;
}

int registry_check(const struct mpj_global *g, struct mpj_tenant *const *t, size_t n,
		   unsigned eph_low, unsigned eph_high, struct diag *diag)
{
	int r;

	r = check_ports(g, t, n, eph_low, eph_high, diag);
	if (r == 0)
		r = check_hostnames(t, n, diag);
	if (r == 0)
		r = check_pairs(t, n, diag);
	return r;
}

int registry_ephemeral_range_from(const char *path, unsigned *lo, unsigned *hi)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_strv_ char **w = NULL;
	unsigned a, b;
	int r;

	r = read_file_at(AT_FDCWD, path, 64, &buf, NULL);
	if (r < 0)
		return r;
	w = split_words(strstrip(buf));
	if (strv_length(w) != 2)
		return -EINVAL;
	r = parse_uint_range(w[0], 1, 65535, &a);
	if (r == 0)
		r = parse_uint_range(w[1], 1, 65535, &b);
	if (r < 0)
		return r;
	if (a > b)
		return -ERANGE;
	*lo = a;
	*hi = b;
	return 0;
}

int registry_ephemeral_range(unsigned *lo, unsigned *hi)
{
	return registry_ephemeral_range_from("/proc/sys/net/ipv4/ip_local_port_range", lo, hi);
}

int registry_load(const struct mpj_paths *paths, struct mpj_registry *ret, struct diag *diag)
{
	static const char eph_path[] = "/proc/sys/net/ipv4/ip_local_port_range";
	unsigned lo, hi;
	int r;

	*ret = (struct mpj_registry){ 0 };
	r = global_load(paths, &ret->global, diag);
	if (r < 0)
		return r;
	r = tenant_load_all(paths, &ret->tenants, &ret->n, diag);
	if (r < 0)
		return r;
	r = registry_ephemeral_range_from(eph_path, &lo, &hi);
	if (r < 0) {
		ret->host_error = true;
		diag_set(diag, eph_path, 0, "cannot read the kernel's ephemeral port range: %s",
			 strerror(-r));
		return r;
	}
	return registry_check(&ret->global, ret->tenants, ret->n, lo, hi, diag);
}

void registry_done(struct mpj_registry *r)
{
	tenant_free_all(r->tenants, r->n);
	global_free(&r->global);
	*r = (struct mpj_registry){ 0 };
}
