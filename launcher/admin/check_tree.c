/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `mpjail check` for a jail tree: the tree against the manifest `build`
 * wrote with it. */
#define _GNU_SOURCE
#include "admin/check.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "base/sys.h"
#include "build/build.h"

#define TREE_DIFF_LINES 20 /* per tenant; a wholly wrong tree is one FAIL plus a count */

void check_jail_tree(struct check_report *r, const char *subject, const struct mpj_paths *paths,
		     const char *name)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int dfd = -1, mfd = -1, rootfd = -1;
	_cleanup_fclose_ FILE *f = NULL;
	struct manifest want = { 0 }, have = { 0 };
	struct stat st;
	unsigned line = 0;
	size_t n;
	int e;

	e = build_tree_path(paths, name, &dir);
	if (e < 0) {
		check_add(r, CHECK_FAIL, subject, "jail tree path: %s", strerror(-e));
		return;
	}
	dfd = sys_openat2(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC,
			  RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (dfd == -ENOENT) {
		check_add(r, CHECK_FAIL, subject, "jail tree `%s` not built: run `mpjail build %s`", dir,
			  name);
		return;
	}
	mfd = dfd < 0 ? dfd : sys_openat2(dfd, "manifest", O_RDONLY | O_CLOEXEC | O_NOFOLLOW, RESOLVE_STRICT);
	if (mfd < 0) {
		check_add(r, CHECK_FAIL, subject, "`%s%s`: %s", dir, dfd < 0 ? "" : "/manifest",
			  strerror(-mfd));
		return;
	}
	/* A manifest anyone else could write proves nothing about the tree. */
	if (fstat(mfd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022)) {
		check_add(r, CHECK_FAIL, subject, "`%s/manifest` must be a root-owned file, not group/other-writable",
			  dir);
		return;
	}
	f = fdopen(mfd, "re");
	if (!f)
		abort();
	(void)TAKE_FD(mfd);
	e = check_read_manifest(f, &want, &line);
	if (e < 0) {
		check_add(r, CHECK_FAIL, subject, "%s/manifest:%u: %s", dir, line,
			  e == -EINVAL ? "malformed line" : strerror(-e));
		return;
	}
	rootfd = sys_openat2(dfd, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC, RESOLVE_STRICT);
	e = rootfd < 0 ? rootfd : manifest_walk(rootfd, &have);
	if (e < 0) {
		check_add(r, CHECK_FAIL, subject, "`%s/root`: %s", dir,
			  e == -EXDEV ? "something is mounted inside the tree" : strerror(-e));
		manifest_done(&want);
		return;
	}
	n = check_manifest_compare(r, subject, &want, &have, TREE_DIFF_LINES);
	n += check_tree_specials(r, subject, &have);
	if (n == 0)
		check_add(r, CHECK_OK, subject,
			  "jail tree matches its manifest (%zu entries), no setuid, setgid or device files",
			  have.n);
	manifest_done(&want);
	manifest_done(&have);
}
