/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Profiles: directives, once-per-file rules, includes and cycles, the
 * rlimit table, and the shipped default and modperl profiles. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

#include "config/limits.h"
#include "config/profile.h"
#include "config/sysfiles.h"

#define V "mpjail-profile 1\n"

/* ---- helpers ---- */

static int parse(const char *text, struct mpj_profile *p, struct diag *d)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int r;

	cr_assert_not_null(f, "fmemopen: %m");
	r = profile_parse(f, "p.profile", NULL, p, 0, d);
	fclose(f);
	return r;
}

static struct mpj_profile *parse_ok(const char *text)
{
	struct mpj_profile *p = profile_new("t");
	struct diag d = { 0 };

	cr_assert_eq(parse(text, p, &d), 0, "%s:%u: %s", d.file, d.line, d.msg);
	return p;
}

static void expect_error(const char *text, unsigned line, const char *needle)
{
	struct mpj_profile *p = profile_new("t");
	struct diag d = { 0 };
	int r = parse(text, p, &d);

	cr_assert_eq(r, -EINVAL, "parse returned %d for:\n%s", r, text);
	cr_assert_not_null(d.msg);
	cr_assert_str_eq(d.file, "p.profile");
	cr_assert_eq(d.line, line, "line %u, expected %u: %s", d.line, line, d.msg);
	cr_assert_not_null(strstr(d.msg, needle), "message `%s` lacks `%s`", d.msg, needle);
	diag_clear(&d);
	profile_free(p);
}

