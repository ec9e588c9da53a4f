/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mpjail build [OPTIONS] NAME... | --all: the admin's jail-building command.
 *
 * Phase 1 loads, checks and renders everything for every named tenant; any
 * configuration problem (including a home that is a symlink) ends the
 * command with exit 100 before anything is written.  Phase 2 swaps each new
 * jail tree in and fills each home from the skeleton as the tenant. */
#define _GNU_SOURCE
#include "build/job.h"
#include "cli/cli.h"
#include "config/registry.h"
#include "config/tenant.h"

#define STAGE "build"

enum { OPT_ALL = 0x2000 };

struct build_opts {
	bool all;
};

static int opt_fn(struct mpj_cmd_ctx *ctx, int opt, const char *arg, void *userdata)
{
	struct build_opts *o = userdata;

	(void)arg;
	switch (opt) {
	case OPT_ALL:
		o->all = true;
		return 0;
	default:
		(void)cli_usage_error(ctx, "unexpected option");
		return -EINVAL;
	}
}

int cmd_build(struct mpj_cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, OPT_ALL },
		{ 0 },
	};
	struct build_opts o = { 0 };
	struct mpj_registry reg = { 0 };
	struct diag diag = { 0 };
	struct build_job *jobs = NULL;
	struct build_shared shared = { 0 };
	size_t n_jobs = 0;
	int optind_ = 0, r, rc = EXIT_MPJ_OK;

	r = cli_parse(ctx, argc, argv, opts, "", opt_fn, &o, false, &optind_);
	if (r != 0)
		return r > 0 ? EXIT_MPJ_OK : EXIT_MPJ_CONFIG;
	if (o.all == (optind_ < argc))
		return cli_usage_error(ctx, o.all ? "--all takes no tenant names"
						  : "name at least one tenant, or --all");
	for (int i = optind_; i < argc; i++)
		if (!valid_name(argv[i]))
			return cli_usage_error(ctx, "`%s` is not a valid tenant name", argv[i]);
	if (cli_require_root(ctx) < 0)
		return EXIT_MPJ_CONFIG;

	/* Port and host name conflicts are checked across ALL tenants even when
	 * building one: the new tree would otherwise be built for a port that
	 * another tenant owns. */
	r = registry_load(&ctx->paths, &reg, &diag);
	if (r < 0 && reg.host_error) {
		diag_print(&diag);
		rc = EXIT_MPJ_SETUP;
		goto out;
	}
	if (r < 0)
		goto config_error;

	n_jobs = o.all ? reg.n : (size_t)(argc - optind_);
	jobs = xcalloc(n_jobs ? n_jobs : 1, sizeof *jobs);
	for (size_t i = 0; i < n_jobs; i++)
		build_job_init(&jobs[i]);
	for (size_t i = 0; i < n_jobs; i++) {
		if (o.all) {
			jobs[i].t = reg.tenants[i];
			jobs[i].borrowed = true;
		} else {
			r = tenant_load(&ctx->paths, argv[optind_ + (int)i], &jobs[i].t, &diag);
			if (r < 0)
				goto config_error;
		}
		r = build_job_prepare(&ctx->paths, &reg.global, &shared, &jobs[i], &diag);
		if (r < 0)
			goto config_error;
	}

	/* Phase 2: one tenant's failure does not stop the others; the exit code
	 * says that something failed, the messages say what. */
	if (build_jobs_commit(&ctx->paths, jobs, n_jobs) > 0)
		rc = EXIT_MPJ_SETUP;
	goto out;

config_error:
	diag_print(&diag);
	if (!diag.msg)
		log_error_errno(STAGE, r, "loading the configuration failed");
	fprintf(stderr, "mpjail build: nothing was changed\n");
	rc = EXIT_MPJ_CONFIG;
out:
	for (size_t i = 0; jobs && i < n_jobs; i++)
		build_job_done(&jobs[i]);
	free(jobs);
	build_shared_done(&shared);
	registry_done(&reg);
	diag_clear(&diag);
	return rc;
}
