/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Cross-tenant checks: each conflict is refused and names both files. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <fcntl.h>

#include "config/global.h"
#include "config/registry.h"
#include "config/tenant.h"

#define MAX_T 8

static struct mpj_tenant *tenants[MAX_T];
static size_t n_tenants;
static struct mpj_global global;

static void setup(void)
{
	global_init_defaults(&global);
	n_tenants = 0;
}

static void teardown(void)
{
	for (size_t i = 0; i < n_tenants; i++)
		tenant_free(tenants[i]);
	global_free(&global);
}

TestSuite(registry, .init = setup, .fini = teardown);

/* Add tenant NAME from tenants/NAME.conf text: user on line 2, home on
 * line 3, ports on line 4, host names on line 5. */
static void add(const char *name, const char *user, const char *home, const char *ports,
		const char *hosts)
{
	char *text = NULL, file[64];
	struct diag d = { 0 };
	FILE *f;

	cr_assert_lt(n_tenants, MAX_T);
	cr_assert_gt(asprintf(&text, "[tenant]\nuser = %s\nhome = %s\nports = %s\nhostnames = %s\n",
			      user, home, ports, hosts),
		     0);
	snprintf(file, sizeof file, "tenants/%s.conf", name);
	f = fmemopen(text, strlen(text), "r");
	cr_assert_not_null(f);
	cr_assert_eq(tenant_parse(f, file, name, &tenants[n_tenants], &d), 0, "%s", d.msg);
	n_tenants++;
	fclose(f);
	free(text);
}

static void expect_conflict(unsigned eph_lo, unsigned eph_hi, const char *file, unsigned line,
			    const char *needle)
{
	struct diag d = { 0 };

	cr_assert_eq(registry_check(&global, tenants, n_tenants, eph_lo, eph_hi, &d), -EINVAL,
		     "conflict not found: %s", needle);
	cr_assert_str_eq(d.file, file);
	cr_assert_eq(d.line, line, "line %u, expected %u: %s", d.line, line, d.msg);
	cr_assert_not_null(strstr(d.msg, needle), "message `%s` lacks `%s`", d.msg, needle);
	diag_clear(&d);
}

Test(registry, distinct_tenants_pass)
{
	struct diag d = { 0 };

	add("alice", "alice", "/srv/www/alice", "8000 8001", "alice.example www.alice.example");
	add("bob", "bob", "/srv/www/bob", "8002", "bob.example");
	add("bobby", "bobby", "/srv/www/bobby", "8003", "bobby.example");
	cr_assert_eq(registry_check(&global, tenants, n_tenants, 32768, 60999, &d), 0, "%s", d.msg);
	cr_assert_eq(registry_check(&global, tenants, 0, 32768, 60999, &d), 0);
}

Test(registry, same_port)
{
	add("alice", "alice", "/srv/alice", "8000 8001", "a.example");
	add("bob", "bob", "/srv/bob", "8005", "b.example");
	add("carol", "carol", "/srv/carol", "8010 8001", "c.example");
	expect_conflict(0, 0, "tenants/carol.conf", 4,
			"port `8001` is claimed by tenant `alice` (tenants/alice.conf:4) and "
			"tenant `carol` (tenants/carol.conf:4)");
}

Test(registry, port_outside_range)
{
	add("alice", "alice", "/srv/alice", "8000 9000", "a.example");
	expect_conflict(0, 0, "tenants/alice.conf", 4,
			"port `9000` is outside port_range 8000-8999");
	global.port_max = 9000;
	cr_assert_eq(registry_check(&global, tenants, n_tenants, 0, 0, NULL), 0);
}

Test(registry, port_in_ephemeral_range)
{
	global.port_min = 1024;
	global.port_max = 65535;
	add("alice", "alice", "/srv/alice", "8000", "a.example");
	add("bob", "bob", "/srv/bob", "40000", "b.example");
	expect_conflict(32768, 60999, "tenants/bob.conf", 4,
			"port `40000` is inside the kernel's ephemeral range 32768-60999");
	/* Edges are inside. */
	expect_conflict(40000, 40000, "tenants/bob.conf", 4, "ephemeral range 40000-40000");
	cr_assert_eq(registry_check(&global, tenants, n_tenants, 40001, 60999, NULL), 0);
	cr_assert_eq(registry_check(&global, tenants, n_tenants, 0, 0, NULL), 0);
}

