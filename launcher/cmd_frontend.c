/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli.h"

/* placeholder: being written */
int cmd_frontend(struct mpj_cmd_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "mpjail %s: not implemented yet\n", ctx->cmd);
	return EXIT_MPJ_FAILURE;
}
