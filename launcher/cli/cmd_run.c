/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mpjail run NAME: what an init unit runs (ExecStart=mpjail run %i). */
#define _GNU_SOURCE
#include "cli/cli.h"
#include "config/global.h"
#include "config/identity.h"
#include "supervise/supervise.h"

enum { OPT_NO_RESTART = 0x2000, OPT_STOP_TIMEOUT, OPT_READY_TIMEOUT, OPT_TIMINGS };

static const struct option run_opts[] = {
	{ "no-restart", no_argument, NULL, OPT_NO_RESTART },
	{ "stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT },
	{ "ready-timeout", required_argument, NULL, OPT_READY_TIMEOUT },
	{ "timings", no_argument, NULL, OPT_TIMINGS },
	{ NULL, 0, NULL, 0 },
};

static int run_opt(struct mpj_cmd_ctx *ctx, int opt, const char *arg, void *userdata)
{
	struct sv_options *o = userdata;

	switch (opt) {
	case OPT_NO_RESTART:
		o->restart = false;
		return 0;
	case OPT_STOP_TIMEOUT:
		if (parse_uint_range(arg, 1, 3600, &o->stop_timeout) < 0)
			return cli_usage_error(ctx,
					       "--stop-timeout takes 1..3600 seconds, not `%s`",
					       arg),
			       -EINVAL;
		return 0;
	case OPT_READY_TIMEOUT:
		if (parse_uint_range(arg, 1, 3600, &o->ready_timeout) < 0)
			return cli_usage_error(ctx,
					       "--ready-timeout takes 1..3600 seconds, not `%s`",
					       arg),
			       -EINVAL;
		return 0;
	case OPT_TIMINGS:
		o->timings = true;
		return 0;
	default:
		return -EINVAL;
	}
}

int cmd_run(struct mpj_cmd_ctx *ctx, int argc, char **argv)
{
	struct sv_options o = { .restart = true, .stop_timeout = 10, .ready_timeout = 30 };
	struct mpj_global g;
	struct diag d = { 0 };
	const char *name;
	int optind_, r;

	r = cli_parse(ctx, argc, argv, run_opts, NULL, run_opt, &o, false, &optind_);
	if (r != 0)
		return r > 0 ? 0 : EXIT_MPJ_CONFIG;
	r = cli_one_tenant(ctx, argc, argv, optind_, &name);
	if (r != 0)
		return r;
	/* From a login shell on a systemd host: first a scope of our own. */
	r = cli_enter_scope(ctx, name);
	if (r != 0)
		return r;
	global_init_defaults(&g);
	r = global_load(&ctx->paths, &g, &d);
	if (r < 0) {
		diag_print(&d);
		diag_clear(&d);
		return EXIT_MPJ_CONFIG;
	}
	o.backoff_max = g.restart_max_backoff;
	global_free(&g);
	/* The supervisor lives for days: account lookups in a child, so no NSS
	 * module maps into it (docs/design.md, "Light pid 1"). */
	identity_nss_in_child(true);
	return supervise(&ctx->paths, name, &o);
}
