/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loader for mpjail.conf.  Pure parsing and validation: no NSS, nothing on
 * disk is changed. */
#define _GNU_SOURCE
#include "config/global.h"

#include "config/files.h"
#include "config/ini.h"

void global_init_defaults(struct mpj_global *g)
{
	*g = (struct mpj_global){
		.min_uid = 1000,
		.min_gid = 1000,
		.port_min = 8000,
		.port_max = 8999,
		.cgroup_root = NULL,
		.overcommit_pct = 150,
		.db_socket_dir = xstrdup("/run/postgresql"),
		.restart_max_backoff = 60,
	};
}

void global_free(struct mpj_global *g)
{
	if (!g)
		return;
	free(g->cgroup_root);
	free(g->db_socket_dir);
	g->cgroup_root = g->db_socket_dir = NULL;
}

static int g_uint(const struct ini_item *it, unsigned min, unsigned max, unsigned *dst,
		  struct diag *diag)
{
	char expected[64];
	int r = parse_uint_range(it->value, min, max, dst);

	if (r < 0) {
		(void)snprintf(expected, sizeof expected, "expected a number from %u to %u", min,
			       max);
		return ini_bad_value(it, r, expected, diag);
	}
	return 0;
}

static int g_min_uid(const struct ini_item *it, void *ud, struct diag *diag)
{
	/* 0 would let a tenant run as root. */
	return g_uint(it, 1, UINT32_MAX - 1, &((struct mpj_global *)ud)->min_uid, diag);
}

static int g_min_gid(const struct ini_item *it, void *ud, struct diag *diag)
{
	return g_uint(it, 1, UINT32_MAX - 1, &((struct mpj_global *)ud)->min_gid, diag);
}

static int g_port_range(const struct ini_item *it, void *ud, struct diag *diag)
{
	static const char expected[] = "expected LOW-HIGH with 1 <= LOW <= HIGH <= 65535";
	struct mpj_global *g = ud;
	_cleanup_free_ char *low = xstrdup(it->value);
	char *high = strchr(low, '-');
	unsigned lo, hi;
	int r;

	if (!high)
		return ini_bad_value(it, -EINVAL, expected, diag);
	*high++ = '\0';
	r = parse_uint_range(low, 1, 65535, &lo);
	if (r == 0)
		r = parse_uint_range(high, 1, 65535, &hi);
	if (r == 0 && lo > hi)
		r = -ERANGE;
	if (r < 0)
		return ini_bad_value(it, r, expected, diag);
	g->port_min = lo;
	g->port_max = hi;
	return 0;
}

static int g_cgroup_root(const struct ini_item *it, void *ud, struct diag *diag)
{
	return ini_set_string(&((struct mpj_global *)ud)->cgroup_root, it, valid_abs_path,
			      "expected an absolute, normalised path", diag);
}

static int g_overcommit(const struct ini_item *it, void *ud, struct diag *diag)
{
	return g_uint(it, 1, 10000, &((struct mpj_global *)ud)->overcommit_pct, diag);
}

static int g_db_socket_dir(const struct ini_item *it, void *ud, struct diag *diag)
{
	return ini_set_string(&((struct mpj_global *)ud)->db_socket_dir, it, valid_abs_path,
			      "expected an absolute, normalised path", diag);
}

static int g_backoff(const struct ini_item *it, void *ud, struct diag *diag)
{
	return g_uint(it, 1, 86400, &((struct mpj_global *)ud)->restart_max_backoff, diag);
}

static const struct ini_key global_keys[] = {
	{ "min_uid", g_min_uid },
	{ "min_gid", g_min_gid },
	{ "port_range", g_port_range },
	{ "cgroup_root", g_cgroup_root },
	{ "overcommit", g_overcommit },
	{ "db_socket_dir", g_db_socket_dir },
	{ "restart_backoff_max", g_backoff },
};

static const struct ini_section global_sections[] = {
	{ "mpjail", global_keys, ARRAY_SIZE(global_keys), NULL, NULL },
};

int global_load(const struct mpj_paths *paths, struct mpj_global *ret, struct diag *diag)
{
	_cleanup_free_ char *path = xasprintf("%s/mpjail.conf", paths->config_dir);
	_cleanup_fclose_ FILE *f = NULL;
	struct mpj_global g;
	int r;

	r = config_open(path, true, &f, diag);
	if (r < 0)
		return r;
	global_init_defaults(&g);
	if (f) {
		r = ini_parse(f, path, global_sections, ARRAY_SIZE(global_sections), &g, diag);
		if (r < 0) {
			global_free(&g);
			return r;
		}
	}
	*ret = g;
	return 0;
}
