/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "cli/cli.h"

#include <stdarg.h>

#include "base/log.h"
#include "cli/help.h"

enum {
	OPT_CONFIG_DIR = 0x1000,
	OPT_STATE_DIR,
	OPT_RUN_DIR,
	OPT_DATA_DIR,
};

static const struct option global_opts[] = {
	{ "config-dir", required_argument, NULL, OPT_CONFIG_DIR },
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
	{ "run-dir", required_argument, NULL, OPT_RUN_DIR },
	{ "data-dir", required_argument, NULL, OPT_DATA_DIR },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
};

enum { OPT_JSON = 0x1800 };

const struct option cli_json_options[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ NULL, 0, NULL, 0 },
};

int cli_json_option(struct mpj_cmd_ctx *ctx, int opt, const char *arg, void *userdata)
{
	(void)arg;
	(void)userdata;
	switch (opt) {
	case OPT_JSON:
		ctx->json = true;
		return 0;
	default:
		return -EINVAL;
	}
}

int cli_usage_error(const struct mpj_cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mpjail %s: ", ctx->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'mpjail %s --help'.\n", ctx->cmd);
	return EXIT_MPJ_CONFIG;
}

void cli_print_help(const char *cmd) { fputs(help_text(cmd), stdout); }

int cli_require_root(const struct mpj_cmd_ctx *ctx)
{
	if (geteuid() == 0)
		return 0;
	fprintf(stderr, "mpjail %s: must be run as root (it creates namespaces and mounts)\n",
		ctx->cmd);
	return -EPERM;
}

int cli_valid_names(const struct mpj_cmd_ctx *ctx, char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!valid_name(names[i]))
			return cli_usage_error(ctx, "invalid tenant name `%s`", names[i]);
	return 0;
}

int cli_tenants(const struct mpj_cmd_ctx *ctx, char *const *names, size_t n)
{
	int r = cli_valid_names(ctx, names, n);

	if (r != 0)
		return r;
	return cli_require_root(ctx) < 0 ? EXIT_MPJ_CONFIG : 0;
}

int cli_one_tenant(const struct mpj_cmd_ctx *ctx, int argc, char **argv, int optind,
		   const char **ret_name)
{
	int r;

	if (optind != argc - 1)
		return cli_usage_error(ctx, "expected exactly one tenant NAME");
	r = cli_tenants(ctx, argv + optind, 1);
	if (r != 0)
		return r;
	if (ret_name)
		*ret_name = argv[optind];
	return 0;
}

static int set_path(const char **slot, const char *arg, const char *opt)
{
	if (!valid_abs_path(arg)) {
		fprintf(stderr, "mpjail: %s needs an absolute, normalised path, got `%s`\n", opt,
			arg);
		return -EINVAL;
	}
	*slot = arg;
	return 0;
}

int cli_parse(struct mpj_cmd_ctx *ctx, int argc, char **argv, const struct option *opts,
	      const char *shortopts, cli_opt_fn fn, void *userdata, bool stop_at_positional,
	      int *ret_optind)
{
	_cleanup_free_ struct option *all = NULL;
	_cleanup_free_ char *shorts = NULL;
	size_t n_opts = 0, n_global = ARRAY_SIZE(global_opts);
	int r;

	while (opts && opts[n_opts].name)
		n_opts++;
	all = xcalloc(n_opts + n_global + 1, sizeof(struct option));
	memcpy(all, global_opts, sizeof global_opts);
	if (n_opts)
		memcpy(all + n_global, opts, n_opts * sizeof(struct option));
	/* '+': stop at the first positional so exec's command keeps its options. */
	shorts = xasprintf("%svqh%s", stop_at_positional ? "+" : "", shortopts ?: "");

	optind = 1;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, shorts, all, NULL);

		if (c == -1)
			break;
		switch (c) {
		case OPT_CONFIG_DIR:
			r = set_path(&ctx->paths.config_dir, optarg, "--config-dir");
			break;
		case OPT_STATE_DIR:
			r = set_path(&ctx->paths.state_dir, optarg, "--state-dir");
			break;
		case OPT_RUN_DIR:
			r = set_path(&ctx->paths.run_dir, optarg, "--run-dir");
			break;
		case OPT_DATA_DIR:
			r = set_path(&ctx->paths.data_dir, optarg, "--data-dir");
			break;
		case 'v':
			log_set_level(LOG_LVL_DEBUG);
			r = 0;
			break;
		case 'q':
			log_set_level(LOG_LVL_WARN);
			r = 0;
			break;
		case 'h':
			cli_print_help(ctx->cmd);
			return 1;
		case '?':
			if (optopt && optopt < 0x1000)
				(void)cli_usage_error(ctx, "unknown or incomplete option `-%c`",
						      optopt);
			else
				(void)cli_usage_error(ctx, "unknown or incomplete option `%s`",
						      argv[optind - 1]);
			return -EINVAL;
		default:
			r = fn ? fn(ctx, c, optarg, userdata) : -EINVAL;
			if (!fn)
				(void)cli_usage_error(ctx, "unexpected option");
			break;
		}
		if (r < 0)
			return -EINVAL;
	}
	*ret_optind = optind;
	return 0;
}