static char tmpdir[64];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void make_tmpdir(void)
{
	char path[128];

	umask(022);
	strcpy(tmpdir, "/tmp/mpj-profile-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir), "mkdtemp: %m");
	cr_assert_eq(chmod(tmpdir, 0755), 0);
	snprintf(path, sizeof path, "%s/profiles", tmpdir);
	cr_assert_eq(mkdir(path, 0755), 0);
}

static void remove_tmpdir(void)
{
	if (tmpdir[0])
		(void)nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_profile(const char *name, const char *text)
{
	char path[256];
	int fd;

	snprintf(path, sizeof path, "%s/profiles/%s.profile", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0, "open %s: %m", path);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static const char *data_dir(void)
{
	const char *d = getenv("MPJAIL_DATA_DIR");

	/* meson test sets it to the source tree, which holds profiles/. */
	cr_assert_not_null(d, "MPJAIL_DATA_DIR is not set (run through `meson test`)");
	return d;
}

/* ---- version line ---- */

Test(version, required_first)
{
	expect_error("# only a comment\n\n", 0, "the first line must be `mpjail-profile 1`");
	expect_error("network shared\n", 1, "the first line must be `mpjail-profile 1`");
	expect_error("# c\nmpjail-profile 2\n", 2, "unsupported profile version `2`");
	expect_error("mpjail-profile 01\n", 1, "unsupported profile version `01`");
	expect_error("mpjail-profile\n", 1, "the first line must be");
	expect_error("mpjail-profile 1 extra\n", 1, "the first line must be");
}

Test(version, comments_and_blanks)
{
	struct mpj_profile *p =
		parse_ok("# header\n\n  " V "  # indented comment\n\nnetwork private\n");

	cr_assert_eq(p->network, NET_PRIVATE);
	profile_free(p);
}

/* Every keyword of `network`, from the table. */
Test(version, network_keywords)
{
	static const struct {
		const char *line;
		enum mpj_network want;
	} cases[] = {
		{ V "network shared\n", NET_SHARED },
		{ V "network private\n", NET_PRIVATE },
		{ V "network auto\n", NET_AUTO },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct mpj_profile *p = parse_ok(cases[i].line);

		cr_assert_eq(p->network, cases[i].want, "%s", cases[i].line);
		profile_free(p);
	}
}

/* ---- directives ---- */

Test(directives, full_profile)
{
	struct mpj_profile *p =
		parse_ok(V "network private\n"
			   "hostname web\n"
			   "ro-bind /usr\n"
			   "ro-bind-try /etc/ssl /etc/ssl\n"
			   "bind /srv/shared /shared\n"
			   "tmpfs /run size=4M mode=0755\n"
			   "tmpfs /dev/shm size=16M\n"
			   "dir /run/httpd owner=tenant\n"
			   "dir /run/lock mode=1777 owner=root\n"
			   "symlink usr/bin /bin\n"
			   "copy /etc/mime.types\n"
			   "template modperl/httpd.conf.in /etc/apache2/httpd.conf\n"
			   "home-skel modperl\n"
			   "env PATH=/usr/bin:/bin\n"
			   "env GREETING=hello   world\n"
			   "env HOME=${HOME}\n"
			   "rlimit nofile 1024 4096\n"
			   "rlimit core 0\n"
			   "rlimit fsize 1G infinity\n"
			   "rlimit as infinity\n"
			   "seccomp default\n"
			   "command /usr/sbin/apache2 -f /etc/apache2/httpd.conf -DFOREGROUND\n"
			   "db-socket\n"
			   "limit memory 256M\n"
			   "limit tasks 64\n");

	cr_assert_eq(p->network, NET_PRIVATE);
	cr_assert_str_eq(p->hostname, "web");
	cr_assert_eq(p->n_binds, 3);
	cr_assert_str_eq(p->binds[0].src, "/usr");
	cr_assert_str_eq(p->binds[0].dst, "/usr");
	cr_assert_not(p->binds[0].optional);
	cr_assert_not(p->binds[0].writable);
	cr_assert(p->binds[1].optional);
	cr_assert_str_eq(p->binds[2].dst, "/shared");
	cr_assert(p->binds[2].writable);
	cr_assert_eq(p->n_tmpfs, 2);
	cr_assert_eq(p->tmpfs[0].size, 4ULL << 20);
	cr_assert_eq(p->tmpfs[0].mode, 0755);
	cr_assert_eq(p->tmpfs[1].mode, 0755, "default tmpfs mode");
	cr_assert_eq(p->n_dirs, 2);
	cr_assert(p->dirs[0].tenant_owned);
	cr_assert_eq(p->dirs[0].mode, 0755);
	cr_assert_not(p->dirs[1].tenant_owned);
	cr_assert_eq(p->dirs[1].mode, 01777);
	cr_assert_eq(p->n_links, 1);
	cr_assert_str_eq(p->links[0].target, "usr/bin");
	cr_assert_str_eq(p->links[0].path, "/bin");
	cr_assert_eq(strv_length(p->copies), 1);
	cr_assert_eq(p->n_templates, 1);
	cr_assert_str_eq(p->templates[0].src, "modperl/httpd.conf.in");
	cr_assert_str_eq(p->home_skel, "modperl");
	cr_assert_eq(strv_length(p->env), 3);
	cr_assert_str_eq(p->env[1], "GREETING=hello   world");
	cr_assert_str_eq(p->env[2], "HOME=${HOME}");
	cr_assert(p->rlimits[RLIMIT_NOFILE].set);
	cr_assert_eq(p->rlimits[RLIMIT_NOFILE].soft, 1024);
	cr_assert_eq(p->rlimits[RLIMIT_NOFILE].hard, 4096);
	cr_assert_eq(p->rlimits[RLIMIT_NOFILE].line, 18);
	cr_assert_eq(p->rlimits[RLIMIT_CORE].hard, 0, "HARD defaults to SOFT");
	cr_assert_eq(p->rlimits[RLIMIT_FSIZE].soft, 1ULL << 30);
	cr_assert_eq(p->rlimits[RLIMIT_FSIZE].hard, RLIM_INFINITY);
	cr_assert_eq(p->rlimits[RLIMIT_AS].soft, RLIM_INFINITY);
	cr_assert_not(p->rlimits[RLIMIT_NPROC].set);
	cr_assert_str_eq(p->seccomp, "default");
	cr_assert_eq(strv_length(p->command), 4);
	cr_assert_str_eq(p->command[3], "-DFOREGROUND");
	cr_assert(p->db_socket);
	cr_assert_eq(p->limits.v[LIMIT_MEMORY], 256ULL << 20);
	cr_assert_eq(p->limits.line[LIMIT_MEMORY], 25);
	cr_assert_eq(p->limits.v[LIMIT_TASKS], 64);
	profile_free(p);
}

Test(directives, unknown_and_argument_counts)
{
	expect_error(V "mount /usr\n", 2, "unknown directive `mount`");
	expect_error(V "Network shared\n", 2, "unknown directive `Network`");
	expect_error(V "network\n", 2, "network: takes 1 argument, got 0");
	expect_error(V "network shared private\n", 2, "network: takes 1 argument, got 2");
	expect_error(V "ro-bind /a /b /c\n", 2, "ro-bind: takes 1 to 2 arguments, got 3");
	expect_error(V "tmpfs /tmp\n", 2, "tmpfs: takes 2 to 3 arguments, got 1");
	expect_error(V "command\n", 2, "command: takes at least 1 argument, got 0");
	expect_error(V "db-socket yes\n", 2, "db-socket: takes 0 arguments, got 1");
	expect_error(V "env\n", 2, "env: takes 1 argument, got 0");
}

Test(directives, bad_values)
{
	expect_error(V "network host\n", 2, "`host`: expected `shared`, `private` or `auto`");
	expect_error(V "network Auto\n", 2, "`Auto`: expected `shared`, `private` or `auto`");
	expect_error(V "hostname Web\n", 2, "invalid host name `Web`");
	expect_error(V "ro-bind usr\n", 2, "source `usr` is not an absolute");
	expect_error(V "ro-bind /\n", 2, "refusing to bind the host's `/`");
	expect_error(V "ro-bind /proc /hostproc\n", 2, "refusing to bind the host's `/proc`");
	expect_error(V "ro-bind-try /sys/fs/cgroup /cg\n", 2,
		     "refusing to bind the host's `/sys/fs");
	profile_free(parse_ok(V "ro-bind /system /system\nro-bind /processes /p\n"));
	expect_error(V "ro-bind /etc /\n", 2, "`/` is made by mpjail itself");
	expect_error(V "bind /srv /proc/x\n", 2, "`/proc/x` is made by mpjail itself");
	expect_error(V "ro-bind /dev\n", 2, "`/dev` is made by mpjail itself");
	expect_error(V "ro-bind /usr /usr/../etc\n", 2, "not an absolute, normalised path");
	expect_error(V "tmpfs /tmp mode=1777\n", 2, "`/tmp` needs size=SIZE");
	expect_error(V "tmpfs /tmp size=64X\n", 2, "invalid size `64X`");
	expect_error(V "tmpfs /tmp size=0\n", 2, "invalid size `0`");
	expect_error(V "tmpfs /tmp size=2T\n", 2, "invalid size `2T`");
	expect_error(V "tmpfs /tmp size=1M mode=0999\n", 2, "invalid mode `0999`");
	expect_error(V "tmpfs /tmp size=1M mode=4755\n", 2, "invalid mode `4755`");
	expect_error(V "tmpfs /tmp size=1M size=2M\n", 2, "option `size` given twice");
	expect_error(V "tmpfs /tmp size=1M uid=0\n", 2, "unknown option `uid=0`");
	expect_error(V "tmpfs /tmp 64M\n", 2, "expected KEY=VALUE, got `64M`");
	expect_error(V "tmpfs /dev/pts size=1M\n", 2, "`/dev/pts` is made by mpjail itself");
	expect_error(V "dir /run/httpd\n", 2,
		     "`/run/httpd` is not inside a tmpfs declared before it");
	expect_error(V "tmpfs /run size=1M\ndir /run owner=tenant\n", 3, "not inside a tmpfs");
	expect_error(V "tmpfs /run size=1M\ndir /run/x owner=nobody\n", 3,
		     "invalid owner `nobody`");
	expect_error(V "symlink ../usr/bin /bin\n", 2, "invalid target `../usr/bin`");
	expect_error(V "symlink usr//bin /bin\n", 2, "invalid target");
	expect_error(V "symlink usr/bin bin\n", 2, "`bin` is not an absolute");
	expect_error(V "copy etc/passwd\n", 2, "not an absolute");
	expect_error(V "template /etc/x /etc/x\n", 2, "source `/etc/x` must be relative");
	expect_error(V "template a/../../x /etc/x\n", 2, "must be relative to the skel directory");
	expect_error(V "home-skel ../x\n", 2, "invalid skeleton name `../x`");
	expect_error(V "env path=/bin\n", 2, "expected KEY=VALUE with KEY in [A-Z_][A-Z0-9_]*");
	expect_error(V "env PATH\n", 2, "got `PATH`");
	expect_error(V "env =x\n", 2, "got `=x`");
	expect_error(V "env X=${SHELL}\n", 2, "only ${USER}, ${HOME} and ${TENANT} are expanded");
	expect_error(V "seccomp ../x\n", 2, "invalid policy name");
	expect_error(V "command apache2 -X\n", 2, "`apache2` is not an absolute path");
	expect_error(V "limit ram 1G\n", 2, "unknown limit `ram`");
	expect_error(V "limit memory 1M\n", 2, "invalid memory `1M`: out of range");
	expect_error(V "limit tasks lots\n", 2, "invalid tasks `lots`: not a valid value");
}

Test(directives, rlimits)
{
	expect_error(V "rlimit files 10\n", 2, "unknown resource `files`");
	expect_error(V "rlimit nofile 4096 1024\n", 2,
		     "soft limit `4096` is above the hard limit `1024`");
	expect_error(V "rlimit nofile infinity 1024\n", 2, "is above the hard limit");
	expect_error(V "rlimit nofile 1K\n", 2, "invalid soft limit `1K`: expected a number");
	expect_error(V "rlimit fsize 1G lots\n", 2, "invalid hard limit `lots`: expected a size");
	expect_error(V "rlimit nofile -1\n", 2, "invalid soft limit `-1`");
	expect_error(V "rlimit core unlimited\n", 2, "invalid soft limit `unlimited`");
}

Test(directives, rlimit_table)
{
	static const char *const expected[] = { "as",    "core",    "cpu",        "data", "fsize",
						"locks", "memlock", "msgqueue",   "nice", "nofile",
						"nproc", "rtprio",  "sigpending", "stack" };
	bool seen[RLIM_NLIMITS] = { false };

	cr_assert_eq(mpj_rlimit_table_len, ARRAY_SIZE(expected));
	for (size_t i = 0; i < ARRAY_SIZE(expected); i++) {
		const struct mpj_rlimit_desc *d = rlimit_lookup(expected[i]);

		cr_assert_not_null(d, "no rlimit `%s`", expected[i]);
		cr_assert_str_eq(d->key, expected[i]);
		cr_assert(d->resource >= 0 && d->resource < RLIM_NLIMITS);
		cr_assert_not(seen[d->resource], "resource of `%s` listed twice", d->key);
		seen[d->resource] = true;
	}
	cr_assert_eq(rlimit_lookup("nofile")->resource, RLIMIT_NOFILE);
	cr_assert_eq(rlimit_lookup("as")->resource, RLIMIT_AS);
	cr_assert(rlimit_lookup("stack")->is_size);
	cr_assert_not(rlimit_lookup("nproc")->is_size);
	cr_assert_null(rlimit_lookup("NOFILE"));
}

Test(directives, once_per_file)
{
	expect_error(V "network shared\nnetwork private\n", 3,
		     "network: given twice in one file (first at line 2)");
	expect_error(V "hostname a\n\nhostname b\n", 4, "hostname: given twice");
	expect_error(V "seccomp a\nseccomp b\n", 3, "seccomp: given twice");
	expect_error(V "command /bin/sh\ncommand /bin/sh\n", 3, "command: given twice");
	expect_error(V "home-skel a\nhome-skel b\n", 3, "home-skel: given twice");
	expect_error(V "db-socket\ndb-socket\n", 3, "db-socket: given twice");
	expect_error(V "env A=1\nenv B=2\nenv A=3\n", 4, "env: `A` is already set at line 2");
	expect_error(V "rlimit nofile 1\nrlimit core 0\nrlimit nofile 2\n", 4,
		     "rlimit: `nofile` is already set at line 2");
	expect_error(V "limit memory 1G\nlimit memory 2G\n", 3,
		     "limit: `memory` is already set at line 2");
	expect_error(V "ro-bind /usr\nro-bind /opt /usr\n", 3, "`/usr` is already set at line 2");
	expect_error(V "tmpfs /tmp size=1M\nsymlink /run /tmp\n", 3,
		     "symlink: `/tmp` is already set at line 2");
	expect_error(V "copy /etc/x\ncopy /etc/x\n", 3, "`/etc/x` is already set at line 2");
	/* Different things at different paths are fine, as is one env key
	 * per name. */
	profile_free(parse_ok(V "env A=1\nenv AB=2\nrlimit nofile 1\nrlimit core 0\n"));
}

Test(directives, include_refused_without_paths)
{
	expect_error(V "include default\n", 2, "include: includes are not allowed");
}

Test(directives, overlong_and_nul_lines)
{
	static const char nul[] = V "network sh\0ared\n";
	struct mpj_profile *p = profile_new("t");
	struct diag d = { 0 };
	FILE *f = fmemopen((void *)nul, sizeof nul - 1, "r");

	cr_assert_eq(profile_parse(f, "p.profile", NULL, p, 0, &d), -EINVAL);
	cr_assert_eq(d.line, 2);
	cr_assert_not_null(strstr(d.msg, "NUL byte"), "%s", d.msg);
	fclose(f);
	diag_clear(&d);
	profile_free(p);
}

/* ---- includes, on disk ---- */

Test(directives, connect)
{
	struct mpj_profile *p;

	p = parse_ok(V "connect 25 443\nconnect 1024-2048 443\n");
	cr_assert_eq(p->connect.n_spans, 4, "lines add up");
	cr_assert_eq(p->connect.spans[2].lo, 1024);
	cr_assert_eq(p->connect.spans[2].hi, 2048);
	cr_assert_eq(p->connect.spans[2].line, 3);
	cr_assert_str_eq(p->connect.spans[2].file, "p.profile");
	cr_assert_not(p->connect.any_other);
	profile_free(p);
	p = parse_ok(V "connect 25\nconnect any-other\nconnect 80\n");
	cr_assert(p->connect.any_other);
	cr_assert_eq(p->connect.any_other_line, 3);
	cr_assert_eq(p->connect.n_spans, 2);
	profile_free(p);
	p = parse_ok(V "connect 25\nconnect any-other\nconnect none\nconnect 80\n");
	cr_assert_not(p->connect.any_other, "none starts over");
	cr_assert_eq(p->connect.n_spans, 1);
	cr_assert_eq(p->connect.spans[0].lo, 80);
	profile_free(p);
	p = parse_ok(V "# no connect line: only the tenant's own ports\n");
	cr_assert_eq(p->connect.n_spans, 0);
	cr_assert_not(p->connect.any_other);
	profile_free(p);

	expect_error(V "connect\n", 2, "takes 1 to 64 arguments, got 0");
	expect_error(V "connect 0\n", 2, "invalid port `0`");
	expect_error(V "connect 65536\n", 2, "invalid port `65536`");
	expect_error(V "connect 443 http\n", 2, "invalid port `http`");
	expect_error(V "connect 2048-1024\n", 2, "invalid port `2048-1024`");
	expect_error(V "connect 1-\n", 2, "invalid port `1-`");
	expect_error(V "connect -5\n", 2, "invalid port `-5`");
	expect_error(V "connect 1-2-3\n", 2, "invalid port `1-2-3`");
	expect_error(V "connect +80\n", 2, "invalid port `+80`");
	expect_error(V "connect any-other 443\n", 2, "`any-other` stands alone on its line");
	expect_error(V "connect 443 none\n", 2, "invalid port `none`");
	expect_error(V "connect none 443\n", 2, "`none` stands alone");
	expect_error(V "connect any\n", 2, "expected `none`, `any-other`, or ports");
}

Test(directives, connect_span_limit)
{
	char text[4096] = V;

	for (int line = 0; line < 3; line++) {
		strcat(text, "connect");
		for (int i = 0; i < 30; i++)
			(void)snprintf(text + strlen(text), sizeof text - strlen(text), " %d",
				       1000 + line * 100 + i);
		strcat(text, "\n");
	}
	expect_error(text, 4, "more than 64 ports and ranges");
}

TestSuite(include, .init = make_tmpdir, .fini = remove_tmpdir);

static int load(const char *name, struct mpj_profile **p, struct diag *d)
{
	struct mpj_paths paths = { .config_dir = tmpdir, .data_dir = NULL };

	return profile_load(&paths, name, p, d);
}

Test(include, later_file_overrides)
{
	struct mpj_profile *p = NULL;
	struct diag d = { 0 };

	write_profile("base", V "network shared\nhostname base\nseccomp default\n"
				"tmpfs /tmp size=64M mode=1777\nenv A=base\nenv B=base\n"
				"rlimit nofile 1024\nlimit memory 512M\ncopy /etc/x\n"
				"command /bin/sh\n");
	write_profile("web", V "include base\nhostname web\ntmpfs /tmp size=8M\nenv A=web\n"
			       "rlimit nofile 10 20\nlimit memory 1G\ncopy /etc/x\ncopy /etc/y\n");
	cr_assert_eq(load("web", &p, &d), 0, "%s:%u: %s", d.file, d.line, d.msg);
	cr_assert_not_null(strstr(p->file, "/profiles/web.profile"), "%s", p->file);
	cr_assert_str_eq(p->name, "web");
	cr_assert_str_eq(p->hostname, "web");
	cr_assert_eq(p->n_tmpfs, 1, "same path replaces, not appends");
	cr_assert_eq(p->tmpfs[0].size, 8ULL << 20);
	cr_assert_eq(p->tmpfs[0].mode, 0755, "a replaced entry takes all of its values anew");
	cr_assert_eq(strv_length(p->env), 2);
	cr_assert_str_eq(p->env[0], "A=web");
	cr_assert_str_eq(p->env[1], "B=base");
	cr_assert_eq(p->rlimits[RLIMIT_NOFILE].soft, 10);
	cr_assert_eq(p->rlimits[RLIMIT_NOFILE].hard, 20);
	cr_assert_eq(p->limits.v[LIMIT_MEMORY], 1ULL << 30);
	cr_assert_eq(strv_length(p->copies), 2);
	cr_assert_str_eq(p->command[0], "/bin/sh");
	profile_free(p);
}

Test(include, kind_conflict_across_files)
{
	struct mpj_profile *p = NULL;
	struct diag d = { 0 };
	char want[256];

	write_profile("base", V "seccomp default\ntmpfs /run size=4M\n");
	write_profile("web", V "include base\nsymlink /tmp /run\n");
	cr_assert_eq(load("web", &p, &d), -EINVAL);
	snprintf(want, sizeof want, "%s/profiles/web.profile", tmpdir);
	cr_assert_str_eq(d.file, want);
	cr_assert_eq(d.line, 3);
	cr_assert_not_null(strstr(d.msg, "`/run` is already a tmpfs from an included profile"),
			   "%s", d.msg);
	diag_clear(&d);
}

Test(include, error_in_included_file_names_that_file)
{
	struct mpj_profile *p = NULL;
	struct diag d = { 0 };
	char want[256];

	write_profile("base", V "seccomp default\n\nnetwork maybe\n");
	write_profile("web", V "include base\n");
	cr_assert_eq(load("web", &p, &d), -EINVAL);
	snprintf(want, sizeof want, "%s/profiles/base.profile", tmpdir);
	cr_assert_str_eq(d.file, want);
	cr_assert_eq(d.line, 4);
	diag_clear(&d);
}

Test(include, missing_profile)
{
	struct mpj_profile *p = NULL;
	struct diag d = { 0 };

	write_profile("web", V "seccomp default\n# x\ninclude nosuch\n");
	cr_assert_eq(load("web", &p, &d), -EINVAL);
	cr_assert_eq(d.line, 4);
	cr_assert_not_null(strstr(d.msg, "profile `nosuch` not found"), "%s", d.msg);
	cr_assert_not_null(strstr(d.msg, "nosuch.profile"), "%s", d.msg);
	diag_clear(&d);

	cr_assert_eq(load("absent", &p, &d), -ENOENT);
	cr_assert_not_null(strstr(d.msg, "profile `absent` not found"), "%s", d.msg);
	diag_clear(&d);
	cr_assert_eq(load("../etc", &p, &d), -EINVAL);
	diag_clear(&d);
}

Test(include, cycles)
{
	struct mpj_profile *p = NULL;
	struct diag d = { 0 };

	write_profile("a", V "seccomp default\ninclude b\n");
	write_profile("b", V "include c\n");
	write_profile("c", V "\ninclude a\n");
	cr_assert_eq(load("a", &p, &d), -EINVAL);
	cr_assert_not_null(strstr(d.file, "/c.profile"), "%s", d.file);
	cr_assert_eq(d.line, 3);
	cr_assert_not_null(strstr(d.msg, "include cycle:"), "%s", d.msg);
	cr_assert_not_null(strstr(d.msg, "a.profile -> "), "%s", d.msg);
	diag_clear(&d);

	write_profile("self", V "include self\n");
	cr_assert_eq(load("self", &p, &d), -EINVAL);
	cr_assert_not_null(strstr(d.msg, "include cycle"), "%s", d.msg);
	diag_clear(&d);
}

Test(include, depth_limit)
{
	struct mpj_profile *p = NULL;
	struct diag d = { 0 };
	char name[16], text[64];

	/* p0 includes p1 ... includes pN: the top file is depth 0. */
	for (int i = 0; i <= MPJ_MAX_INCLUDE_DEPTH + 1; i++) {
		snprintf(name, sizeof name, "p%d", i);
		if (i <= MPJ_MAX_INCLUDE_DEPTH)
			snprintf(text, sizeof text, V "include p%d\n", i + 1);
		else
			snprintf(text, sizeof text, V "seccomp default\n");
		write_profile(name, text);
	}
	cr_assert_eq(load("p0", &p, &d), -EINVAL);
	cr_assert_not_null(strstr(d.msg, "nested more than 8 includes deep"), "%s", d.msg);
	cr_assert_not_null(strstr(d.file, "/p8.profile"), "%s", d.file);
	diag_clear(&d);

	/* One level less is accepted. */
	cr_assert_eq(load("p1", &p, &d), 0, "%s: %s", d.file, d.msg);
	cr_assert_str_eq(p->seccomp, "default");
	profile_free(p);
}

Test(include, seccomp_required)
{
	struct mpj_profile *p = NULL;
	struct diag d = { 0 };

	write_profile("bare", V "network shared\n");
	cr_assert_eq(load("bare", &p, &d), -EINVAL);
	cr_assert_not_null(strstr(d.msg, "names no seccomp policy"), "%s", d.msg);
	diag_clear(&d);
}

Test(include, config_dir_shadows_data_dir)
{
	struct mpj_paths paths = { .config_dir = tmpdir, .data_dir = data_dir() };
	struct mpj_profile *p = NULL;
	struct diag d = { 0 };

	/* A local "default" replaces the shipped one for every includer. */
	write_profile("default", V "seccomp local\ncommand /bin/true\ntmpfs /run size=1M\n");
	cr_assert_eq(profile_load(&paths, "modperl", &p, &d), 0, "%s:%u: %s", d.file, d.line,
		     d.msg);
	cr_assert_str_eq(p->seccomp, "local");
	cr_assert_eq(p->n_tmpfs, 1);
	cr_assert_str_eq(p->command[0], "/usr/sbin/apache2");
	profile_free(p);
}

/* ---- the shipped profiles ---- */

Test(shipped, modperl_over_default)
{
	struct mpj_paths paths = { .config_dir = "/nonexistent/mpjail", .data_dir = data_dir() };
	struct mpj_profile *p = NULL;
	struct diag d = { 0 };
	bool has_usr = false, has_ssl = false, has_httpd = false, has_lock = false;
	uint64_t v;

	cr_assert_eq(profile_load(&paths, "modperl", &p, &d), 0, "%s:%u: %s", d.file, d.line,
		     d.msg);
	/* Shared only where Landlock enforces the port rules (docs/design.md). */
	cr_assert_eq(p->network, NET_AUTO);
	for (size_t i = 0; i < p->n_binds; i++) {
		if (strcmp(p->binds[i].dst, "/usr") == 0)
			has_usr = !p->binds[i].writable;
		if (strcmp(p->binds[i].dst, "/etc/ssl") == 0)
			has_ssl = p->binds[i].optional && !p->binds[i].writable;
	}
	cr_assert(has_usr && has_ssl);
	for (size_t i = 0; i < p->n_dirs; i++) {
		if (strcmp(p->dirs[i].path, "/run/httpd") == 0)
			has_httpd = p->dirs[i].tenant_owned;
		if (strcmp(p->dirs[i].path, "/run/lock") == 0)
			has_lock = p->dirs[i].tenant_owned;
	}
	cr_assert(has_httpd && has_lock);
	cr_assert_eq(p->n_tmpfs, 3);
	cr_assert(strv_contains(p->copies, "/etc/mime.types"));
	cr_assert(strv_contains(p->env, "HOME=${HOME}"));
	cr_assert(strv_contains(p->env, "LANG=C"));
	cr_assert(p->db_socket);
	cr_assert_str_eq(p->seccomp, "default");
	cr_assert_str_eq(p->home_skel, "modperl");
	cr_assert_eq(p->n_templates, 1);
	cr_assert_str_eq(p->templates[0].dst, "/etc/apache2/httpd.conf");
	cr_assert_str_eq(p->command[0], "/usr/sbin/apache2");
	cr_assert_str_eq(p->command[strv_length(p->command) - 1], "-DFOREGROUND");
	cr_assert(p->rlimits[RLIMIT_CORE].set);
	cr_assert_eq(p->rlimits[RLIMIT_CORE].hard, 0);
	cr_assert_eq(p->rlimits[RLIMIT_RTPRIO].hard, 0);
	cr_assert_eq(p->rlimits[RLIMIT_NOFILE].hard, 4096);
	cr_assert(limits_get(NULL, p, LIMIT_MEMORY, &v));
	cr_assert_eq(v, 512ULL << 20);
	cr_assert(limits_get(NULL, p, LIMIT_TASKS, &v));
	cr_assert_eq(v, 128);
	profile_free(p);
}

Test(shipped, default_alone)
{
	struct mpj_paths paths = { .config_dir = "/nonexistent/mpjail", .data_dir = data_dir() };
	struct mpj_profile *p = NULL;
	struct diag d = { 0 };

	cr_assert_eq(profile_load(&paths, "default", &p, &d), 0, "%s:%u: %s", d.file, d.line,
		     d.msg);
	cr_assert_str_eq(p->command[0], "/bin/sh");
	cr_assert_not(p->db_socket);
	cr_assert_eq(p->n_links, 6);
	cr_assert_str_eq(p->home_tmp, "/var/tmp"); /* HOME/tmp, not a link to /tmp */
	/* Outbound TCP: mail, DNS over TCP, HTTP(S), PostgreSQL; nothing else. */
	cr_assert_not(p->connect.any_other);
	cr_assert_eq(p->connect.n_spans, 7);
	{
		static const unsigned want[] = { 25, 53, 80, 443, 465, 587, 5432 };

		for (size_t i = 0; i < ARRAY_SIZE(want); i++)
			cr_assert_eq(p->connect.spans[i].lo, want[i]);
	}
	profile_free(p);
}

Test(include, connect_lines_add_up_across_files)
{
	struct mpj_profile *p = NULL;
	struct diag d = { 0 };

	write_profile("base", V "seccomp default\nconnect 25 443\n");
	write_profile("more", V "include base\nconnect 3306\n");
	write_profile("only", V "include base\nconnect none\nconnect 8443\n");
	cr_assert_eq(load("more", &p, &d), 0, "%s:%u: %s", d.file, d.line, d.msg);
	cr_assert_eq(p->connect.n_spans, 3);
	cr_assert_not_null(strstr(p->connect.spans[0].file, "/base.profile"));
	cr_assert_eq(p->connect.spans[2].lo, 3306);
	cr_assert_not_null(strstr(p->connect.spans[2].file, "/more.profile"));
	cr_assert_eq(p->connect.spans[2].line, 3);
	profile_free(p);
	cr_assert_eq(load("only", &p, &d), 0, "%s:%u: %s", d.file, d.line, d.msg);
	cr_assert_eq(p->connect.n_spans, 1);
	cr_assert_eq(p->connect.spans[0].lo, 8443);
	profile_free(p);
}

/* ---- system-file (config/sysfiles.h) ---- */

Test(directives, system_file)
{
	struct mpj_profile *p = parse_ok(V "system-file /etc/resolv.conf /etc/mpjail/resolv.conf\n"
					   "system-file /etc/services none\n"
					   "copy /etc/nsswitch.conf\n");
	struct sysfile_source s;

	cr_assert_eq(p->n_sysfiles, 2);
	cr_assert_str_eq(p->sysfiles[0].path, "/etc/resolv.conf");
	cr_assert_str_eq(p->sysfiles[0].src, "/etc/mpjail/resolv.conf");
	cr_assert_str_eq(p->sysfiles[0].file, "p.profile");
	cr_assert_eq(p->sysfiles[0].line, 2);
	cr_assert_null(p->sysfiles[1].src, "`none` has no source");
	for (size_t i = 0; i < sysfile_table_len; i++) {
		sysfile_resolve(p, i, &s);
		if (strcmp(s.desc->path, "/etc/resolv.conf") == 0) {
			cr_assert_eq(s.origin, SYSFILE_FROM_ADMIN);
			cr_assert_eq(s.line, 2);
		} else if (strcmp(s.desc->path, "/etc/services") == 0)
			cr_assert_eq(s.origin, SYSFILE_NONE);
		else if (strcmp(s.desc->path, "/etc/nsswitch.conf") == 0)
			cr_assert_eq(s.origin, SYSFILE_FROM_TREE, "a copy is static");
		else if (strcmp(s.desc->path, "/etc/hosts") == 0) {
			cr_assert_eq(s.origin, SYSFILE_FROM_HOST);
			cr_assert_str_eq(s.src, "/etc/hosts");
		}
	}
	profile_free(p);
	p = parse_ok(V "ro-bind /srv/etc /etc\n");
	for (size_t i = 0; i < sysfile_table_len; i++) {
		sysfile_resolve(p, i, &s);
		cr_assert_eq(s.origin, SYSFILE_FROM_BIND, "a bind above hides %s", s.desc->path);
	}
	profile_free(p);
}

Test(directives, system_file_errors)
{
	expect_error(V "system-file /etc/shadow /etc/x\n", 2,
		     "`/etc/shadow` is not a system file; expected one of /etc/resolv.conf");
	expect_error(V "system-file /etc/hosts etc/x\n", 2,
		     "source `etc/x` must be an absolute, normalised host path or `none`");
	expect_error(V "system-file /etc/hosts /etc/../shadow\n", 2, "must be an absolute");
	expect_error(V "system-file /etc/hosts\n", 2, "takes 2 arguments");
	expect_error(V "system-file /etc/hosts none\nsystem-file /etc/hosts /x\n", 3,
		     "`/etc/hosts` is already set at line 2");
	expect_error(V "copy /etc/hosts\nsystem-file /etc/hosts none\n", 3,
		     "`/etc/hosts` is already set at line 2");
	expect_error(V "copy /etc/passwd\n", 2, "generated by mpjail");
	expect_error(V "template a /etc/group\n", 2, "generated by mpjail");
	expect_error(V "symlink /x /etc/passwd\n", 2, "generated by mpjail");
}

Test(include, system_file_later_file_overrides)
{
	struct mpj_profile *p = NULL;
	struct diag d = { 0 };
	char want[256];

	write_profile("base", V "seccomp default\nsystem-file /etc/hosts /srv/a\n");
	write_profile("web", V "include base\nsystem-file /etc/hosts /srv/b\n");
	cr_assert_eq(load("web", &p, &d), 0, "%s:%u: %s", d.file, d.line, d.msg);
	cr_assert_eq(p->n_sysfiles, 1);
	cr_assert_str_eq(p->sysfiles[0].src, "/srv/b");
	cr_assert_not_null(strstr(p->sysfiles[0].file, "/profiles/web.profile"));
	profile_free(p);
	write_profile("web", V "include base\ncopy /etc/hosts\n");
	cr_assert_eq(load("web", &p, &d), -EINVAL);
	snprintf(want, sizeof want, "%s/profiles/web.profile", tmpdir);
	cr_assert_str_eq(d.file, want);
	cr_assert_eq(d.line, 3);
	cr_assert_not_null(strstr(d.msg, "already a system-file from an included profile"), "%s",
			   d.msg);
	diag_clear(&d);
}

Test(directives, home_tmp_none_and_conflicts)
{
	struct mpj_profile *p = parse_ok("mpjail-profile 1\nhome-tmp /var/tmp\n");

	cr_assert_str_eq(p->home_tmp, "/var/tmp");
	profile_free(p);
	p = parse_ok("mpjail-profile 1\nhome-tmp none\n");
	cr_assert_null(p->home_tmp);
	profile_free(p);
	expect_error("mpjail-profile 1\nhome-tmp /var/tmp\nhome-tmp /srv/tmp\n", 3, "home-tmp");
	expect_error("mpjail-profile 1\ntmpfs /var/tmp size=1M\nhome-tmp /var/tmp\n", 3,
		     "already set");
	expect_error("mpjail-profile 1\nhome-tmp var/tmp\n", 2, "absolute");
	expect_error("mpjail-profile 1\nhome-tmp /proc/x\n", 2, "made by mpjail");
}

Test(directives, sendmail_relay)
{
	struct mpj_profile *p = parse_ok("mpjail-profile 1\nsendmail 127.0.0.1:25\n");

	cr_assert_str_eq(p->sendmail_host, "127.0.0.1");
	cr_assert_str_eq(p->sendmail_port, "25");
	profile_free(p);
	p = parse_ok("mpjail-profile 1\nsendmail [::1]:2525\n");
	cr_assert_str_eq(p->sendmail_host, "::1");
	cr_assert_str_eq(p->sendmail_port, "2525");
	profile_free(p);
	p = parse_ok("mpjail-profile 1\nsendmail none\n");
	cr_assert_null(p->sendmail_host);
	profile_free(p);
	expect_error("mpjail-profile 1\nsendmail 127.0.0.1\n", 2, "HOST:PORT");
	expect_error("mpjail-profile 1\nsendmail 127.0.0.1:0\n", 2, "1-65535");
	expect_error("mpjail-profile 1\nsendmail 127.0.0.1:99999\n", 2, "1-65535");
	expect_error("mpjail-profile 1\nsendmail mail/x:25\n", 2, "invalid host");
	expect_error("mpjail-profile 1\nsendmail [::1:25\n", 2, "[ADDR]:PORT");
	expect_error("mpjail-profile 1\nsendmail a:25\nsendmail b:25\n", 3, "sendmail");
}
