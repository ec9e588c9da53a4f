/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Template rendering: every variable, @@, stray and unknown names with
 * file:line, and the value checks that keep a value inside one directive. */
#include <criterion/criterion.h>

#include "build/template.h"

static char *hosts3[] = { "www.example.test", "example.test", "shop.example.test", NULL };

static struct mpj_tenant tenant(void)
{
	struct mpj_tenant t = {
		.name = "alice",
		.file = "/etc/mpjail/tenants/alice.conf",
		.user = "alice",
		.ports = { 20080, 20081 },
		.n_ports = 2,
		.ports_line = 4,
		.hostnames = hosts3,
		.hostnames_line = 5,
		.allow_conf = true,
	};
	return t;
}

static struct mpj_identity ident(void)
{
	struct mpj_identity id = {
		.user = "alice",
		.uid = 20001,
		.gid = 20002,
		.group = "alicegrp",
		.jail_home = "/home/alice",
	};
	return id;
}

static char *render(const struct tmpl_vars *v, const char *text, struct diag *d, int *r)
{
	char *out = NULL;

	*r = template_render(text, strlen(text), "skel/t.in", v, &out, NULL, d);
	return out;
}

static void vars_for(struct mpj_tenant *t, struct mpj_profile *p, struct tmpl_vars *v)
{
	struct mpj_identity id = ident();
	struct diag d = { 0 };

	cr_assert_eq(template_vars_init(t, p, &id, v, &d), 0, "vars: %s", d.msg ?: "");
}

Test(template, every_variable)
{
	struct mpj_tenant t = tenant();
	struct mpj_profile p = { .name = "default" };
	struct tmpl_vars v;
	struct diag d = { 0 };
	int r;

	t.limits.v[LIMIT_TASKS] = 100;
	t.limits.set[LIMIT_TASKS] = true;
	t.limits.v[LIMIT_MEMORY] = 4ULL << 30; /* 125 by memory: tasks bind */
	t.limits.set[LIMIT_MEMORY] = true;
	vars_for(&t, &p, &v);
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "@TENANT@", "alice" },
		{ "@USER@", "alice" },
		{ "@GROUP@", "alicegrp" },
		{ "@UID@", "20001" },
		{ "@GID@", "20002" },
		{ "@HOME@", "/home/alice" },
		{ "@PORT@", "20080" },
		{ "@LISTEN@", "Listen 127.0.0.1:20080\nListen 127.0.0.1:20081" },
		{ "@SERVERNAME@", "www.example.test" },
		{ "@SERVERALIASES@", "example.test shop.example.test" },
		{ "@MAX_WORKERS@", "92" },
		{ "@START_SERVERS@", "2" },
		{ "@MAX_CONNS@", "1000" },
		{ "@INCLUDE_CONF@", "IncludeOptional /home/alice/conf/*.conf" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *out = render(&v, cases[i].in, &d, &r);

		cr_assert_eq(r, 0, "%s: %s", cases[i].in, d.msg ?: "");
		cr_assert_str_eq(out, cases[i].out, "%s", cases[i].in);
		free(out);
	}
	cr_assert_eq(sizeof cases / sizeof cases[0], _TV_MAX, "a test case per variable");
	template_vars_done(&v);
}

Test(template, defaults_without_hostnames_limits_or_conf)
{
	struct mpj_tenant t = tenant();
	struct mpj_profile p = { .name = "default" };
	struct tmpl_vars v;
	struct diag d = { 0 };
	char *out;
	int r;

	t.hostnames = NULL;
	t.allow_conf = false;
	t.n_ports = 1;
	vars_for(&t, &p, &v);
	out = render(&v,
		     "[@SERVERNAME@][@SERVERALIASES@][@MAX_WORKERS@][@MAX_CONNS@][@INCLUDE_CONF@]",
		     &d, &r);
	cr_assert_eq(r, 0);
	cr_assert_str_eq(out,
			 "[alice][][150][10000][# tenant conf/ not included (allow_conf = no)]");
	free(out);
	out = render(&v, "@LISTEN@", &d, &r);
	cr_assert_str_eq(out, "Listen 127.0.0.1:20080");
	free(out);
	template_vars_done(&v);
}

