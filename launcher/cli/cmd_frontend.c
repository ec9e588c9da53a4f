/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mpjail frontend: write the frontend's host -> backend maps from the tenant
 * registry.  Everything is loaded and checked before the first file is
 * touched; each file is then replaced atomically. */
#define _GNU_SOURCE
#include "admin/frontend.h"
#include "cli/cli.h"
#include "config/files.h"
#include "config/global.h"
#include "config/registry.h"
#include "config/tenant.h"

enum {
	OPT_FORMAT = 0x2000,
	OPT_OUTPUT,
};

static const struct option frontend_opts[] = {
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ 0 },
};

struct frontend_args {
	enum frontend_format format;
	const char *output; /* NULL: CONFIG/frontend */
};

static int frontend_opt(struct mpj_cmd_ctx *ctx, int opt, const char *arg, void *userdata)
{
	struct frontend_args *a = userdata;

	switch (opt) {
	case OPT_FORMAT:
		if (frontend_format_from_string(arg, &a->format) < 0) {
			(void)cli_usage_error(ctx, "unknown --format `%s` (apache or nginx)", arg);
			return -EINVAL;
		}
		return 0;
	case OPT_OUTPUT:
		if (!valid_abs_path(arg)) {
			(void)cli_usage_error(ctx,
					      "--output needs an absolute, normalised path, got `%s`",
					      arg);
			return -EINVAL;
		}
		a->output = arg;
		return 0;
	default:
		(void)cli_usage_error(ctx, "unexpected option");
		return -EINVAL;
	}
}

int cmd_frontend(struct mpj_cmd_ctx *ctx, int argc, char **argv)
{
	struct frontend_args args = { .format = FRONTEND_APACHE };
	struct frontend_file files[FRONTEND_MAX_FILES] = { 0 };
	struct mpj_global g = { 0 };
	struct mpj_tenant **tenants = NULL;
	struct diag diag = { 0 };
	_cleanup_free_ char *default_out = NULL;
	_cleanup_close_ int dirfd = -1;
	size_t n_tenants = 0, n_files = 0, routed, hosts, changed = 0;
	unsigned eph_lo, eph_hi;
	int ind, r, ret = EXIT_MPJ_CONFIG;

	r = cli_parse(ctx, argc, argv, frontend_opts, NULL, frontend_opt, &args, false, &ind);
	if (r != 0)
		return r > 0 ? EXIT_MPJ_OK : EXIT_MPJ_CONFIG;
	if (ind < argc)
		return cli_usage_error(ctx, "unexpected argument `%s`", argv[ind]);
	if (cli_require_root(ctx) < 0)
		return EXIT_MPJ_CONFIG;
	if (!args.output)
		args.output = default_out = xasprintf("%s/frontend", ctx->paths.config_dir);

	r = global_load(&ctx->paths, &g, &diag);
	if (r < 0)
		goto config_error;
	r = tenant_load_all(&ctx->paths, &tenants, &n_tenants, &diag);
	if (r < 0)
		goto config_error;
	/* The same registry checks as build and check: a host name claimed by
	 * two tenants would route one tenant's visitors to the other. */
	r = registry_ephemeral_range(&eph_lo, &eph_hi);
	if (r < 0) {
		log_error_errno(ctx->cmd, r, "cannot read net.ipv4.ip_local_port_range");
		ret = EXIT_MPJ_SETUP;
		goto out;
	}
	r = registry_check(&g, tenants, n_tenants, eph_lo, eph_hi, &diag);
	if (r < 0)
		goto config_error;
	r = frontend_render(args.format, tenants, n_tenants, files, &n_files, &diag);
	if (r < 0)
		goto config_error;

	r = frontend_open_dir(args.output, &dirfd, &diag);
	if (r < 0) {
		diag_print(&diag);
		ret = r == -EPERM ? EXIT_MPJ_CONFIG : EXIT_MPJ_SETUP;
		goto out;
	}
	for (size_t i = 0; i < n_files; i++) {
		r = frontend_write_at(dirfd, files[i].name, files[i].text);
		if (r < 0) {
			log_error_errno(ctx->cmd, r, "cannot write `%s/%s`%s", args.output,
					files[i].name,
					i > 0 ? " (the files before it were replaced)" : "");
			ret = EXIT_MPJ_SETUP;
			goto out;
		}
		changed += r;
		log_info(ctx->cmd, "%s `%s/%s`", r > 0 ? "wrote" : "unchanged", args.output,
			 files[i].name);
	}

	hosts = frontend_count_hosts(tenants, n_tenants, &routed);
	log_info(ctx->cmd, "%s: %zu host name%s for %zu of %zu tenant%s",
		 frontend_format_to_string(args.format), hosts, hosts == 1 ? "" : "s", routed,
		 n_tenants, n_tenants == 1 ? "" : "s");
	if (changed && args.format == FRONTEND_APACHE)
		log_info(ctx->cmd, "hosts.map is re-read by Apache when it changes; "
				   "reload the frontend when backends.conf changed");
	else if (changed)
		log_info(ctx->cmd, "reload nginx to apply (nginx -s reload)");
	ret = EXIT_MPJ_OK;
	goto out;

config_error:
	diag_print(&diag);
	ret = EXIT_MPJ_CONFIG;
out:
	frontend_files_free(files, n_files);
	tenant_free_all(tenants, n_tenants);
	global_free(&g);
	diag_clear(&diag);
	return ret;
}
