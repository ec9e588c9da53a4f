/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mpjail frontend [--format F] [--output DIR]: write the frontend's host ->
 * backend maps from the tenant registry (frontend_update() in admin/). */
#define _GNU_SOURCE
#include "admin/frontend.h"
#include "cli/cli.h"

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
	_cleanup_free_ char *default_out = NULL;
	int ind, r;

	r = cli_parse(ctx, argc, argv, frontend_opts, NULL, frontend_opt, &args, false, &ind);
	if (r != 0)
		return r > 0 ? EXIT_MPJ_OK : EXIT_MPJ_CONFIG;
	if (ind < argc)
		return cli_usage_error(ctx, "unexpected argument `%s`", argv[ind]);
	if (cli_require_root(ctx) < 0)
		return EXIT_MPJ_CONFIG;
	if (!args.output)
		args.output = default_out = xasprintf("%s/frontend", ctx->paths.config_dir);
	return frontend_update(&ctx->paths, args.format, args.output);
}
