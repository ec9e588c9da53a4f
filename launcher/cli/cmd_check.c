/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mpjail check [--json] [NAME...]: audit the registry, each tenant (profile,
 * account, home, credentials, jail tree, limits, ports) and the host; the
 * checks are admin/check*.c.  Read-only: nothing is created, changed or
 * started.  Exit 0 without a FAIL, 1 with one, 100 when mpjail.conf or the
 * command line is wrong. */
#define _GNU_SOURCE
#include "admin/check.h"
#include "cli/cli.h"

int cmd_check(struct mpj_cmd_ctx *ctx, int argc, char **argv)
{
	struct check_report rep = { 0 };
	struct diag d = { 0 };
	const char *unknown = NULL;
	int optind_, r, code;

	r = cli_parse(ctx, argc, argv, cli_json_options, NULL, cli_json_option, NULL, false,
		      &optind_);
	if (r != 0)
		return r > 0 ? 0 : EXIT_MPJ_CONFIG;
	r = cli_tenants(ctx, argv + optind_, (size_t)(argc - optind_));
	if (r != 0)
		return r;
	r = check_all(&ctx->paths, argv + optind_, (size_t)(argc - optind_), &rep, &unknown, &d);
	if (unknown)
		return cli_usage_error(ctx, "no tenant `%s` in %s/tenants", unknown,
				       ctx->paths.config_dir);
	if (r < 0) {
		diag_print(&d);
		diag_clear(&d);
		return EXIT_MPJ_CONFIG;
	}
	check_report_print(&rep, ctx->json, stdout);
	code = rep.count[CHECK_FAIL] ? EXIT_MPJ_FAILURE : EXIT_MPJ_OK;
	if (fflush(stdout) != 0)
		code = EXIT_MPJ_FAILURE;
	check_report_done(&rep);
	return code;
}
