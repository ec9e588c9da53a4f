/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The connect plan: the profile's `connect` lines, port_range and the
 * tenant's own ports turned into the ports Landlock allows. */
#define _GNU_SOURCE
#include <criterion/criterion.h>

#include "config/netpolicy.h"

#define SPAN(l, h)                                                   \
	{                                                            \
		.lo = (l), .hi = (h), .line = 7, .file = "p.profile" \
	}

static struct mpj_connect_plan plan_ok(const struct mpj_connect *c, unsigned lo, unsigned hi,
				       const unsigned *own, size_t n_own)
{
	struct mpj_connect_plan p;
	struct diag d = { 0 };

	cr_assert_eq(netpolicy_connect_plan(c, lo, hi, own, n_own, &p, &d), 0, "%s", d.msg);
	return p;
}

static void expect_format(const struct mpj_connect_plan *p, const char *want)
{
	char *s = netpolicy_plan_format(p);

	cr_assert_str_eq(s, want);
	free(s);
}

Test(plan, listed_ports_plus_own)
{
	struct mpj_port_span spans[] = { SPAN(443, 443), SPAN(25, 25), SPAN(80, 80), SPAN(443, 443),
					 SPAN(5432, 5432) };
	struct mpj_connect c = { .spans = spans, .n_spans = 5 };
	unsigned own[] = { 8001, 8003 };
	struct mpj_connect_plan p = plan_ok(&c, 8000, 8999, own, 2);

	expect_format(&p, "25 80 443 5432 8001 8003");
	cr_assert_eq(p.n_ports, 6, "duplicates merged");
	cr_assert(netpolicy_plan_allows(&p, 8001));
	cr_assert_not(netpolicy_plan_allows(&p, 8002), "another tenant's backend");
	cr_assert_not(netpolicy_plan_allows(&p, 22));
	cr_assert_not(p.any_other);
	netpolicy_plan_done(&p);
	netpolicy_plan_done(NULL);
}

Test(plan, no_connect_line_means_own_ports_only)
{
	struct mpj_connect c = { 0 };
	unsigned own = 8001;
	struct mpj_connect_plan p = plan_ok(&c, 8000, 8999, &own, 1);

	expect_format(&p, "8001");
	netpolicy_plan_done(&p);
	p = plan_ok(&c, 8000, 8999, NULL, 0);
	expect_format(&p, "none");
	cr_assert_eq(p.n_ports, 0);
	netpolicy_plan_done(&p);
}

Test(plan, any_other_is_everything_outside_port_range)
{
	struct mpj_connect c = { .any_other = true };
	unsigned own = 8001;
	struct mpj_connect_plan p = plan_ok(&c, 8000, 8999, &own, 1);

	expect_format(&p, "1-7999 8001 9000-65535");
	cr_assert_eq(p.n_ports, 65535 - 1000 + 1);
	cr_assert(p.any_other);
	netpolicy_plan_done(&p);
	/* A range at either end of the port space. */
	p = plan_ok(&c, 1, 1023, NULL, 0);
	expect_format(&p, "1024-65535");
	netpolicy_plan_done(&p);
	p = plan_ok(&c, 60000, 65535, NULL, 0);
	expect_format(&p, "1-59999");
	netpolicy_plan_done(&p);
}

Test(plan, ranges_merge_when_adjacent_or_overlapping)
{
	struct mpj_port_span spans[] = { SPAN(100, 200), SPAN(150, 300), SPAN(301, 310),
					 SPAN(400, 400), SPAN(1, 1) };
	struct mpj_connect c = { .spans = spans, .n_spans = 5 };
	unsigned own = 399;
	struct mpj_connect_plan p = plan_ok(&c, 8000, 8999, &own, 1);

	expect_format(&p, "1 100-310 399-400");
	cr_assert_eq(p.n_ports, 1 + 211 + 2);
	netpolicy_plan_done(&p);
}

