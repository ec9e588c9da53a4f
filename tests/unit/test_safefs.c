/* SPDX-License-Identifier: GPL-2.0-or-later */
/* safefs: the openat2-based helpers refuse symlinks, "..", absolute paths
 * and existing files, in a real temporary directory (no root needed). */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "base/safefs.h"

static char tmpdir[] = "/tmp/mpjail-test-safefs.XXXXXX";
static int dfd = -1;

static void setup(void)
{
	cr_assert_not_null(mkdtemp(tmpdir));
	dfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(dfd, 0);
	/* A target outside the tree that must never be touched. */
	cr_assert_eq(mkdirat(dfd, "outside", 0755), 0);
	cr_assert_eq(mkdirat(dfd, "tree", 0755), 0);
	cr_assert_eq(mkdirat(dfd, "tree/sub", 0755), 0);
	int fd = openat(dfd, "outside/victim", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write_full(fd, "original", 8), 0);
	close(fd);
	cr_assert_eq(symlinkat("../outside", dfd, "tree/link_dir"), 0);
	cr_assert_eq(symlinkat("../outside/victim", dfd, "tree/link_file"), 0);
	cr_assert_eq(symlinkat("/etc", dfd, "tree/abs_link"), 0);
}

static void teardown(void)
{
	if (dfd >= 0)
		close(dfd);
	(void)safefs_rm_rf_at(AT_FDCWD, tmpdir);
}

static int tree(void)
{
	int fd = safefs_open_beneath(dfd, "tree", O_PATH | O_DIRECTORY, 0);

	cr_assert_geq(fd, 0);
	return fd;
}

static void assert_victim_untouched(void)
{
	char *s = NULL;

	cr_assert_eq(read_file_at(dfd, "outside/victim", 100, &s, NULL), 0);
	cr_assert_str_eq(s, "original");
	free(s);
	struct stat st;
	cr_assert_eq(fstatat(dfd, "outside/new", &st, AT_SYMLINK_NOFOLLOW), -1);
}

TestSuite(safefs, .init = setup, .fini = teardown);

Test(safefs, open_beneath_refuses_symlinks_dotdot_absolute)
{
	int t = tree();

	cr_assert_eq(safefs_open_beneath(t, "link_dir", O_PATH, 0), -ELOOP);
	cr_assert_eq(safefs_open_beneath(t, "link_dir/victim", O_RDONLY, 0), -ELOOP);
	cr_assert_eq(safefs_open_beneath(t, "link_file", O_RDONLY, 0), -ELOOP);
	cr_assert_eq(safefs_open_beneath(t, "abs_link", O_PATH, 0), -ELOOP);
	cr_assert_eq(safefs_open_beneath(t, "../outside/victim", O_RDONLY, 0), -EXDEV);
	cr_assert_eq(safefs_open_beneath(t, "/etc/passwd", O_RDONLY, 0), -EXDEV);
	cr_assert_eq(safefs_open_beneath(t, "/proc/self/fd/0", O_RDONLY, 0), -EXDEV);
	int fd = safefs_open_beneath(t, "sub", O_PATH | O_DIRECTORY, 0);
	cr_assert_geq(fd, 0);
	cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC, "fds are born close-on-exec");
	close(fd);
	close(t);
}

Test(safefs, create_helpers_never_write_through_symlinks)
{
	int t = tree();

	/* Through a symlinked parent: refused, nothing created outside. */
	cr_assert_eq(safefs_write_beneath(t, "link_dir/new", "x", 1, 0644, false), -ELOOP);
	cr_assert_eq(safefs_mkdir_beneath(t, "link_dir/new", 0755), -ELOOP);
	/* Onto an existing symlink: EEXIST, the target is not opened. */
	cr_assert_eq(safefs_write_beneath(t, "link_file", "evil", 4, 0644, false), -EEXIST);
	cr_assert_eq(safefs_mkdir_beneath(t, "link_dir", 0755), -EEXIST);
	cr_assert_eq(safefs_write_beneath(t, "../outside/new", "x", 1, 0644, false), -EINVAL);
	cr_assert_eq(safefs_write_beneath(t, "/abs", "x", 1, 0644, false), -EINVAL);
	cr_assert_eq(safefs_write_beneath(t, "sub/./x", "x", 1, 0644, false), -EINVAL);
	cr_assert_eq(safefs_write_beneath(t, "sub/", "x", 1, 0644, false), -EINVAL);
	assert_victim_untouched();
	close(t);
}

Test(safefs, hard_link_is_not_written_through)
{
	int t = tree();

	cr_assert_eq(linkat(dfd, "outside/victim", dfd, "tree/hard", 0), 0);
	cr_assert_eq(safefs_write_beneath(t, "hard", "evil", 4, 0644, false), -EEXIST);
	assert_victim_untouched();
	close(t);
}

