/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mpjail: dispatch to a subcommand.  Orchestration only. */
#define _GNU_SOURCE
#include <sys/prctl.h>
#include <sys/resource.h>

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

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

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
	int r, c;

	ctx.argv = argv;

	/* A root-run tool that touches tenant trees must not be ptrace-able or
	 * dump core with their data in memory (docs/threats.md T4, T28). */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

	/* A thousand tenants are a thousand homes, trees and sockets: `build
	 * --all` holds each tenant's home open from phase 1 to phase 2, `check`
	 * and `frontend` read every tenant.  The soft open-file limit a login or
	 * a service gets (1024) is below that, so take the hard limit, as any
	 * process may; the jails set their own (the profile's `rlimit nofile`),
	 * and nothing here uses select() (docs/design.md, "Density"). */
	raise_nofile();

	/* Options may come before the command too (`mpjail --config-dir DIR status`). */
	r = cli_parse_global(&ctx, argc, argv, &c);
	if (r != 0)
		return r > 0 ? 0 : EXIT_MPJ_CONFIG;
	if (argc < 2) {
		fputs(help_text(NULL), stderr);
		return EXIT_MPJ_CONFIG;
	}
	if (c >= argc)
		return cli_usage_error(&ctx, "no COMMAND after the options");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(argv[c], commands[i].name) == 0) {
			ctx.cmd = commands[i].name;
			return commands[i].fn(&ctx, argc - c, argv + c);
		}
	fprintf(stderr, "mpjail: unknown command `%s`\nTry 'mpjail --help'.\n", argv[c]);
	return EXIT_MPJ_CONFIG;
}