Test(registry, same_hostname)
{
	add("alice", "alice", "/srv/alice", "8000", "a.example shop.example");
	add("bob", "bob", "/srv/bob", "8001", "b.example shop.example");
	expect_conflict(0, 0, "tenants/bob.conf", 5,
			"host name `shop.example` is claimed by tenant `alice` "
			"(tenants/alice.conf:5) and tenant `bob` (tenants/bob.conf:5)");
}

Test(registry, tenants_without_hostnames)
{
	struct diag d = { 0 };
	FILE *f;
	static const char text[] = "[tenant]\nuser = bob\nhome = /srv/bob\nports = 8001\n";

	add("alice", "alice", "/srv/alice", "8000", "a.example");
	f = fmemopen((void *)text, strlen(text), "r");
	cr_assert_eq(tenant_parse(f, "tenants/bob.conf", "bob", &tenants[n_tenants], &d), 0);
	n_tenants++;
	fclose(f);
	cr_assert_eq(registry_check(&global, tenants, n_tenants, 0, 0, &d), 0, "%s", d.msg);
}

Test(registry, same_user)
{
	add("alice", "web", "/srv/alice", "8000", "a.example");
	add("bob", "web", "/srv/bob", "8001", "b.example");
	expect_conflict(0, 0, "tenants/bob.conf", 2,
			"user `web` is used by tenant `alice` (tenants/alice.conf:2) and "
			"tenant `bob` (tenants/bob.conf:2)");
}

Test(registry, same_home)
{
	add("alice", "alice", "/srv/www/shared", "8000", "a.example");
	add("bob", "bob", "/srv/www/shared", "8001", "b.example");
	expect_conflict(0, 0, "tenants/bob.conf", 3, "is the same as the home");
}

Test(registry, home_inside_another)
{
	add("alice", "alice", "/srv/www", "8000", "a.example");
	add("bob", "bob", "/srv/www/bob", "8001", "b.example");
	expect_conflict(0, 0, "tenants/bob.conf", 3,
			"home `/srv/www/bob` of tenant `bob` (tenants/bob.conf:3) is inside the "
			"home `/srv/www` of tenant `alice` (tenants/alice.conf:3)");
}

Test(registry, home_prefix_is_not_inside)
{
	struct diag d = { 0 };

	/* "/srv/www/bob" and "/srv/www/bobby" share a prefix, not a tree. */
	add("bob", "bob", "/srv/www/bob", "8000", "b.example");
	add("bobby", "bobby", "/srv/www/bobby", "8001", "bb.example");
	cr_assert_eq(registry_check(&global, tenants, n_tenants, 0, 0, &d), 0, "%s", d.msg);
}

Test(registry, ephemeral_range_from_proc)
{
	unsigned lo = 0, hi = 0;
	int r = registry_ephemeral_range(&lo, &hi);

	cr_assert_eq(r, 0, "reading ip_local_port_range: %s", strerror(-r));
	cr_assert_gt(lo, 0);
	cr_assert_leq(lo, hi);
	cr_assert_leq(hi, 65535);
}

static void write_tmp(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	cr_assert_geq(fd, 0, "open %s: %m", path);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

Test(registry, ephemeral_range_parsing)
{
	char path[] = "/tmp/mpj-range-XXXXXX";
	int fd = mkstemp(path);
	unsigned lo = 1, hi = 2;

	cr_assert_geq(fd, 0);
	close(fd);
	write_tmp(path, "32768\t60999\n");
	cr_assert_eq(registry_ephemeral_range_from(path, &lo, &hi), 0);
	cr_assert_eq(lo, 32768);
	cr_assert_eq(hi, 60999);
	write_tmp(path, "60999\t32768\n");
	cr_assert_eq(registry_ephemeral_range_from(path, &lo, &hi), -ERANGE);
	write_tmp(path, "32768\n");
	cr_assert_eq(registry_ephemeral_range_from(path, &lo, &hi), -EINVAL);
	write_tmp(path, "1 70000\n");
	cr_assert_eq(registry_ephemeral_range_from(path, &lo, &hi), -ERANGE);
	cr_assert_eq(lo, 32768, "output untouched on failure");
	unlink(path);
}
