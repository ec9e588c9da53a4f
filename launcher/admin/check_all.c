/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What `mpjail check` runs, in the order its findings are printed: each
 * tenant file and account, the registry across all of them, the per-tenant
 * checks of those named, then the host. */
#define _GNU_SOURCE
#include "admin/check.h"

#include "config/registry.h"
#include "config/tenant.h"

static void check_registry(struct check_report *r, const struct mpj_global *g,
			   struct mpj_tenant **loaded, size_t n, size_t n_files)
{
	unsigned lo = 0, hi = 0;
	struct diag d = { 0 };

	if (registry_ephemeral_range(&lo, &hi) < 0) {
		check_add(r, CHECK_WARN, "registry",
			  "cannot read net.ipv4.ip_local_port_range: ephemeral ports not checked");
		lo = hi = 0;
	}
	if (registry_check(g, loaded, n, lo, hi, &d) < 0) {
		check_add_diag(r, CHECK_FAIL, "registry", &d);
		diag_clear(&d);
		return;
	}
	check_add(r, n == n_files ? CHECK_OK : CHECK_WARN, "registry",
		  "%zu of %zu tenant files loaded; no shared port, host name, user or home; ports in %u-%u, outside the ephemeral range %u-%u",
		  n, n_files, g->port_min, g->port_max, lo, hi);
}

static bool is_selected(char *const *selected, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(selected[i], name) == 0)
			return true;
	return n == 0; /* none named: all */
}

/* The holders of the selected tenants' ports, in one pass over /proc. */
static void find_holders(struct check_tenant *st, size_t n, struct mpj_tenant *const *loaded,
			 size_t n_loaded, struct check_holders *ret)
{
	_cleanup_free_ unsigned *ports = xcalloc(n * MPJ_MAX_PORTS + 1, sizeof *ports);
	size_t np = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; st[i].selected && st[i].t && k < st[i].t->n_ports; k++)
			ports[np++] = st[i].t->ports[k];
	*ret = (struct check_holders){ 0 };
	if (np)
		ret->err = portcheck_holders(ports, np, loaded, n_loaded, &ret->h, &ret->n);
}

/* The checks themselves, once mpjail.conf and the tenant names are known. */
static void check_tenants_and_host(struct check_report *r, const struct mpj_paths *paths,
				   const struct mpj_global *g, char *const *names,
				   char *const *selected, size_t n_selected)
{
	size_t n = strv_length(names), n_loaded = 0;
	_cleanup_free_ struct check_tenant *st = xcalloc(n ?: 1, sizeof *st);
	_cleanup_free_ struct mpj_tenant **loaded = xcalloc(n ?: 1, sizeof *loaded);
	struct check_holders holders;

	for (size_t i = 0; i < n; i++) {
		st[i].name = names[i];
		st[i].selected = is_selected(selected, n_selected, names[i]);
		check_tenant_load(r, paths, g, &st[i]);
		if (st[i].t)
			loaded[n_loaded++] = st[i].t;
	}
	check_registry(r, g, loaded, n_loaded, n);
	find_holders(st, n, loaded, n_loaded, &holders);
	for (size_t i = 0; i < n; i++)
		if (st[i].selected && st[i].t)
			check_tenant(r, paths, g, &st[i], &holders);
	portcheck_holders_free(holders.h, holders.n);
	check_memory_sum(r, g, st, n);
	check_disk_sum(r, st, n);
	check_host(r, st, n);
	for (size_t i = 0; i < n; i++)
		check_tenant_done(&st[i]);
}

int check_all(const struct mpj_paths *paths, char *const *selected, size_t n_selected,
	      struct check_report *r, const char **ret_unknown, struct diag *diag)
{
	_cleanup_strv_ char **names = NULL;
	struct mpj_global g;
	int e;

	*ret_unknown = NULL;
	global_init_defaults(&g);
	e = global_load(paths, &g, diag);
	if (e < 0)
		return e;
	/* Names, not loaded tenants: each broken file is a finding of its own. */
	e = tenant_list(paths, &names, diag);
	if (e < 0) {
		if (!diag->msg)
			diag_set(diag, NULL, 0, "%s/tenants: %s", paths->config_dir, strerror(-e));
		global_free(&g);
		return e;
	}
	for (size_t i = 0; i < n_selected; i++)
		if (!strv_contains(names, selected[i])) {
			*ret_unknown = selected[i];
			global_free(&g);
			return -ENOENT;
		}
	check_tenants_and_host(r, paths, &g, names, selected, n_selected);
	global_free(&g);
	return 0;
}