static void expect_refused(const struct mpj_port_span *span, const unsigned *own, size_t n_own,
			   const char *needle)
{
	struct mpj_connect c = { .spans = (struct mpj_port_span *)span, .n_spans = 1 };
	struct mpj_connect_plan p = { 0 };
	struct diag d = { 0 };

	cr_assert_eq(netpolicy_connect_plan(&c, 8000, 8999, own, n_own, &p, &d), -EINVAL);
	cr_assert_str_eq(d.file, "p.profile");
	cr_assert_eq(d.line, 7);
	cr_assert_not_null(strstr(d.msg, needle), "`%s` lacks `%s`", d.msg, needle);
	cr_assert_not_null(strstr(d.msg, "port_range 8000-8999"), "%s", d.msg);
	cr_assert_null(p.spans);
	diag_clear(&d);
}

Test(plan, ports_in_port_range_refused_except_own)
{
	struct mpj_port_span other = SPAN(8002, 8002), edge_lo = SPAN(7000, 8000),
			     edge_hi = SPAN(8999, 9100), all = SPAN(1, 65535),
			     own_span = SPAN(8001, 8001), own_range = SPAN(8001, 8002);
	unsigned own = 8001;
	struct mpj_connect c = { .spans = &own_span, .n_spans = 1 };
	struct mpj_connect_plan p;

	expect_refused(&other, &own, 1, "`8002` reaches into port_range");
	expect_refused(&edge_lo, &own, 1, "`7000-8000`");
	expect_refused(&edge_hi, &own, 1, "`8999-9100`");
	expect_refused(&all, &own, 1, "`1-65535`");
	expect_refused(&own_range, &own, 1, "`8001-8002`");
	expect_refused(&own_span, NULL, 0, "`8001`");
	/* Listing the tenant's own port is allowed (it always is anyway). */
	p = plan_ok(&c, 8000, 8999, &own, 1);
	expect_format(&p, "8001");
	netpolicy_plan_done(&p);
}

/* `network auto`: the host's network only with Landlock's network rules
 * (ABI 4, Linux 6.7); explicit choices are never changed by the kernel. */
Test(network, auto_resolves_by_abi)
{
	static const struct {
		enum mpj_network want;
		int abi;
		enum mpj_network got;
		const char *text;
	} cases[] = {
		{ NET_AUTO, -EOPNOTSUPP, NET_PRIVATE,
		  "auto -> private (Landlock is not available: Operation not supported)" },
		{ NET_AUTO, 0, NET_PRIVATE,
		  "auto -> private (kernel Landlock ABI 0 has no network rules)" },
		{ NET_AUTO, 1, NET_PRIVATE,
		  "auto -> private (kernel Landlock ABI 1 has no network rules)" },
		{ NET_AUTO, 2, NET_PRIVATE,
		  "auto -> private (kernel Landlock ABI 2 has no network rules)" },
		{ NET_AUTO, 3, NET_PRIVATE,
		  "auto -> private (kernel Landlock ABI 3 has no network rules)" },
		{ NET_AUTO, 4, NET_SHARED,
		  "auto -> shared (kernel Landlock ABI 4 has network rules)" },
		{ NET_AUTO, 7, NET_SHARED,
		  "auto -> shared (kernel Landlock ABI 7 has network rules)" },
		/* shared stays shared: landlock_prepare() then refuses the launch. */
		{ NET_SHARED, 3, NET_SHARED, "shared" },
		{ NET_SHARED, -EOPNOTSUPP, NET_SHARED, "shared" },
		{ NET_SHARED, 7, NET_SHARED, "shared" },
		{ NET_PRIVATE, 2, NET_PRIVATE, "private" },
		{ NET_PRIVATE, 7, NET_PRIVATE, "private" },
	};

	cr_assert_eq(MPJ_LANDLOCK_ABI_NET, 4);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *text = netpolicy_network_describe(cases[i].want, cases[i].abi);

		cr_assert_eq(netpolicy_resolve_network(cases[i].want, cases[i].abi), cases[i].got,
			     "case %zu", i);
		cr_assert_neq(netpolicy_resolve_network(cases[i].want, cases[i].abi), NET_AUTO);
		cr_assert_str_eq(text, cases[i].text);
		free(text);
	}
	cr_assert_str_eq(netpolicy_network_name(NET_AUTO), "auto");
}
