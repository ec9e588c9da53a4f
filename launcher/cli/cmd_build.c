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
#include "config/global.h"
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

/* Phase 2 for one tenant: exit code. */
static int execute(const struct mpj_paths *paths, struct build_job *j)
{
	struct build_result res = { 0 };
	struct homeskel_report rep = { 0 };
	_cleanup_free_ char *failed = NULL, *tree = NULL;
	int r;

	r = build_commit(paths, j->plan, &res, &failed);
	if (r < 0) {
		log_error_errno(STAGE, r,
				"tenant `%s`: building the jail tree failed at `%s` "
				"(the previous tree, if any, is unchanged)",
				j->t->name, failed ?: "?");
		return EXIT_MPJ_SETUP;
	}
	(void)build_tree_path(paths, j->t->name, &tree);

	r = homeskel_create(&j->home, &j->id);
	if (r < 0) {
		log_error_errno(STAGE, r, "tenant `%s`: creating home `%s` failed", j->t->name,
				j->home.path);
		return EXIT_MPJ_SETUP;
	}
	r = homeskel_populate(&j->home, &j->skel, &j->id, &rep, &failed);
	if (r < 0) {
		log_error_errno(STAGE, r,
				"tenant `%s`: copying the home skeleton into `%s` failed "
				"at `%s`",
				j->t->name, j->home.path, failed ?: "?");
		return EXIT_MPJ_SETUP;
	}
	for (size_t i = 0; rep.skipped && rep.skipped[i]; i++)
		log_warn(STAGE,
			 "tenant `%s`: skeleton entry not copied (a tenant entry is in the "
			 "way, left untouched): %s/%s",
			 j->t->name, j->home.path, rep.skipped[i]);
	for (size_t i = 0; rep.created && rep.created[i]; i++)
		log_info(STAGE, "tenant `%s`: created %s/%s", j->t->name, j->home.path,
			 rep.created[i]);
	printf("%s: tree %s (%zu entries, %s); home %s (%s): %zu created, %zu kept, %zu skipped\n",
	       j->t->name, tree, res.n_entries, res.replaced ? "replaced" : "new", j->home.path,
	       j->home.created ? "created" : "existing", strv_length(rep.created),
	       strv_length(rep.kept), strv_length(rep.skipped));
	homeskel_report_done(&rep);
	return EXIT_MPJ_OK;
}

int cmd_build(struct mpj_cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, OPT_ALL },
		{ 0 },
	};
	struct build_opts o = { 0 };
	struct mpj_global g = { 0 };
	struct diag diag = { 0 };
	struct mpj_tenant **all = NULL;
	struct build_job *jobs = NULL;
	size_t n_all = 0, n_jobs = 0;
	unsigned eph_lo, eph_hi;
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

	r = global_load(&ctx->paths, &g, &diag);
	if (r < 0)
		goto config_error;
	r = tenant_load_all(&ctx->paths, &all, &n_all, &diag);
	if (r < 0)
		goto config_error;
	/* Port and host name conflicts are checked across ALL tenants even when
	 * building one: the new tree would otherwise be built for a port that
	 * another tenant owns. */
	r = registry_ephemeral_range(&eph_lo, &eph_hi);
	if (r < 0) {
		log_error_errno(STAGE, r, "cannot read the kernel's ephemeral port range");
		rc = EXIT_MPJ_SETUP;
		goto out;
	}
	r = registry_check(&g, all, n_all, eph_lo, eph_hi, &diag);
	if (r < 0)
		goto config_error;

	n_jobs = o.all ? n_all : (size_t)(argc - optind_);
	jobs = xcalloc(n_jobs ? n_jobs : 1, sizeof *jobs);
	for (size_t i = 0; i < n_jobs; i++)
		build_job_init(&jobs[i]);
	for (size_t i = 0; i < n_jobs; i++) {
		if (o.all) {
			jobs[i].t = all[i];
			jobs[i].borrowed = true;
		} else {
			r = tenant_load(&ctx->paths, argv[optind_ + (int)i], &jobs[i].t, &diag);
			if (r < 0)
				goto config_error;
		}
		r = build_job_prepare(&ctx->paths, &g, &jobs[i], &diag);
		if (r < 0)
			goto config_error;
	}

	/* Phase 2: one tenant's failure does not stop the others; the exit code
	 * says that something failed, the messages say what. */
	for (size_t i = 0; i < n_jobs; i++) {
		int k = execute(&ctx->paths, &jobs[i]);

		if (k != EXIT_MPJ_OK)
			rc = k;
	}
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
	tenant_free_all(all, n_all);
	global_free(&g);
	diag_clear(&diag);
	return rc;
}
