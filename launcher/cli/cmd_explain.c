/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mpjail explain [--json] NAME: the policy `run` would apply to a tenant. */
#define _GNU_SOURCE
#include "admin/explain.h"
#include "cli/cli.h"

int cmd_explain(struct mpj_cmd_ctx *ctx, int argc, char **argv)
{
	struct mpj_launch l = { 0 };
	struct diag d = { 0 };
	int optind_, r;

	r = cli_parse(ctx, argc, argv, cli_json_options, NULL, cli_json_option, NULL, false,
		      &optind_);
	if (r != 0)
		return r > 0 ? 0 : EXIT_MPJ_CONFIG;
	r = cli_one_tenant(ctx, argc, argv, optind_, NULL);
	if (r != 0)
		return r;

	/* The profile's command (argv NULL) in explain mode (exec's checks):
	 * explain describes `run` without refusing a port held by the tenant's
	 * own running server, and reports the holder instead; a kernel without
	 * Landlock network rules is shown rather than refused. */
	r = launch_prepare(&l, &ctx->paths, argv[optind_], LAUNCH_EXPLAIN, NULL, &d);
	if (r >= 0)
		r = explain_print(&l, ctx->json, stdout, &d);
	if (r >= 0 && fflush(stdout) != 0)
		r = negerrno();
	if (r < 0) {
		if (d.msg)
			diag_print(&d);
		else
			fprintf(stderr, "mpjail explain: %s\n", strerror(-r));
		diag_clear(&d);
		launch_done(&l);
		return EXIT_MPJ_CONFIG;
	}
	diag_clear(&d);
	launch_done(&l);
	return EXIT_MPJ_OK;
}
