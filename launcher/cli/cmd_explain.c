/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mpjail explain [--json] NAME: the policy `run` would apply to a tenant. */
#define _GNU_SOURCE
#include "admin/explain.h"
#include "cli/cli.h"
#include "config/profile.h"
#include "config/tenant.h"

/* The profile's command, launched as LAUNCH_EXEC so that launch_prepare()
 * describes `run` without refusing a port held by the tenant's own running
 * server: explain reports the holder instead. */
static int profile_command(const struct mpj_paths *paths, const char *name, char ***ret,
			   struct diag *diag)
{
	struct mpj_tenant *t = NULL;
	struct mpj_profile *p = NULL;
	int r;

	r = tenant_load(paths, name, &t, diag);
	if (r >= 0)
		r = profile_load(paths, t->profile, &p, diag);
	if (r >= 0 && p->command && p->command[0]) {
		*ret = xcalloc(strv_length(p->command) + 1, sizeof(char *));
		for (size_t i = 0; p->command[i]; i++)
			(*ret)[i] = xstrdup(p->command[i]);
	}
	profile_free(p);
	tenant_free(t);
	return r;
}

int cmd_explain(struct mpj_cmd_ctx *ctx, int argc, char **argv)
{
	struct mpj_launch l = { 0 };
	_cleanup_strv_ char **command = NULL;
	struct diag d = { 0 };
	bool prepared = false;
	int optind_, r;

	r = cli_parse(ctx, argc, argv, cli_json_options, NULL, cli_json_option, NULL, false,
		      &optind_);
	if (r != 0)
		return r > 0 ? 0 : EXIT_MPJ_CONFIG;
	r = cli_one_tenant(ctx, argc, argv, optind_, NULL);
	if (r != 0)
		return r;

	r = profile_command(&ctx->paths, argv[optind_], &command, &d);
	if (r >= 0) {
		prepared = true;
		r = launch_prepare(&l, &ctx->paths, argv[optind_], LAUNCH_EXEC, command, &d);
	}
	if (r >= 0)
		r = explain_print(&l, ctx->json, stdout, &d);
	if (r >= 0 && fflush(stdout) != 0)
		r = negerrno();
	if (r < 0) {
		if (d.msg)
			diag_print(&d);
		else
			fprintf(stderr, "mpjail explain: %s\n", strerror(-r));
		diag_clear(&d);
		if (prepared)
			launch_done(&l);
		return EXIT_MPJ_CONFIG;
	}
	diag_clear(&d);
	launch_done(&l);
	return EXIT_MPJ_OK;
}
