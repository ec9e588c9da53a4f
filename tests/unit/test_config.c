/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The INI reader, mpjail.conf and tenant files: every error names FILE:LINE. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/dqblk_xfs.h>
#include <sys/stat.h>

#include "build/quota.h"
#include "config/global.h"
#include "config/identity.h"
#include "config/ini.h"
#include "config/limits.h"
#include "config/tenant.h"

/* ---- helpers ---- */

static int parse_tenant_n(const char *text, size_t len, struct mpj_tenant **t, struct diag *d)
{
	FILE *f = fmemopen((void *)text, len, "r");
	int r;

	cr_assert_not_null(f, "fmemopen: %m");
	r = tenant_parse(f, "t.conf", "alice", t, d);
	fclose(f);
	return r;
}

static int parse_tenant(const char *text, struct mpj_tenant **t, struct diag *d)
{
	return parse_tenant_n(text, strlen(text), t, d);
}

/* The tenant text must be refused at LINE with a message containing NEEDLE. */
static void expect_error_n(const char *text, size_t len, unsigned line, const char *needle)
{
	struct diag d = { 0 };
	struct mpj_tenant *t = NULL;
	int r = parse_tenant_n(text, len, &t, &d);

	cr_assert_eq(r, -EINVAL, "parse returned %d for:\n%s", r, text);
	cr_assert_null(t);
	cr_assert_not_null(d.msg);
	cr_assert_str_eq(d.file, "t.conf");
	cr_assert_eq(d.line, line, "line %u, expected %u: %s", d.line, line, d.msg);
	cr_assert_not_null(strstr(d.msg, needle), "message `%s` lacks `%s`", d.msg, needle);
	diag_clear(&d);
}

static void expect_error(const char *text, unsigned line, const char *needle)
{
	expect_error_n(text, strlen(text), line, needle);
}

#define GOOD_HEAD "[tenant]\nuser = alice\nhome = /srv/www/alice\nports = 8080\n"

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static char tmpdir[64];