Test(template, memory_and_worker_memory_size_the_workers)
{
	struct mpj_tenant t = tenant();
	struct mpj_profile p = { .name = "default" };
	struct tmpl_vars v;

	p.limits.v[LIMIT_TASKS] = 128;
	p.limits.set[LIMIT_TASKS] = true;
	p.limits.v[LIMIT_MEMORY] = 512ULL << 20;
	p.limits.set[LIMIT_MEMORY] = true;
	vars_for(&t, &p, &v);
	cr_assert_str_eq(v.v[TV_MAX_WORKERS], "14", "(512M - 64M) / 32M");
	template_vars_done(&v);
	t.limits.v[LIMIT_WORKER_MEMORY] = 96ULL << 20;
	t.limits.set[LIMIT_WORKER_MEMORY] = true;
	vars_for(&t, &p, &v);
	cr_assert_str_eq(v.v[TV_MAX_WORKERS], "4", "the tenant's worker_memory");
	template_vars_done(&v);
}

Test(template, profile_tasks_default_applies)
{
	struct mpj_tenant t = tenant();
	struct mpj_profile p = { .name = "default" };
	struct tmpl_vars v;

	p.limits.v[LIMIT_TASKS] = 10;
	p.limits.set[LIMIT_TASKS] = true;
	vars_for(&t, &p, &v);
	cr_assert_str_eq(v.v[TV_MAX_WORKERS], "2");
	cr_assert_str_eq(v.v[TV_START_SERVERS], "2");
	template_vars_done(&v);
}

static unsigned mw(bool has_tasks, uint64_t tasks, bool has_memory, uint64_t memory,
		   uint64_t worker_memory)
{
	struct tmpl_sizing_in in = { has_tasks, has_memory, tasks, memory, worker_memory };

	return template_max_workers(&in);
}

Test(template, max_workers_formula)
{
	const uint64_t M = 1 << 20, W = TMPL_WORKER_MEMORY_DEFAULT;

	cr_assert_eq(mw(false, 0, false, 0, W), 150);
	cr_assert_eq(mw(true, 0, false, 0, W), 1);
	cr_assert_eq(mw(true, 8, false, 0, W), 1);
	cr_assert_eq(mw(true, 9, false, 0, W), 1);
	cr_assert_eq(mw(true, 10, false, 0, W), 2);
	cr_assert_eq(mw(true, 128, false, 0, W), 120);
	cr_assert_eq(mw(true, 158, false, 0, W), 150);
	cr_assert_eq(mw(true, UINT64_MAX, false, 0, W), 150);
	/* Memory: (memory - 64M) / worker_memory, the smaller one wins. */
	cr_assert_eq(mw(true, 128, true, 512 * M, W), 14, "the default profile");
	cr_assert_eq(mw(true, 12, true, 512 * M, W), 4, "tasks still bind");
	cr_assert_eq(mw(true, 128, true, 512 * M, 64 * M), 7);
	cr_assert_eq(mw(false, 0, true, 64 * M, W), 1, "never below one worker");
	cr_assert_eq(mw(false, 0, true, 16 * M, W), 1);
	cr_assert_eq(mw(false, 0, true, 1ULL << 40, W), 150);
	cr_assert_eq(mw(false, 0, true, UINT64_MAX, 1 * M), 150);
}

Test(template, at_at_is_a_literal_at)
{
	struct mpj_tenant t = tenant();
	struct mpj_profile p = { 0 };
	struct tmpl_vars v;
	struct diag d = { 0 };
	char *out;
	int r;

	vars_for(&t, &p, &v);
	out = render(&v, "ServerAdmin webmaster@@@SERVERNAME@ @@@@", &d, &r);
	cr_assert_eq(r, 0, "%s", d.msg ?: "");
	cr_assert_str_eq(out, "ServerAdmin webmaster@www.example.test @@");
	free(out);
	template_vars_done(&v);
}

