/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `mpjail check`'s network findings for a kernel of a given Landlock ABI:
 * which tenants cannot start, which run in a private network. */
#define _GNU_SOURCE
#include <criterion/criterion.h>

#include "admin/check.h"

static const struct check_finding *only(const struct check_report *r)
{
	cr_assert_eq(r->n, 1, "%zu findings", r->n);
	return &r->v[0];
}

static struct mpj_profile profile(enum mpj_network net, size_t n_connect)
{
	static struct mpj_port_span span = { .lo = 25, .hi = 25 };

	return (struct mpj_profile){ .network = net,
				     .connect = { .spans = &span, .n_spans = n_connect } };
}

Test(landlock, network_rules_are_ok_whatever_the_profiles)
{
	struct mpj_profile shared = profile(NET_SHARED, 0);
	struct check_tenant t[] = { { .name = "a", .p = &shared } };
	struct check_report r = { 0 };

	check_host_landlock(&r, 7, t, 1);
	cr_assert_eq(only(&r)->level, CHECK_OK);
	cr_assert_str_eq(r.v[0].text, "ABI 7: port rules, abstract-socket and signal scopes");
	check_report_done(&r);
}

Test(landlock, old_kernel_fails_only_explicit_shared)
{
	struct mpj_profile shared = profile(NET_SHARED, 0), aut = profile(NET_AUTO, 0),
			   priv = profile(NET_PRIVATE, 0);
	struct check_tenant t[] = { { .name = "a", .p = &aut },
				    { .name = "b", .p = &shared },
				    { .name = "c", .p = &priv },
				    { .name = "d", .p = NULL },
				    { .name = "e", .p = &shared } };
	struct check_report r = { 0 };

	check_host_landlock(&r, 3, t, 5);
	cr_assert_eq(only(&r)->level, CHECK_FAIL);
	cr_assert_str_eq(r.v[0].subject, "host:landlock");
	cr_assert_str_eq(r.v[0].text,
			 "ABI 3: no network rules (ABI 4, Linux 6.7): 2 tenants with `network shared` "
			 "cannot start (`network auto` would run them in a private network): b e");
	check_report_done(&r);

	check_host_landlock(&r, 2, t, 1); /* only `a` (auto) */
	cr_assert_eq(only(&r)->level, CHECK_WARN);
	cr_assert_str_eq(r.v[0].text, "ABI 2: no network rules (ABI 4, Linux 6.7): tenants on "
				      "`network auto` run in a private network");
	check_report_done(&r);

	check_host_landlock(&r, -EOPNOTSUPP, &t[1], 1);
	cr_assert_eq(only(&r)->level, CHECK_FAIL);
	cr_assert(strncmp(r.v[0].text, "not available: ", 15) == 0, "%s", r.v[0].text);
	check_report_done(&r);
}

Test(tenant, auto_private_says_so_once)
{
	struct mpj_profile aut = profile(NET_AUTO, 1), bare = profile(NET_AUTO, 0),
			   priv = profile(NET_PRIVATE, 1), shared = profile(NET_SHARED, 1);
	struct check_report r = { 0 };

	check_tenant_network(&r, "tenant:a", &aut, 2);
	cr_assert_eq(only(&r)->level, CHECK_WARN);
	cr_assert_str_eq(r.v[0].text,
			 "network auto -> private (kernel Landlock ABI 2 has no network rules): no "
			 "outbound TCP or UDP from the jail; PostgreSQL only over its unix socket "
			 "(db-socket); the profile's `connect` lines do not apply");
	check_report_done(&r);

	check_tenant_network(&r, "tenant:a", &bare, -EOPNOTSUPP);
	cr_assert_not_null(strstr(only(&r)->text, "Landlock is not available"));
	cr_assert_null(strstr(r.v[0].text, "connect"), "%s", r.v[0].text);
	check_report_done(&r);

	/* Nothing to say: auto on a kernel with the rules, explicit choices. */
	check_tenant_network(&r, "tenant:a", &aut, 4);
	check_tenant_network(&r, "tenant:a", &priv, 2);
	check_tenant_network(&r, "tenant:a", &shared, 2);
	cr_assert_eq(r.n, 0);
	check_report_done(&r);
}
