/* SPDX-License-Identifier: GPL-2.0-or-later */
/* System files: the checked walk that reads a public host file
 * (sysfile_read_public), following only links nobody else could plant, and
 * the resolv.conf helpers. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

#include "config/sysfiles.h"

static char dir[64];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void setup(void)
{
	umask(022);
	strcpy(dir, "/tmp/mpj-sysfiles-XXXXXX");
	cr_assert_not_null(mkdtemp(dir), "mkdtemp: %m");
	cr_assert_eq(chmod(dir, 0755), 0);
}

static void teardown(void)
{
	if (dir[0])
		(void)nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(walk, .init = setup, .fini = teardown);

static void put(const char *rel, const char *text, mode_t mode)
{
	char p[256];
	int fd;

	snprintf(p, sizeof p, "%s/%s", dir, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0, "open %s: %m", p);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	cr_assert_eq(fchmod(fd, mode), 0);
	close(fd);
}

static char *path_of(const char *rel) { return xasprintf("%s/%s", dir, rel); }

/* Read REL; returns the result, *why on failure. */
static int rd(const char *rel, char **data, char **resolved, char **why)
{
	_cleanup_free_ char *p = path_of(rel);
	size_t len;

	*data = *resolved = *why = NULL;
	return sysfile_read_public(p, 1000, 4096, data, &len, resolved, why);
}

Test(walk, plain_file_and_relative_link)
{
	char *data, *res, *why, sub[256];
	_cleanup_free_ char *want = path_of("sub/real");

	snprintf(sub, sizeof sub, "%s/sub", dir);
	cr_assert_eq(mkdir(sub, 0755), 0);
	put("sub/real", "nameserver 192.0.2.1\n", 0644);
	cr_assert_eq(symlink("sub/../sub/real", path_of("link")), 0);
	cr_assert_eq(rd("link", &data, &res, &why), 0, "%s", why);
	cr_assert_str_eq(data, "nameserver 192.0.2.1\n");
	cr_assert_str_eq(res, want, "the path finally read: %s", res);
	free(data);
	free(res);
	/* An absolute link resets the walk to /. */
	cr_assert_eq(symlink(want, path_of("abs")), 0);
	cr_assert_eq(rd("abs", &data, &res, &why), 0, "%s", why);
	cr_assert_str_eq(res, want);
	free(data);
	free(res);
}

Test(walk, refusals)
{
	char *data, *res, *why, sub[256];

	put("gw", "x\n", 0664);
	cr_assert_eq(rd("gw", &data, &res, &why), -EPERM);
	cr_assert_not_null(strstr(why, "writable by group or others"), "%s", why);
	free(why);
	put("private", "x\n", 0640);
	cr_assert_eq(rd("private", &data, &res, &why), -EPERM);
	cr_assert_not_null(strstr(why, "not readable by others"), "%s", why);
	free(why);
	snprintf(sub, sizeof sub, "%s/open", dir);
	cr_assert_eq(mkdir(sub, 0755), 0);
	cr_assert_eq(chmod(sub, 0777), 0);
	put("open/f", "x\n", 0644);
	cr_assert_eq(rd("open/f", &data, &res, &why), -EPERM);
	cr_assert_not_null(strstr(why, "/open` is writable by group or others"), "%s", why);
	free(why);
	cr_assert_eq(mkfifo(path_of("fifo"), 0644), 0);
	cr_assert_eq(rd("fifo", &data, &res, &why), -EPERM);
	cr_assert_not_null(strstr(why, "not a regular file"), "%s", why);
	free(why);
	cr_assert_eq(symlink("loop", path_of("loop")), 0);
	cr_assert_eq(rd("loop", &data, &res, &why), -ELOOP);
	free(why);
	cr_assert_eq(rd("missing", &data, &res, &why), -ENOENT);
	free(why);
	cr_assert_eq(sysfile_read_public("rel", 1000, 16, &data, NULL, NULL, &why), -EINVAL);
	free(why);
	put("big", "0123456789abcdef0123456789abcdef\n", 0644);
	cr_assert_lt(sysfile_read_public(path_of("big"), 1000, 16, &data, &(size_t){ 0 }, NULL,
					 &why),
		     0, "over the size limit");
	free(why);
}

/* A symlink planted by a non-system account (a tenant) is never followed,
 * even to a public file; nor is a file it owns read. */
Test(walk, tenant_owned_link_or_file)
{
	char *data, *res, *why;

	if (geteuid() != 0) {
		const char *e = getenv("MPJAIL_NO_SKIP");

		teardown();
		if (e && strcmp(e, "1") == 0)
			cr_assert_fail("MPJAIL_NO_SKIP=1: this test needs root to chown");
		fprintf(stderr, "SKIP walk::tenant_owned_link_or_file: needs root to chown\n");
		cr_skip_test("needs root to chown");
	}
	put("pub", "x\n", 0644);
	cr_assert_eq(symlink("pub", path_of("tlink")), 0);
	cr_assert_eq(lchown(path_of("tlink"), 23456, 23456), 0);
	cr_assert_eq(rd("tlink", &data, &res, &why), -EPERM);
	cr_assert_not_null(strstr(why, "not owned by root or a system account (owner uid 23456"),
			   "%s", why);
	free(why);
	put("tfile", "x\n", 0644);
	cr_assert_eq(chown(path_of("tfile"), 23456, 23456), 0);
	cr_assert_eq(rd("tfile", &data, &res, &why), -EPERM);
	free(why);
	/* A system account (uid below min_uid) is trusted: systemd-resolved
	 * owns /run/systemd/resolve/stub-resolv.conf. */
	cr_assert_eq(chown(path_of("tfile"), 991, 991), 0);
	cr_assert_eq(rd("tfile", &data, &res, &why), 0, "%s", why);
	free(data);
	free(res);
}

Test(resolv, nameservers_and_loopback)
{
	const char text[] = "# c\nsearch example\nnameserver 127.0.0.53\n nameserver  ::1\n"
			    "nameserverX 1.2.3.4\nnameserver 192.0.2.1\noptions edns0\n";
	_cleanup_strv_ char **ns = sysfile_nameservers(text, sizeof text - 1);

	cr_assert_eq(strv_length(ns), 3);
	cr_assert_str_eq(ns[0], "127.0.0.53");
	cr_assert_str_eq(ns[1], "::1");
	cr_assert_str_eq(ns[2], "192.0.2.1");
	cr_assert(sysfile_addr_is_loopback(ns[0]));
	cr_assert(sysfile_addr_is_loopback(ns[1]));
	cr_assert_not(sysfile_addr_is_loopback(ns[2]));
}