static void make_tmpdir(void)
{
	umask(022);
	strcpy(tmpdir, "/tmp/mpj-config-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir), "mkdtemp: %m");
	cr_assert_eq(chmod(tmpdir, 0755), 0);
}

static void remove_tmpdir(void)
{
	if (tmpdir[0])
		(void)nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *rel, const char *text, mode_t mode)
{
	char path[256];
	int fd;

	snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	cr_assert_geq(fd, 0, "open %s: %m", path);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	cr_assert_eq(fchmod(fd, mode), 0);
	close(fd);
}

static void make_subdir(const char *rel)
{
	char path[256];

	snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
	cr_assert_eq(mkdir(path, 0755), 0, "mkdir %s: %m", path);
}

static bool no_skip(void)
{
	const char *e = getenv("MPJAIL_NO_SKIP");

	return e && strcmp(e, "1") == 0;
}

/* ---- the INI reader ---- */

Test(ini, good_tenant_file)
{
	static const char text[] = "# a tenant\n"
				   "; also a comment\n"
				   "\n"
				   "[tenant]\n"
				   "user = alice\n"
				   "  home=/srv/www/alice  \n"
				   "profile = modperl\n"
				   "ports = 8080  8081\r\n"
				   "hostnames = alice.example www.alice.example\n"
				   "allow_conf = yes\n"
				   "idle_stop = 15m\n"
				   "[limits]\n"
				   "memory = 1G\n"
				   "swap = 0\n"
				   "tasks = 200\n"
				   "cpu = 50\n"
				   "cpu_quota = 150\n"
				   "nofile = 2048\n";
	struct diag d = { 0 };
	struct mpj_tenant *t = NULL;

	cr_assert_eq(parse_tenant(text, &t, &d), 0, "%s:%u: %s", d.file, d.line, d.msg);
	cr_assert_str_eq(t->name, "alice");
	cr_assert_str_eq(t->file, "t.conf");
	cr_assert_str_eq(t->user, "alice");
	cr_assert_eq(t->user_line, 5);
	cr_assert_str_eq(t->home, "/srv/www/alice");
	cr_assert_eq(t->home_line, 6);
	cr_assert_str_eq(t->profile, "modperl");
	cr_assert_eq(t->profile_line, 7);
	cr_assert_eq(t->n_ports, 2);
	cr_assert_eq(t->ports[0], 8080);
	cr_assert_eq(t->ports[1], 8081);
	cr_assert_eq(t->ports_line, 8);
	cr_assert_eq(strv_length(t->hostnames), 2);
	cr_assert_str_eq(t->hostnames[1], "www.alice.example");
	cr_assert_eq(t->hostnames_line, 9);
	cr_assert(t->allow_conf);
	cr_assert_eq(t->idle_stop_s, 900);
	cr_assert_eq(t->idle_stop_line, 11);
	cr_assert_eq(t->limits.v[LIMIT_MEMORY], 1ULL << 30);
	cr_assert_eq(t->limits.line[LIMIT_MEMORY], 13);
	cr_assert(t->limits.set[LIMIT_SWAP]);
	cr_assert_eq(t->limits.v[LIMIT_SWAP], 0);
	cr_assert_eq(t->limits.v[LIMIT_TASKS], 200);
	cr_assert_eq(t->limits.v[LIMIT_CPU], 50);
	cr_assert_eq(t->limits.v[LIMIT_CPU_QUOTA], 150);
	cr_assert_eq(t->limits.v[LIMIT_NOFILE], 2048);
	tenant_free(t);
}

Test(ini, defaults_for_optional_keys)
{
	struct diag d = { 0 };
	struct mpj_tenant *t = NULL;

	cr_assert_eq(parse_tenant(GOOD_HEAD, &t, &d), 0, "%s", d.msg);
	cr_assert_str_eq(t->profile, "modperl");
	cr_assert_eq(t->profile_line, 0);
	cr_assert_not(t->allow_conf);
	cr_assert_eq(t->idle_stop_s, 0, "scale to zero is opt-in");
	cr_assert_not_null(t->hostnames);
	cr_assert_eq(strv_length(t->hostnames), 0);
	for (int k = 0; k < _LIMIT_MAX; k++)
		cr_assert_not(t->limits.set[k]);
	tenant_free(t);
}

Test(ini, line_too_long)
{
	char *text = NULL;

	cr_assert_gt(asprintf(&text, "[tenant]\nuser = %05000d\n", 1), 0);
	expect_error(text, 2, "longer than 4096");
	free(text);
}

Test(ini, line_of_exactly_4096_is_fine)
{
	char *text = NULL;

	/* "#" + 4095 characters: the longest line accepted. */
	cr_assert_gt(asprintf(&text, GOOD_HEAD "#%04095d\n", 1), 0);
	{
		struct diag d = { 0 };
		struct mpj_tenant *t = NULL;

		cr_assert_eq(parse_tenant(text, &t, &d), 0, "%s", d.msg);
		tenant_free(t);
	}
	free(text);
}

Test(ini, nul_byte)
{
	static const char text[] = "[tenant]\nuser = al\0ice\n";

	expect_error_n(text, sizeof text - 1, 2, "NUL byte in line: `user = al`");
}

Test(ini, control_character)
{
	expect_error("[tenant]\nuser = al\033[2Jice\n", 2, "control character 0x1b");
}

Test(ini, text_outside_section)
{
	expect_error("# comment\nuser = alice\n[tenant]\n", 2,
		     "text outside a section: `user = alice`");
}

Test(ini, malformed_section_headers)
{
	expect_error("[tenant\n", 1, "malformed section header `[tenant`");
	expect_error("[]\n", 1, "malformed section header `[]`");
	expect_error("[ten ant]\n", 1, "malformed section header");
	expect_error(GOOD_HEAD "[limits] # x\n", 5, "malformed section header");
}

Test(ini, missing_equals)
{
	expect_error(GOOD_HEAD "allow_conf yes\n", 5, "missing `=` in `allow_conf yes`");
}

Test(ini, empty_key) { expect_error(GOOD_HEAD " = yes\n", 5, "empty key in `= yes`"); }

Test(ini, duplicate_section)
{
	expect_error(GOOD_HEAD "[limits]\n[tenant]\n", 6,
		     "duplicate section `[tenant]` (first at line 1)");
}

Test(ini, duplicate_key)
{
	expect_error(GOOD_HEAD "user = bob\n", 5,
		     "duplicate key `user` in [tenant] (first at line 2)");
	expect_error(GOOD_HEAD "[limits]\nmemory = 1G\nmemory = 2G\n", 7,
		     "duplicate key `memory` in [limits] (first at line 6)");
}

Test(ini, unknown_section_and_keys)
{
	expect_error(GOOD_HEAD "[extra]\n", 5, "unknown section `[extra]`");
	expect_error(GOOD_HEAD "colour = blue\n", 5, "unknown key `colour` in [tenant]");
	expect_error(GOOD_HEAD "[limits]\nram = 1G\n", 6, "unknown key `ram` in [limits]");
	/* Keys are case-sensitive: no guessing. */
	expect_error(GOOD_HEAD "User = x\n", 5, "unknown key `User`");
}

Test(ini, file_too_large)
{
	const size_t head = strlen(GOOD_HEAD), each = 64;
	size_t n = (MPJ_CONF_MAX_BYTES / each) + 2, len = head + n * each;
	char *text = malloc(len + 1);
	unsigned line;

	cr_assert_not_null(text);
	memcpy(text, GOOD_HEAD, head);
	for (size_t i = 0; i < n; i++) {
		char *l = text + head + i * each;

		memset(l, 'x', each);
		l[0] = '#';
		l[each - 1] = '\n';
	}
	text[len] = '\0';
	/* The byte number MAX + 1 falls on this line (4 header lines). */
	line = 4 + (unsigned)((MPJ_CONF_MAX_BYTES + 1 - head + each - 1) / each);
	expect_error(text, line, "larger than");
	free(text);
}

Test(ini, empty_file_has_no_tenant_section)
{
	/* fmemopen refuses size 0 on some libcs: use a comment-only file. */
	expect_error("# nothing\n", 0, "no [tenant] section");
}

/* ---- [tenant] values ---- */

Test(tenant, required_keys)
{
	expect_error("[tenant]\nhome = /srv/a\nports = 8080\n", 1, "required key `user`");
	expect_error("\n[tenant]\nuser = alice\nports = 8080\n", 2, "required key `home`");
	expect_error("[tenant]\nuser = alice\nhome = /srv/a\n", 1, "required key `ports`");
}

Test(tenant, bad_names_and_paths)
{
	expect_error("[tenant]\nuser = Alice\n", 2, "invalid user `Alice`");
	expect_error("[tenant]\nuser = root;id\n", 2, "invalid user");
	expect_error("[tenant]\nhome = srv/www\n", 2, "invalid home `srv/www`");
	expect_error("[tenant]\nhome = /srv/../etc\n", 2, "invalid home");
	expect_error("[tenant]\nhome = /\n", 2, "invalid home `/`");
	expect_error("[tenant]\nhome = /srv/a/\n", 2, "invalid home");
	expect_error("[tenant]\nprofile = ../x\n", 2, "invalid profile `../x`");
	expect_error("[tenant]\nallow_conf = true\n", 2, "invalid allow_conf `true`");
	expect_error("[tenant]\nidle_stop = 10\n", 2, "invalid idle_stop `10`");
	expect_error("[tenant]\nidle_stop = 8d\n", 2, "invalid idle_stop `8d`");
	expect_error("[tenant]\nidle_stop = -5m\n", 2, "invalid idle_stop");

	{
		struct diag d = { 0 };
		struct mpj_tenant *t = NULL;
		FILE *f = fmemopen((void *)GOOD_HEAD, strlen(GOOD_HEAD), "r");

		cr_assert_eq(tenant_parse(f, "X.conf", "Bad", &t, &d), -EINVAL);
		cr_assert_not_null(strstr(d.msg, "invalid tenant name `Bad`"), "%s", d.msg);
		fclose(f);
		diag_clear(&d);
	}
}

Test(tenant, ports)
{
	expect_error("[tenant]\nports =\n", 2, "expected at least one port");
	expect_error("[tenant]\nports = 0\n", 2, "invalid port `0`: out of range");
	expect_error("[tenant]\nports = 65536\n", 2, "invalid port `65536`");
	expect_error("[tenant]\nports = 80a\n", 2, "invalid port `80a`");
	expect_error("[tenant]\nports = -1\n", 2, "invalid port `-1`");
	expect_error("[tenant]\nports = 8080,8081\n", 2, "invalid port `8080,8081`");
	expect_error("[tenant]\nports = 8080 8081 8080\n", 2, "port `8080` listed twice");
	expect_error("[tenant]\nports = 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n", 2,
		     "too many ports (17, at most 16)");
}

Test(tenant, hostnames)
{
	expect_error("[tenant]\nhostnames = Alice.Example\n", 2,
		     "host name `Alice.Example` has upper-case letters; write it in lower case");
	expect_error("[tenant]\nhostnames = a.example a..example\n", 2,
		     "invalid host name `a..example`");
	expect_error("[tenant]\nhostnames = a_b.example\n", 2, "invalid host name");
	expect_error("[tenant]\nhostnames = a.example b.example a.example\n", 2,
		     "host name `a.example` listed twice");
	expect_error("[tenant]\nhostnames =\n", 2, "expected at least one host name");
}

Test(tenant, limits)
{
	expect_error(GOOD_HEAD "[limits]\nmemory = 8M\n", 6, "invalid memory `8M`: out of range");
	expect_error(GOOD_HEAD "[limits]\nmemory = lots\n", 6, "invalid memory `lots`");
	expect_error(GOOD_HEAD "[limits]\nmemory = max\n", 6, "invalid memory `max`");
	expect_error(GOOD_HEAD "[limits]\ntasks = 0\n", 6, "invalid tasks `0`: out of range");
	expect_error(GOOD_HEAD "[limits]\ntasks = 100001\n", 6, "from 1 to 100000");
	expect_error(GOOD_HEAD "[limits]\ncpu = 10001\n", 6, "invalid cpu `10001`");
	expect_error(GOOD_HEAD "[limits]\ncpu_quota = 0\n", 6, "invalid cpu_quota `0`");
	expect_error(GOOD_HEAD "[limits]\nnofile = 15\n", 6, "invalid nofile `15`");
	expect_error(GOOD_HEAD "[limits]\nnofile = 1048577\n", 6, "invalid nofile");
	expect_error(GOOD_HEAD "[limits]\ndisk = 512K\n", 6,
		     "invalid disk `512K`: out of range; expected a size such as 512M, from 1M");
	expect_error(GOOD_HEAD "[limits]\ndisk = 2000T\n", 6, "invalid disk `2000T`: out of range");
	expect_error(GOOD_HEAD "[limits]\ndisk = -1\n", 6, "invalid disk `-1`");
	expect_error(GOOD_HEAD "[limits]\ninodes = 15\n", 6, "invalid inodes `15`: out of range");
	expect_error(GOOD_HEAD "[limits]\ninodes = 4000000001\n", 6, "from 16 to 4000000000");
	expect_error(GOOD_HEAD "[limits]\ninodes = 10K\n", 6, "invalid inodes `10K`");
	expect_error(GOOD_HEAD "[limits]\nnofile = 1K\n", 6, "invalid nofile `1K`");
}

Test(tenant, trailing_comments_are_explained)
{
	expect_error(GOOD_HEAD "[limits]\ntasks = 40   # workers\n", 6,
		     "invalid tasks `40   # workers`: expected a number from 1 to 100000 "
		     "(comments must be on a line of their own)");
	expect_error("[tenant]\nports = 8080 # web\n", 2,
		     "invalid port `#`: expected a number from 1 to 65535 (comments must be");
	expect_error("[tenant]\nhostnames = a.example ; b\n", 2, "(comments must be on a line");
}

Test(tenant, limit_table_is_complete)
{
	for (int k = 0; k < _LIMIT_MAX; k++) {
		const struct mpj_limit_desc *d = &mpj_limit_table[k];

		cr_assert_not_null(d->key, "limit %d has no table entry", k);
		cr_assert_eq((int)d->id, k);
		cr_assert_eq(limit_lookup(d->key), d);
		cr_assert_leq(d->min, d->max);
		cr_assert_not_null(d->help);
	}
	cr_assert_null(limit_lookup("ram"));
}

Test(tenant, disk_and_inodes)
{
	struct diag d = { 0 };
	struct mpj_tenant *t = NULL;
	struct quota_want w;

	cr_assert_eq(parse_tenant(GOOD_HEAD "[limits]\ndisk = 2G\ninodes = 50000\n", &t, &d), 0,
		     "%s", d.msg);
	cr_assert_eq(t->limits.v[LIMIT_DISK], 2ULL << 30);
	cr_assert_eq(t->limits.line[LIMIT_DISK], 6);
	cr_assert_eq(t->limits.v[LIMIT_INODES], 50000);
	quota_want_compute(t, NULL, &w);
	cr_assert(w.has_disk && w.has_inodes);
	cr_assert_eq(w.disk, 2ULL << 30);
	cr_assert_eq(w.inodes, 50000);
	tenant_free(t);
}

/* Project quota wins where both are enforced; accounting alone is none. */
Test(tenant, quota_kind_choose)
{
	cr_assert_eq(quota_kind_choose(0), QUOTA_NONE);
	cr_assert_eq(quota_kind_choose(FS_QUOTA_PDQ_ACCT | FS_QUOTA_UDQ_ACCT), QUOTA_NONE);
	cr_assert_eq(quota_kind_choose(FS_QUOTA_UDQ_ACCT | FS_QUOTA_UDQ_ENFD), QUOTA_USER);
	cr_assert_eq(quota_kind_choose(FS_QUOTA_PDQ_ENFD | FS_QUOTA_UDQ_ENFD), QUOTA_PROJECT);
	cr_assert_str_eq(quota_kind_name(QUOTA_PROJECT), "project");
}

Test(tenant, limits_get_prefers_tenant)
{
	struct mpj_tenant t = { 0 };
	struct mpj_profile p = { 0 };
	uint64_t v = 0;

	cr_assert_not(limits_get(&t, &p, LIMIT_MEMORY, &v));
	p.limits.set[LIMIT_MEMORY] = true;
	p.limits.v[LIMIT_MEMORY] = 512;
	cr_assert(limits_get(&t, &p, LIMIT_MEMORY, &v));
	cr_assert_eq(v, 512);
	t.limits.set[LIMIT_MEMORY] = true;
	t.limits.v[LIMIT_MEMORY] = 1024;
	cr_assert(limits_get(&t, &p, LIMIT_MEMORY, &v));
	cr_assert_eq(v, 1024);
	cr_assert_not(limits_get(&t, &p, LIMIT_TASKS, &v));
	cr_assert(limits_get(&t, NULL, LIMIT_MEMORY, &v));
}

/* ---- files on disk: mpjail.conf, tenants/, ownership ---- */

TestSuite(files, .init = make_tmpdir, .fini = remove_tmpdir);

Test(files, global_defaults_when_missing)
{
	struct mpj_paths paths = { .config_dir = tmpdir };
	struct mpj_global g;
	struct diag d = { 0 };

	cr_assert_eq(global_load(&paths, &g, &d), 0, "%s", d.msg);
	cr_assert_eq(g.min_uid, 1000);
	cr_assert_eq(g.min_gid, 1000);
	cr_assert_eq(g.port_min, 8000);
	cr_assert_eq(g.port_max, 8999);
	cr_assert_null(g.cgroup_root);
	cr_assert_eq(g.overcommit_pct, 150);
	cr_assert_str_eq(g.db_socket_dir, "/run/postgresql");
	cr_assert_eq(g.restart_max_backoff, 60);
	global_free(&g);
}

Test(files, global_values)
{
	struct mpj_paths paths = { .config_dir = tmpdir };
	struct mpj_global g;
	struct diag d = { 0 };

	write_file("mpjail.conf",
		   "[mpjail]\nmin_uid = 2000\nmin_gid = 3000\nport_range = 9000-9100\n"
		   "cgroup_root = /sys/fs/cgroup/mpjail\novercommit = 120\n"
		   "db_socket_dir = /var/run/pg\nrestart_backoff_max = 30\n",
		   0644);
	cr_assert_eq(global_load(&paths, &g, &d), 0, "%s:%u: %s", d.file, d.line, d.msg);
	cr_assert_eq(g.min_uid, 2000);
	cr_assert_eq(g.min_gid, 3000);
	cr_assert_eq(g.port_min, 9000);
	cr_assert_eq(g.port_max, 9100);
	cr_assert_str_eq(g.cgroup_root, "/sys/fs/cgroup/mpjail");
	cr_assert_eq(g.overcommit_pct, 120);
	cr_assert_str_eq(g.db_socket_dir, "/var/run/pg");
	cr_assert_eq(g.restart_max_backoff, 30);
	global_free(&g);
}

static void expect_global_error(const char *text, unsigned line, const char *needle)
{
	struct mpj_paths paths = { .config_dir = tmpdir };
	struct mpj_global g = { .min_uid = 4242 };
	struct diag d = { 0 };
	char want[256];

	write_file("mpjail.conf", text, 0644);
	cr_assert_eq(global_load(&paths, &g, &d), -EINVAL, "accepted:\n%s", text);
	cr_assert_eq(g.min_uid, 4242, "output must be untouched on failure");
	snprintf(want, sizeof want, "%s/mpjail.conf", tmpdir);
	cr_assert_str_eq(d.file, want);
	cr_assert_eq(d.line, line, "line %u, expected %u: %s", d.line, line, d.msg);
	cr_assert_not_null(strstr(d.msg, needle), "message `%s` lacks `%s`", d.msg, needle);
	diag_clear(&d);
}

Test(files, global_errors)
{
	expect_global_error("[mpjail]\nport_range = 9000\n", 2, "invalid port_range `9000`");
	expect_global_error("[mpjail]\nport_range = 9100-9000\n", 2, "out of range");
	expect_global_error("[mpjail]\nport_range = 0-10\n", 2, "invalid port_range");
	expect_global_error("[mpjail]\nport_range = 1-65536\n", 2, "invalid port_range");
	expect_global_error("[mpjail]\nport_range = 1--5\n", 2, "invalid port_range");
	expect_global_error("[mpjail]\nmin_uid = 0\n", 2, "invalid min_uid `0`");
	expect_global_error("[mpjail]\nmin_gid = -5\n", 2, "invalid min_gid `-5`");
	expect_global_error("[mpjail]\ncgroup_root = sys/fs\n", 2, "invalid cgroup_root");
	expect_global_error("[mpjail]\ndb_socket_dir = /run//pg\n", 2, "invalid db_socket_dir");
	expect_global_error("[mpjail]\novercommit = 0\n", 2, "invalid overcommit");
	expect_global_error("[mpjail]\nrestart_backoff_max = 1d\n", 2,
			    "invalid restart_backoff_max");
	expect_global_error("[mpjail]\njail_root = /x\n", 2, "unknown key `jail_root`");
	expect_global_error("[tenant]\n", 1, "unknown section `[tenant]`");
}

Test(files, refuses_group_writable_file)
{
	struct mpj_paths paths = { .config_dir = tmpdir };
	struct mpj_global g;
	struct diag d = { 0 };

	write_file("mpjail.conf", "[mpjail]\n", 0664);
	cr_assert_eq(global_load(&paths, &g, &d), -EPERM);
	cr_assert_not_null(strstr(d.file, "mpjail.conf"));
	cr_assert_not_null(strstr(d.msg, "writable by group or others"), "%s", d.msg);
	cr_assert_not_null(strstr(d.msg, "mode 0664"), "%s", d.msg);
	diag_clear(&d);
}

Test(files, refuses_writable_directory)
{
	struct mpj_paths paths = { .config_dir = tmpdir };
	struct mpj_global g;
	struct diag d = { 0 };

	write_file("mpjail.conf", "[mpjail]\n", 0644);
	cr_assert_eq(chmod(tmpdir, 0777), 0);
	cr_assert_eq(global_load(&paths, &g, &d), -EPERM);
	cr_assert_str_eq(d.file, tmpdir);
	cr_assert_not_null(strstr(d.msg, "mode 0777"), "%s", d.msg);
	diag_clear(&d);
}

Test(files, refuses_symlink_and_non_regular)
{
	struct mpj_paths paths = { .config_dir = tmpdir };
	struct mpj_global g;
	struct diag d = { 0 };
	char path[256];

	write_file("real.conf", "[mpjail]\n", 0644);
	snprintf(path, sizeof path, "%s/mpjail.conf", tmpdir);
	cr_assert_eq(symlink("real.conf", path), 0);
	cr_assert_eq(global_load(&paths, &g, &d), -ELOOP);
	cr_assert_not_null(strstr(d.msg, "symbolic link"), "%s", d.msg);
	diag_clear(&d);

	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(mkfifo(path, 0644), 0);
	cr_assert_eq(global_load(&paths, &g, &d), -EINVAL);
	cr_assert_not_null(strstr(d.msg, "not a regular file"), "%s", d.msg);
	diag_clear(&d);
}

Test(files, refuses_file_owned_by_another_user)
{
	struct mpj_paths paths = { .config_dir = tmpdir };
	struct mpj_global g;
	struct diag d = { 0 };
	char path[256];

	if (geteuid() != 0) {
		/* Criterion skips .fini when a test ends before its body ran. */
		remove_tmpdir();
		if (no_skip())
			cr_assert_fail("MPJAIL_NO_SKIP=1: this test needs root to chown a file");
		/* Criterion shows skips only with --verbose: say it on stderr too. */
		fprintf(stderr, "SKIP files::refuses_file_owned_by_another_user: needs root "
				"to chown a file to another user\n");
		cr_skip_test("needs root to chown a file to another user");
	}
	write_file("mpjail.conf", "[mpjail]\n", 0644);
	snprintf(path, sizeof path, "%s/mpjail.conf", tmpdir);
	cr_assert_eq(chown(path, 65534, 65534), 0, "chown: %m");
	cr_assert_eq(global_load(&paths, &g, &d), -EPERM);
	cr_assert_not_null(strstr(d.msg, "owned by uid 65534"), "%s", d.msg);
	cr_assert_not_null(strstr(d.msg, "not root"), "%s", d.msg);
	diag_clear(&d);
}

Test(files, tenant_load_all_sorted_and_filtered)
{
	struct mpj_paths paths = { .config_dir = tmpdir };
	struct mpj_tenant **v = NULL;
	size_t n = 99;
	struct diag d = { 0 };

	make_subdir("tenants");
	write_file("tenants/zed.conf", "[tenant]\nuser=zed\nhome=/srv/zed\nports=8002\n", 0644);
	write_file("tenants/alice.conf", "[tenant]\nuser=alice\nhome=/srv/alice\nports=8000\n",
		   0644);
	write_file("tenants/bob.conf", "[tenant]\nuser=bob\nhome=/srv/bob\nports=8001\n", 0644);
	write_file("tenants/README", "not a tenant\n", 0644);
	write_file("tenants/bob.conf.dpkg-old", "junk\n", 0644);
	cr_assert_eq(tenant_load_all(&paths, &v, &n, &d), 0, "%s: %s", d.file, d.msg);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(v[0]->name, "alice");
	cr_assert_str_eq(v[1]->name, "bob");
	cr_assert_str_eq(v[2]->name, "zed");
	cr_assert_not_null(strstr(v[1]->file, "/tenants/bob.conf"));
	tenant_free_all(v, n);
}

Test(files, tenant_load_all_stops_at_bad_file)
{
	struct mpj_paths paths = { .config_dir = tmpdir };
	struct mpj_tenant **v = NULL;
	size_t n = 0;
	struct diag d = { 0 };

	make_subdir("tenants");
	write_file("tenants/alice.conf", "[tenant]\nuser=alice\nhome=/srv/alice\nports=8000\n",
		   0644);
	write_file("tenants/bob.conf", "[tenant]\nuser=bob\nports=x\n", 0644);
	cr_assert_eq(tenant_load_all(&paths, &v, &n, &d), -EINVAL);
	cr_assert_not_null(strstr(d.file, "tenants/bob.conf"), "%s", d.file);
	cr_assert_eq(d.line, 3);
	diag_clear(&d);

	write_file("tenants/bob.conf", "[tenant]\nuser=bob\nhome=/srv/bob\nports=8001\n", 0644);
	write_file("tenants/Carol.conf", "[tenant]\n", 0644);
	cr_assert_eq(tenant_load_all(&paths, &v, &n, &d), -EINVAL);
	cr_assert_not_null(strstr(d.msg, "invalid tenant name `Carol`"), "%s", d.msg);
	diag_clear(&d);
}

Test(files, tenant_load_all_without_directory)
{
	struct mpj_paths paths = { .config_dir = tmpdir };
	struct mpj_tenant **v = NULL;
	size_t n = 99;
	struct diag d = { 0 };

	cr_assert_eq(tenant_load_all(&paths, &v, &n, &d), 0, "%s", d.msg);
	cr_assert_eq(n, 0);
	cr_assert_null(d.msg);
	tenant_free_all(v, n);
}

/* What `check` lists: every *.conf, broken and badly named ones too (each
 * is reported on its own), through the same directory checks. */
Test(files, tenant_list_names_every_conf_file)
{
	struct mpj_paths paths = { .config_dir = tmpdir };
	char **names = NULL;
	struct diag d = { 0 };
	char path[256];

	cr_assert_eq(tenant_list(&paths, &names, &d), 0, "%s", d.msg);
	cr_assert_eq(strv_length(names), 0, "no directory: no tenants");
	strv_free(names);

	make_subdir("tenants");
	write_file("tenants/zed.conf", "[tenant]\nuser=zed\nhome=/srv/zed\nports=8002\n", 0644);
	write_file("tenants/bob.conf", "[tenant]\nuser=bob\nports=x\n", 0644);
	write_file("tenants/Carol.conf", "[tenant]\n", 0644);
	write_file("tenants/bob.conf.dpkg-old", "junk\n", 0644);
	write_file("tenants/.conf", "junk\n", 0644);
	cr_assert_eq(tenant_list(&paths, &names, &d), 0, "%s", d.msg);
	cr_assert_eq(strv_length(names), 3);
	cr_assert_str_eq(names[0], "Carol");
	cr_assert_str_eq(names[1], "bob");
	cr_assert_str_eq(names[2], "zed");
	strv_free(names);

	snprintf(path, sizeof path, "%s/tenants", tmpdir);
	cr_assert_eq(chmod(path, 0775), 0);
	cr_assert_eq(tenant_list(&paths, &names, &d), -EPERM);
	cr_assert_str_eq(d.file, path);
	cr_assert_not_null(strstr(d.msg, "writable by group or others"), "%s", d.msg);
	diag_clear(&d);
}

Test(files, tenant_load_one)
{
	struct mpj_paths paths = { .config_dir = tmpdir };
	struct mpj_tenant *t = NULL;
	struct diag d = { 0 };

	make_subdir("tenants");
	write_file("tenants/alice.conf", "[tenant]\nuser=alice\nhome=/srv/alice\nports=8000\n",
		   0644);
	cr_assert_eq(tenant_load(&paths, "alice", &t, &d), 0, "%s", d.msg);
	cr_assert_str_eq(t->user, "alice");
	tenant_free(t);

	cr_assert_eq(tenant_load(&paths, "bob", &t, &d), -ENOENT);
	cr_assert_not_null(strstr(d.file, "tenants/bob.conf"));
	diag_clear(&d);
	cr_assert_eq(tenant_load(&paths, "../etc", &t, &d), -EINVAL);
	cr_assert_not_null(strstr(d.msg, "invalid tenant name"));
	diag_clear(&d);
}

Test(files, config_dir_through_symlink_is_refused)
{
	struct mpj_paths paths = { 0 };
	struct mpj_global g;
	struct diag d = { 0 };
	char link[256], target[256];

	make_subdir("real");
	write_file("real/mpjail.conf", "[mpjail]\n", 0644);
	snprintf(target, sizeof target, "%s/real", tmpdir);
	snprintf(link, sizeof link, "%s/link", tmpdir);
	cr_assert_eq(symlink(target, link), 0);
	paths.config_dir = link;
	cr_assert_eq(global_load(&paths, &g, &d), -ELOOP);
	cr_assert_not_null(strstr(d.msg, "symbolic link"), "%s", d.msg);
	diag_clear(&d);
	paths.config_dir = target;
	cr_assert_eq(global_load(&paths, &g, &d), 0, "%s", d.msg);
	global_free(&g);
}

/* `run` looks accounts up in a child (docs/design.md, "Light pid 1"): the
 * same identity, or the same diagnostic, as a lookup in this process. */
static int resolve_both(const char *user, struct mpj_identity *id, struct diag *d)
{
	struct mpj_tenant t = { .file = "t.conf", .user = (char *)user, .user_line = 2 };
	struct mpj_identity id_child = { 0 };
	struct mpj_global g;
	struct diag d_child = { 0 };
	int r, r_child;

	global_init_defaults(&g);
	identity_nss_in_child(false);
	r = identity_resolve(&g, &t, id, d);
	identity_nss_in_child(true);
	r_child = identity_resolve(&g, &t, &id_child, &d_child);
	identity_nss_in_child(false);
	global_free(&g);
	cr_assert_eq(r_child, r, "%s: %d in a child, %d here", user, r_child, r);
	if (r < 0) {
		cr_assert_str_eq(d_child.msg, d->msg);
		cr_assert_eq(d_child.line, 2);
		diag_clear(&d_child);
		return r;
	}
	cr_assert_str_eq(id_child.user, id->user);
	cr_assert_eq(id_child.uid, id->uid);
	cr_assert_eq(id_child.gid, id->gid);
	cr_assert_str_eq(id_child.group, id->group);
	cr_assert_eq(id_child.n_groups, id->n_groups);
	for (size_t i = 0; i < id->n_groups; i++) {
		cr_assert_eq(id_child.groups[i], id->groups[i]);
		cr_assert_str_eq(id_child.group_names[i], id->group_names[i]);
	}
	identity_done(&id_child);
	return r;
}

Test(identity, lookup_in_a_child_matches_lookup_here)
{
	struct mpj_identity id = { 0 };
	struct diag d = { 0 };

	cr_assert_eq(resolve_both("nobody", &id, &d), 0, "%s", d.msg);
	cr_assert_eq(id.uid, 65534);
	cr_assert_str_eq(id.jail_home, "/home/nobody");
	identity_done(&id);
	cr_assert_eq(resolve_both("root", &id, &d), -EPERM);
	cr_assert_not_null(strstr(d.msg, "uid 0"), "%s", d.msg);
	diag_clear(&d);
	cr_assert_eq(resolve_both("mpj-no-such-user", &id, &d), -ENOENT);
	cr_assert_not_null(strstr(d.msg, "does not exist"), "%s", d.msg);
	diag_clear(&d);
}
