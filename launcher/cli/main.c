/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mpjail: dispatch to a subcommand.  Orchestration only. */
#define _GNU_SOURCE
#include <sys/prctl.h>

#include "cli/cli.h"
#include "cli/help.h"

typedef int (*cmd_fn)(struct mpj_cmd_ctx *ctx, int argc, char **argv);

static const struct {
	const char *name;
	cmd_fn fn;
} commands[] = {
	{ "build", cmd_build }, { "exec", cmd_exec },       { "run", cmd_run },
	{ "check", cmd_check }, { "explain", cmd_explain }, { "frontend", cmd_frontend },
	{ "status", cmd_ctl },  { "restart", cmd_ctl },     { "reload", cmd_ctl },
	{ "stop", cmd_ctl },
};

int main(int argc, char **argv)
{
	struct mpj_cmd_ctx ctx = {
		.paths = {
			.config_dir = "/etc/mpjail",
			.state_dir = "/var/lib/mpjail",
			.run_dir = "/run/mpjail",
			.data_dir = MPJAIL_DATADIR,
		},
	};

	/* A root-run tool that touches tenant trees must not be ptrace-able or
	 * dump core with their data in memory (docs/threats.md T4, T28). */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(help_text(NULL), argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_MPJ_CONFIG : 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("mpjail %s\n", MPJAIL_VERSION);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0) {
			ctx.cmd = commands[i].name;
			return commands[i].fn(&ctx, argc - 1, argv + 1);
		}
	fprintf(stderr, "mpjail: unknown command `%s`\nTry 'mpjail --help'.\n", argv[1]);
	return EXIT_MPJ_CONFIG;
}
