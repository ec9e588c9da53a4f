/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mpjail exec NAME [--] CMD [ARG...]: one command in a tenant's jail. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/wait.h>

#include "cli/cli.h"
#include "jail/launch.h"
#include "jail/pty.h"
#include "jail/reaper.h"

enum { OPT_TIMINGS = 0x2000 };

static const struct option exec_opts[] = {
	{ "timings", no_argument, NULL, OPT_TIMINGS },
	{ NULL, 0, NULL, 0 },
};

static int exec_opt(struct mpj_cmd_ctx *ctx, int opt, const char *arg, void *userdata)
{
	bool *timings = userdata;

	(void)ctx;
	(void)arg;
	switch (opt) {
	case OPT_TIMINGS:
		*timings = true;
		return 0;
	default:
		return -EINVAL;
	}
}

int cmd_exec(struct mpj_cmd_ctx *ctx, int argc, char **argv)
{
	struct mpj_launch l = { 0 };
	struct stage_report rep;
	struct launch_result res;
	struct diag d = { 0 };
	sigset_t set, old;
	char *name;
	bool timings = false;
	int optind_, r, code;

	r = cli_parse(ctx, argc, argv, exec_opts, NULL, exec_opt, &timings, true, &optind_);
	if (r != 0)
		return r > 0 ? 0 : EXIT_MPJ_CONFIG;
	if (optind_ >= argc)
		return cli_usage_error(ctx, "missing tenant NAME");
	name = argv[optind_++];
	if (optind_ < argc && strcmp(argv[optind_], "--") == 0)
		optind_++;
	if (optind_ >= argc)
		return cli_usage_error(ctx, "missing command to run in the jail");
	r = cli_tenants(ctx, &name, 1);
	if (r != 0)
		return r;
	/* From a login shell on a systemd host: first a scope of our own. */
	r = cli_enter_scope(ctx, name);
	if (r != 0)
		return r;

	l.timings.on = timings;
	r = launch_prepare(&l, &ctx->paths, name, LAUNCH_EXEC, argv + optind_, &d);
	if (r < 0) {
		diag_print(&d);
		diag_clear(&d);
		launch_print_timings(&l);
		launch_done(&l);
		return launch_prepare_exit_code(r);
	}
	/* A terminal on stdin, stdout or stderr: the jail gets its own pty
	 * and we relay; the caller's terminal never enters it (T40). */
	r = pty_spec_init(&l.pty, l.stdio);
	if (r < 0) {
		log_error_errno("pty", r, "preparing the jail's terminal");
		launch_done(&l);
		return EXIT_MPJ_SETUP;
	}

	/* Queue forwarded signals from now on; the child unblocks its own. */
	reaper_sigset(&set);
	(void)sigprocmask(SIG_BLOCK, &set, &old);
	r = launch_start(&l, &rep);
	if (r != 0) {
		launch_print_failure(&rep);
		launch_print_timings(&l);
		launch_done(&l);
		return r > 0 ? stage_exit_code(&rep) : EXIT_MPJ_SETUP;
	}
	r = launch_wait(&l, &res);
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	if (r == -ECHILD)
		log_error("exec",
			  "the jail's pid 1 was stopped by a signal (a process with the tenant's "
			  "uid can send it SIGSTOP): killed the jail");
	else if (r < 0)
		log_error_errno("exec", r, "waiting for the jail");
	launch_print_timings(&l);
	if (r < 0) {
		launch_done(&l);
		return EXIT_MPJ_SETUP;
	}
	code = launch_exit_code(&res);
	if (WIFSIGNALED(res.wait_status) || (res.have_events && res.events.oom_kills)) {
		_cleanup_free_ char *why = launch_describe(&res);

		log_warn("exec", "`%s` %s", argv[optind_], why);
	} else {
		_cleanup_free_ char *why = launch_describe(&res);

		log_debug("exec", "`%s` %s", argv[optind_], why);
	}
	launch_done(&l);
	return code;
}