Test(template, unknown_variable_names_file_line_and_variable)
{
	struct mpj_tenant t = tenant();
	struct mpj_profile p = { 0 };
	struct tmpl_vars v;
	struct diag d = { 0 };
	char *out;
	int r;

	vars_for(&t, &p, &v);
	out = render(&v, "a\nb @TENANT@\n\nListen @PROT@\n", &d, &r);
	cr_assert_eq(r, -EINVAL);
	cr_assert_null(out);
	cr_assert_str_eq(d.file, "skel/t.in");
	cr_assert_eq(d.line, 4);
	cr_assert(strstr(d.msg, "`@PROT@`"), "message: %s", d.msg);
	diag_clear(&d);
	template_vars_done(&v);
}

Test(template, stray_at_is_an_error)
{
	struct mpj_tenant t = tenant();
	struct mpj_profile p = { 0 };
	struct tmpl_vars v;
	struct diag d = { 0 };
	const char *bad[] = { "mail me@example", "@", "x @TENANT", "@lower@", "@ TENANT@" };
	int r;

	vars_for(&t, &p, &v);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *out = render(&v, bad[i], &d, &r);

		cr_assert_eq(r, -EINVAL, "`%s` must be refused", bad[i]);
		cr_assert_null(out);
		cr_assert_eq(d.line, 1);
		diag_clear(&d);
	}
	template_vars_done(&v);
}

Test(template, nul_byte_refused)
{
	struct mpj_tenant t = tenant();
	struct mpj_profile p = { 0 };
	struct tmpl_vars v;
	struct diag d = { 0 };
	char *out = NULL;

	vars_for(&t, &p, &v);
	cr_assert_eq(template_render("a\n\0b", 4, "f", &v, &out, NULL, &d), -EINVAL);
	cr_assert_eq(d.line, 2);
	diag_clear(&d);
	template_vars_done(&v);
}

Test(template, values_that_break_a_directive_are_refused)
{
	const char *bad_users[] = { "al\"ice", "al ice", "al<ice", "a\\b", "a$x", "a\nb", "a%b" };

	for (size_t i = 0; i < sizeof bad_users / sizeof bad_users[0]; i++) {
		struct mpj_tenant t = tenant();
		struct mpj_profile p = { 0 };
		struct mpj_identity id = ident();
		struct tmpl_vars v = { 0 };
		struct diag d = { 0 };

		id.user = (char *)bad_users[i];
		cr_assert_eq(template_vars_init(&t, &p, &id, &v, &d), -EINVAL, "user %zu", i);
		cr_assert_str_eq(d.file, t.file);
		cr_assert(strstr(d.msg, "@USER@"), "%s", d.msg);
		diag_clear(&d);
	}
}

Test(template, no_port_is_an_error)
{
	struct mpj_tenant t = tenant();
	struct mpj_profile p = { 0 };
	struct mpj_identity id = ident();
	struct tmpl_vars v = { 0 };
	struct diag d = { 0 };

	t.n_ports = 0;
	cr_assert_eq(template_vars_init(&t, &p, &id, &v, &d), -EINVAL);
	cr_assert_eq(d.line, 4);
	diag_clear(&d);
}

Test(template, lookup_table)
{
	enum tmpl_var var;

	for (unsigned i = 0; i < _TV_MAX; i++) {
		const char *n = template_var_name((enum tmpl_var)i);

		cr_assert_not_null(n);
		cr_assert_eq(template_var_lookup(n, strlen(n), &var), 0);
		cr_assert_eq(var, i);
	}
	cr_assert_eq(template_var_lookup("TENAN", 5, &var), -ENOENT);
	cr_assert_eq(template_var_lookup("TENANTS", 7, &var), -ENOENT);
}
