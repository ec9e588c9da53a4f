/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "cli/cli.h"

#include <stdarg.h>
#include <stddef.h>

#include "base/log.h"
#include "cgroup/cgroup.h"
#include "cli/help.h"
#include "config/global.h"

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
	/* No command yet: an option before it (cli_parse_global). */
	const char *sep = ctx->cmd ? " " : "", *cmd = ctx->cmd ?: "";
	va_list ap;

	fprintf(stderr, "mpjail%s%s: ", sep, cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'mpjail%s%s --help'.\n", sep, cmd);
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

/* One table for the four path options: slot in struct mpj_paths, bit in
 * ctx->paths_given. */
static const struct {
	int opt;
	const char *name;
	size_t offset;
} path_opts[] = {
	{ OPT_CONFIG_DIR, "--config-dir", offsetof(struct mpj_paths, config_dir) },
	{ OPT_STATE_DIR, "--state-dir", offsetof(struct mpj_paths, state_dir) },
	{ OPT_RUN_DIR, "--run-dir", offsetof(struct mpj_paths, run_dir) },
	{ OPT_DATA_DIR, "--data-dir", offsetof(struct mpj_paths, data_dir) },
};

/* Returns 1 when opt is not a path option. */
static int set_path(struct mpj_cmd_ctx *ctx, int opt, const char *arg)
{
	for (size_t i = 0; i < ARRAY_SIZE(path_opts); i++) {
		const char **slot;

		if (path_opts[i].opt != opt)
			continue;
		slot = (const char **)((char *)&ctx->paths + path_opts[i].offset);
		/* Twice is an error, not last-wins: `mpjail --config-dir A stop
		 * --config-dir B x` would otherwise act on a tenant the admin may
		 * not have meant (docs/style.md P2). */
		if (ctx->paths_given & (1u << i)) {
			(void)cli_usage_error(ctx, "%s given twice (`%s`, then `%s`)",
					      path_opts[i].name, *slot, arg);
			return -EINVAL;
		}
		if (!valid_abs_path(arg)) {
			fprintf(stderr, "mpjail: %s needs an absolute, normalised path, got `%s`\n",
				path_opts[i].name, arg);
			return -EINVAL;
		}
		*slot = arg;
		ctx->paths_given |= 1u << i;
		return 0;
	}
	return 1;
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

	/* 0, not 1: glibc re-reads the optstring's '+' and forgets the previous
	 * scan only then, and main parses twice (before and after the command). */
	optind = 0;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, shorts, all, NULL);

		if (c == -1)
			break;
		switch (c) {
		case OPT_CONFIG_DIR:
		case OPT_STATE_DIR:
		case OPT_RUN_DIR:
		case OPT_DATA_DIR:
			r = set_path(ctx, c, optarg);
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

enum { OPT_VERSION = 0x1900 };

static const struct option version_options[] = {
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static int version_option(struct mpj_cmd_ctx *ctx, int opt, const char *arg, void *userdata)
{
	(void)ctx;
	(void)arg;
	if (opt != OPT_VERSION)
		return -EINVAL;
	*(bool *)userdata = true;
	return 0;
}

int cli_parse_global(struct mpj_cmd_ctx *ctx, int argc, char **argv, int *ret_cmd)
{
	bool version = false;
	int r, ind;

	/* ctx->cmd is NULL: messages say "mpjail: ..." and --help is the overview.
	 * Stop at the first positional, the command. */
	r = cli_parse(ctx, argc, argv, version_options, NULL, version_option, &version, true, &ind);
	if (r != 0)
		return r;
	if (version) {
		printf("mpjail %s\n", MPJAIL_VERSION);
		return 1;
	}
	*ret_cmd = ind;
	return 0;
}

int cli_enter_scope(const struct mpj_cmd_ctx *ctx, const char *name)
{
	struct mpj_global g;
	struct diag d = { 0 };
	int r;

	if (!cgroup_scope_possible())
		return 0;
	/* Only cgroup_root matters here; a broken mpjail.conf is reported by
	 * the command's own load right after. */
	global_init_defaults(&g);
	r = global_load(&ctx->paths, &g, &d) < 0 ? 0 : cgroup_scope_needed(g.cgroup_root);
	diag_clear(&d);
	global_free(&g);
	if (r <= 0)
		return 0;
	r = cgroup_enter_scope(ctx->cmd, name, ctx->argv);
	log_error_errno("scope", r,
			"our cgroup is shared with other processes (a login session?), so "
			"systemd must give us a delegated scope of our own, but `systemd-run "
			"--scope` could not be started; run `mpjail %s` from a unit with "
			"Delegate=yes, or set cgroup_root in mpjail.conf",
			ctx->cmd);
	return EXIT_MPJ_SETUP;
}
