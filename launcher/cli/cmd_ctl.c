/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mpjail status|restart|reload|stop [--json] [NAME]: ask a tenant's
 * supervisor over its control socket.  No privilege of our own: the socket
 * is 0666 and the supervisor decides by SO_PEERCRED who may ask, so this
 * runs as the tenant, as root, or inside the tenant's jail. */
#define _GNU_SOURCE
#include "cli/cli.h"
#include "control/control.h"

int cmd_ctl(struct mpj_cmd_ctx *ctx, int argc, char **argv)
{
	const char *name = NULL;
	enum ctl_verb verb;
	int optind_, r;

	r = cli_parse(ctx, argc, argv, cli_json_options, NULL, cli_json_option, NULL, false,
		      &optind_);
	if (r != 0)
		return r > 0 ? 0 : EXIT_MPJ_CONFIG;
	if (strcmp(ctx->cmd, "status") == 0)
		verb = ctx->json ? CTL_STATUS_JSON : CTL_STATUS;
	else if (ctx->json)
		return cli_usage_error(ctx, "--json is for `status` only");
	else if (ctl_verb_from_name(ctx->cmd, &verb) < 0)
		return cli_usage_error(ctx, "not a control command");
	if (argc - optind_ > 1)
		return cli_usage_error(ctx, "expected at most one tenant NAME");
	r = cli_valid_names(ctx, argv + optind_, (size_t)(argc - optind_));
	if (r != 0)
		return r;
	if (argc - optind_ == 1)
		name = argv[optind_];

	return ctl_client(&ctx->paths, ctx->cmd, verb, name);
}
