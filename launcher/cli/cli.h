/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command-line plumbing shared by every subcommand. */
#pragma once

#include <getopt.h>

#include "base/util.h"
#include "config/model.h"
#include "jail/stage.h"

struct mpj_cmd_ctx {
	struct mpj_paths paths;
	const char *cmd;      /* subcommand name */
	bool json;            /* --json where a command supports it */
	unsigned paths_given; /* which --*-dir options were given: each at most once */
	char **argv;          /* main()'s, for a re-run in a systemd scope */
};

/* Command-specific option handler: return 0, or -EINVAL after printing. */
typedef int (*cli_opt_fn)(struct mpj_cmd_ctx *ctx, int opt, const char *arg, void *userdata);

/* Parse argv (argv[0] = the subcommand) with the global options
 * (--config-dir --state-dir --run-dir --data-dir -v -q -h) plus `opts`.
 * stop_at_arg: stop at the first positional after `n_fixed` positionals
 * (exec's command line).  On return *ret_optind is the first unparsed arg.
 * Returns 0, 1 when --help was handled, or -EINVAL (usage printed). */
int cli_parse(struct mpj_cmd_ctx *ctx, int argc, char **argv, const struct option *opts,
	      const char *shortopts, cli_opt_fn fn, void *userdata, bool stop_at_positional,
	      int *ret_optind);

/* The global options before the command (`mpjail --config-dir DIR status`,
 * as git and systemctl accept): the same set cli_parse() knows, plus
 * --version.  On return 0, argv[*ret_cmd] is the command (*ret_cmd == argc
 * when there is none); 1: --help or --version was handled; -EINVAL: usage
 * printed.  A path option given both before and after the command is an
 * error, as is any given twice. */
int cli_parse_global(struct mpj_cmd_ctx *ctx, int argc, char **argv, int *ret_cmd);

/* --json, for the commands that print JSON (check, explain, status): pass
 * both to cli_parse() as `opts` and `fn`; it sets ctx->json. */
extern const struct option cli_json_options[];
int cli_json_option(struct mpj_cmd_ctx *ctx, int opt, const char *arg, void *userdata);

/* Print "usage: mpjail CMD ..." for the current command and return EXIT_MPJ_CONFIG. */
int cli_usage_error(const struct mpj_cmd_ctx *ctx, const char *fmt, ...) _printf_(2, 3);
void cli_print_help(const char *cmd);

/* Refuse to run unless root (exit 100 with a clear message). */
int cli_require_root(const struct mpj_cmd_ctx *ctx);

/* The prologue of the commands on tenants.  Each returns 0, or the exit code
 * to return after a usage error or the refusal.
 * cli_valid_names: every one of names[0..n) is a valid tenant name.
 * cli_tenants: that, and root.
 * cli_one_tenant: argv[optind] is the only argument left, and cli_tenants();
 * *ret_name (if not NULL) is then that name. */
int cli_valid_names(const struct mpj_cmd_ctx *ctx, char *const *names, size_t n);
int cli_tenants(const struct mpj_cmd_ctx *ctx, char *const *names, size_t n);
int cli_one_tenant(const struct mpj_cmd_ctx *ctx, int argc, char **argv, int optind,
		   const char **ret_name);

/* exec and run from a login shell on a systemd host with cgroup v2: re-run
 * in a delegated scope of our own (cgroup_enter_scope()), before any other
 * work, which the re-run would repeat.  Returns 0 when
 * none is needed, else the exit code after a named error. */
int cli_enter_scope(const struct mpj_cmd_ctx *ctx, const char *name);

/* Subcommands (cmd_*.c).  Each returns an exit code (stage.h). */
int cmd_build(struct mpj_cmd_ctx *ctx, int argc, char **argv);
int cmd_exec(struct mpj_cmd_ctx *ctx, int argc, char **argv);
int cmd_run(struct mpj_cmd_ctx *ctx, int argc, char **argv);
int cmd_check(struct mpj_cmd_ctx *ctx, int argc, char **argv);
int cmd_explain(struct mpj_cmd_ctx *ctx, int argc, char **argv);
int cmd_frontend(struct mpj_cmd_ctx *ctx, int argc, char **argv);
int cmd_ctl(struct mpj_cmd_ctx *ctx, int argc, char **argv); /* restart reload stop status */