Test(safefs, create_helpers_set_exact_modes)
{
	int t = tree();
	struct stat st;
	mode_t old = umask(077);

	cr_assert_eq(safefs_mkdir_beneath(t, "sub/d", 0755), 0);
	cr_assert_eq(safefs_write_beneath(t, "sub/d/f", "hello", 5, 0644, true), 0);
	umask(old);
	cr_assert_eq(fstatat(t, "sub/d", &st, 0), 0);
	cr_assert_eq(st.st_mode & 07777, 0755);
	cr_assert_eq(fstatat(t, "sub/d/f", &st, 0), 0);
	cr_assert_eq(st.st_mode & 07777, 0644);
	cr_assert_eq(st.st_size, 5);
	close(t);
}

Test(safefs, open_dir_nofollow_refuses_any_symlink_component)
{
	char *p = NULL;

	cr_assert_geq(asprintf(&p, "%s/tree/link_dir", tmpdir), 0);
	cr_assert_eq(safefs_open_dir_nofollow(p), -ELOOP);
	free(p);
	cr_assert_geq(asprintf(&p, "%s/tree/link_dir/sub", tmpdir), 0);
	cr_assert_eq(safefs_open_dir_nofollow(p), -ELOOP);
	free(p);
	cr_assert_geq(asprintf(&p, "%s/tree/sub", tmpdir), 0);
	int fd = safefs_open_dir_nofollow(p);
	cr_assert_geq(fd, 0);
	close(fd);
	free(p);
	cr_assert_eq(safefs_open_dir_nofollow("relative"), -EINVAL);
}

Test(safefs, rm_rf_removes_links_not_their_targets)
{
	cr_assert_eq(symlinkat("../../outside", dfd, "tree/sub/deep_link"), 0);
	cr_assert_eq(linkat(dfd, "outside/victim", dfd, "tree/sub/hard", 0), 0);
	cr_assert_eq(safefs_rm_rf_at(dfd, "tree"), 0);
	struct stat st;
	cr_assert_eq(fstatat(dfd, "tree", &st, AT_SYMLINK_NOFOLLOW), -1);
	cr_assert_eq(errno, ENOENT);
	assert_victim_untouched();
	cr_assert_eq(safefs_rm_rf_at(dfd, "tree"), -ENOENT);
}

Test(safefs, check_root_dir)
{
	int fd = safefs_open_beneath(dfd, "tree", O_RDONLY | O_DIRECTORY, 0);

	cr_assert_geq(fd, 0);
	if (geteuid() == 0) {
		cr_assert_eq(safefs_check_root_dir(fd), 0);
		cr_assert_eq(fchmod(fd, 0775), 0);
		cr_assert_eq(safefs_check_root_dir(fd), -EPERM);
	} else
		cr_assert_eq(safefs_check_root_dir(fd), -EPERM, "not root-owned");
	close(fd);
	fd = safefs_open_beneath(dfd, "outside/victim", O_RDONLY, 0);
	cr_assert_eq(safefs_check_root_dir(fd), -ENOTDIR);
	close(fd);
}

Test(safefs, read_fd_enforces_limit)
{
	int fd = safefs_open_beneath(dfd, "outside/victim", O_RDONLY, 0);
	char *s = NULL;
	size_t n;

	cr_assert_eq(safefs_read_fd(fd, 7, &s, &n), -EFBIG);
	cr_assert_null(s);
	cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
	cr_assert_eq(safefs_read_fd(fd, 8, &s, &n), 0);
	cr_assert_eq(n, 8);
	cr_assert_str_eq(s, "original");
	free(s);
	close(fd);
	fd = safefs_open_beneath(dfd, "tree", O_RDONLY | O_DIRECTORY, 0);
	cr_assert_eq(safefs_read_fd(fd, 8, &s, &n), -EINVAL);
	close(fd);
}

static int collect(int dirfd, const char *name, const struct stat *st, void *userdata)
{
	char *list = userdata;

	(void)dirfd;
	cr_assert(S_ISDIR(st->st_mode), "%s handed in, not a directory", name);
	strcat(list, name);
	strcat(list, " ");
	return 0;
}

/* Only subdirectories reach fn: files and symlinks (even to a directory)
 * are skipped. */
Test(safefs, foreach_dir_hands_in_directories_only)
{
	char list[256] = "";
	int fd = safefs_open_beneath(dfd, "tree", O_RDONLY | O_DIRECTORY, 0);

	cr_assert_geq(fd, 0);
	cr_assert_eq(safefs_foreach_dir(fd, collect, list), 0);
	cr_assert_str_eq(list, "sub ");
}
