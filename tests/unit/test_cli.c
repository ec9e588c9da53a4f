/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command line's common options (launcher/cli/cli.c): before the command
 * (cli_parse_global, as main() calls it), after it (cli_parse, as each
 * command calls it), both spellings, and every refusal with its message. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

#define CTX_DEFAULTS                                     \
	{                                                \
		.paths = {                               \
			.config_dir = "/etc/mpjail",     \
			.state_dir = "/var/lib/mpjail",  \
			.run_dir = "/run/mpjail",        \
			.data_dir = "/usr/share/mpjail", \
		},                                       \
	}

/* What main() does: the options before the command, then the command's own
 * parse of argv + cmd (argv[0] = the command).  Returns cli_parse's result,
 * or the global one when that already ended it; *cmd_optind is the first
 * argument the command did not parse (relative to argv + cmd). */
static int parse_like_main(struct mpj_cmd_ctx *ctx, int argc, char **argv, int *cmd,
			   int *cmd_optind)
{
	int r = cli_parse_global(ctx, argc, argv, cmd);

	if (r != 0 || *cmd >= argc)
		return r;
	ctx->cmd = argv[*cmd];
	return cli_parse(ctx, argc - *cmd, argv + *cmd, cli_json_options, NULL, cli_json_option,
			 NULL, false, cmd_optind);
}

/* Everything written to the redirected stderr so far. */
static char *stderr_text(void)
{
	static char buf[4096];
	FILE *f;
	size_t n;

	fflush(stderr);
	f = cr_get_redirected_stderr();
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	return buf;
}

Test(cli, options_before_the_command)
{
	struct mpj_cmd_ctx ctx = CTX_DEFAULTS;
	char *argv[] = { "mpjail", "--config-dir", "/srv/conf", "--run-dir=/srv/run",
			 "status", "alice",        NULL };
	int cmd = -1, ind = -1;

	cr_assert_eq(parse_like_main(&ctx, 6, argv, &cmd, &ind), 0);
	cr_assert_eq(cmd, 4);
	cr_assert_str_eq(argv[cmd], "status");
	cr_assert_str_eq(ctx.paths.config_dir, "/srv/conf");
	cr_assert_str_eq(ctx.paths.run_dir, "/srv/run");
	cr_assert_str_eq(ctx.paths.state_dir, "/var/lib/mpjail", "untouched: the default");
	cr_assert_str_eq(ctx.paths.data_dir, "/usr/share/mpjail");
	cr_assert_eq(ind, 1);
	cr_assert_str_eq(argv[cmd + ind], "alice");
}

Test(cli, options_after_the_command_as_before)
{
	struct mpj_cmd_ctx ctx = CTX_DEFAULTS;
	char *argv[] = { "mpjail", "status", "--state-dir=/srv/state", "--data-dir", "/srv/data",
			 "alice",  NULL };
	int cmd = -1, ind = -1;

	cr_assert_eq(parse_like_main(&ctx, 6, argv, &cmd, &ind), 0);
	cr_assert_eq(cmd, 1);
	cr_assert_str_eq(ctx.paths.state_dir, "/srv/state");
	cr_assert_str_eq(ctx.paths.data_dir, "/srv/data");
	cr_assert_str_eq(ctx.paths.config_dir, "/etc/mpjail");
	cr_assert_str_eq(argv[cmd + ind], "alice");
}

/* The second parse must not inherit the first one's '+' (stop at the first
 * positional): glibc re-reads it only when optind is 0.  With the stale
 * ordering, --json after NAME would be left unparsed. */
Test(cli, command_options_after_a_positional_still_parse)
{
	struct mpj_cmd_ctx ctx = CTX_DEFAULTS;
	char *argv[] = { "mpjail", "-q",     "--config-dir", "/c", "status",
			 "alice",  "--json", "--run-dir",    "/r", NULL };
	int cmd = -1, ind = -1;

	cr_assert_eq(parse_like_main(&ctx, 9, argv, &cmd, &ind), 0);
	cr_assert(ctx.json, "--json after NAME was parsed");
	cr_assert_str_eq(ctx.paths.config_dir, "/c");
	cr_assert_str_eq(ctx.paths.run_dir, "/r");
	cr_assert_eq(ind, 4, "positionals permuted to the end");
	cr_assert_str_eq(argv[cmd + ind], "alice");
}

Test(cli, the_command_own_options_stay_with_it)
{
	struct mpj_cmd_ctx ctx = CTX_DEFAULTS;
	/* --json before the command is not a common option. */
	char *argv[] = { "mpjail", "--json", "status", NULL };
	int cmd = -1;

	cr_redirect_stderr();
	cr_assert_eq(cli_parse_global(&ctx, 3, argv, &cmd), -EINVAL);
	cr_assert(strstr(stderr_text(), "mpjail: unknown or incomplete option `--json`"), "got: %s",
		  stderr_text());
}

Test(cli, unknown_option_before_the_command_is_named)
{
	struct mpj_cmd_ctx ctx = CTX_DEFAULTS;
	char *argv[] = { "mpjail", "--config-dir", "/c", "--bogus=1", "status", NULL };
	char *argv2[] = { "mpjail", "-x", "status", NULL };
	int cmd = -1;

	cr_redirect_stderr();
	cr_assert_eq(cli_parse_global(&ctx, 5, argv, &cmd), -EINVAL);
	cr_assert_eq(cmd, -1, "no command index on failure");
	cr_assert(strstr(stderr_text(), "mpjail: unknown or incomplete option `--bogus=1`\n"
					"Try 'mpjail --help'.\n"),
		  "got: %s", stderr_text());
	ctx = (struct mpj_cmd_ctx)CTX_DEFAULTS;
	cr_assert_eq(cli_parse_global(&ctx, 3, argv2, &cmd), -EINVAL);
	cr_assert(strstr(stderr_text(), "unknown or incomplete option `-x`"), "got: %s",
		  stderr_text());
}

Test(cli, missing_argument_before_the_command)
{
	struct mpj_cmd_ctx ctx = CTX_DEFAULTS;
	char *argv[] = { "mpjail", "--state-dir", NULL };
	int cmd = -1;

	cr_redirect_stderr();
	cr_assert_eq(cli_parse_global(&ctx, 2, argv, &cmd), -EINVAL);
	cr_assert(strstr(stderr_text(), "incomplete option `--state-dir`"), "got: %s",
		  stderr_text());
}

Test(cli, relative_path_refused_before_the_command)
{
	struct mpj_cmd_ctx ctx = CTX_DEFAULTS;
	char *argv[] = { "mpjail", "--config-dir=etc/mpjail", "status", NULL };
	int cmd = -1;

	cr_redirect_stderr();
	cr_assert_eq(cli_parse_global(&ctx, 3, argv, &cmd), -EINVAL);
	cr_assert(strstr(stderr_text(), "--config-dir needs an absolute, normalised path, got "
					"`etc/mpjail`"),
		  "got: %s", stderr_text());
	cr_assert_str_eq(ctx.paths.config_dir, "/etc/mpjail", "default kept");
}

Test(cli, same_option_before_and_after_is_an_error)
{
	struct mpj_cmd_ctx ctx = CTX_DEFAULTS;
	char *argv[] = { "mpjail", "--config-dir", "/a", "stop", "--config-dir=/b", "alice", NULL };
	int cmd = -1, ind = -1;

	cr_redirect_stderr();
	cr_assert_eq(parse_like_main(&ctx, 6, argv, &cmd, &ind), -EINVAL);
	cr_assert(strstr(stderr_text(), "mpjail stop: --config-dir given twice (`/a`, then `/b`)"),
		  "got: %s", stderr_text());
}

Test(cli, same_option_twice_on_one_side_is_an_error)
{
	struct mpj_cmd_ctx ctx = CTX_DEFAULTS;
	char *before[] = { "mpjail", "--run-dir=/a", "--run-dir=/a", "status", NULL };
	char *after[] = { "mpjail", "status", "--data-dir", "/a", "--data-dir", "/b", NULL };
	int cmd = -1, ind = -1;

	cr_redirect_stderr();
	cr_assert_eq(cli_parse_global(&ctx, 4, before, &cmd), -EINVAL, "even with the same value");
	cr_assert(strstr(stderr_text(), "mpjail: --run-dir given twice"), "got: %s", stderr_text());
	ctx = (struct mpj_cmd_ctx)CTX_DEFAULTS;
	cr_assert_eq(parse_like_main(&ctx, 6, after, &cmd, &ind), -EINVAL);
	cr_assert(strstr(stderr_text(), "mpjail status: --data-dir given twice"), "got: %s",
		  stderr_text());
}

Test(cli, different_options_on_both_sides_combine)
{
	struct mpj_cmd_ctx ctx = CTX_DEFAULTS;
	char *argv[] = { "mpjail", "--config-dir=/c", "check", "--state-dir", "/s", NULL };
	int cmd = -1, ind = -1;

	cr_assert_eq(parse_like_main(&ctx, 5, argv, &cmd, &ind), 0);
	cr_assert_str_eq(ctx.paths.config_dir, "/c");
	cr_assert_str_eq(ctx.paths.state_dir, "/s");
	cr_assert_eq(ind, 3, "no positional left");
}

Test(cli, version_and_help_before_the_command)
{
	struct mpj_cmd_ctx ctx = CTX_DEFAULTS;
	char *version[] = { "mpjail", "--version", NULL };
	char *help[] = { "mpjail", "--config-dir", "/c", "-h", "status", NULL };
	char out[8192];
	size_t n;
	int cmd = -1;

	cr_redirect_stdout();
	cr_assert_eq(cli_parse_global(&ctx, 2, version, &cmd), 1);
	cr_assert_eq(cli_parse_global(&ctx, 5, help, &cmd), 1);
	fflush(stdout);
	n = fread(out, 1, sizeof out - 1, cr_get_redirected_stdout());
	out[n] = '\0';
	cr_assert(strncmp(out, "mpjail " MPJAIL_VERSION "\n",
			  strlen("mpjail " MPJAIL_VERSION "\n")) == 0,
		  "got: %s", out);
	cr_assert(strstr(out, "Usage: mpjail [COMMON OPTIONS] COMMAND"), "the overview: %s", out);
}

Test(cli, no_command_after_the_options)
{
	struct mpj_cmd_ctx ctx = CTX_DEFAULTS;
	char *argv[] = { "mpjail", "--config-dir", "/c", NULL };
	int cmd = -1;

	cr_assert_eq(cli_parse_global(&ctx, 3, argv, &cmd), 0);
	cr_assert_eq(cmd, 3, "argc: there is no command");
}

Test(cli, double_dash_ends_the_options_before_the_command)
{
	struct mpj_cmd_ctx ctx = CTX_DEFAULTS;
	char *argv[] = { "mpjail", "--run-dir", "/r", "--", "status", NULL };
	int cmd = -1;

	cr_assert_eq(cli_parse_global(&ctx, 5, argv, &cmd), 0);
	cr_assert_str_eq(argv[cmd], "status");
}
