/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Path-as-fd helpers for trees the builder creates or the tenant controls
 * (docs/style.md P6, docs/threats.md T6).  Every lookup goes through openat2()
 * with RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS|
 * RESOLVE_NO_XDEV; creation uses mkdirat/symlinkat/O_CREAT|O_EXCL on the
 * last component only, so nothing is ever written through a symlink.
 * All functions return 0 (or an fd) on success and -errno on failure. */
#pragma once

#include <linux/openat2.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "base/util.h"

#define SAFEFS_RESOLVE_STRICT \
	(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)

/* Largest file the builder reads into memory (templates, copies, skel). */
#define SAFEFS_FILE_MAX (16u * 1024 * 1024)

/* openat2(2); glibc 2.36 has no wrapper.  Returns an fd or -errno.  O_CLOEXEC
 * is always added. */
int safefs_openat2(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve);

/* Open PATH (relative, no leading '/') beneath dirfd, strictly. */
int safefs_open_beneath(int dirfd, const char *path, int flags, mode_t mode);

/* An absolute host path that must not be or pass through a symlink: an
 * O_PATH|O_DIRECTORY fd.  -ELOOP names the symlink case. */
int safefs_open_dir_nofollow(const char *path);

/* Open the parent directory of the relative PATH strictly (O_PATH), and
 * point *ret_base at PATH's last component (inside PATH, not copied).
 * -EINVAL for an empty path, a trailing '/', or a "." / ".." component. */
int safefs_open_parent(int dirfd, const char *path, const char **ret_base);

/* Create one directory (the parent must exist), mode exactly MODE despite
 * the umask.  -EEXIST if anything exists there. */
int safefs_mkdir_beneath(int dirfd, const char *path, mode_t mode);
/* Create a new regular file with exactly MODE and the given content; never
 * opens an existing file (O_EXCL).  fsync'd before return when do_sync. */
int safefs_write_beneath(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
			 bool do_sync);
/* The same two in the directory pfd (already opened strictly), BASE being a
 * single component: for a writer that creates many entries in one parent. */
int safefs_mkdir_at(int pfd, const char *base, mode_t mode);
int safefs_write_at(int pfd, const char *base, const void *data, size_t len, mode_t mode,
		    bool do_sync);

/* fd must be a directory owned by root and not group/other-writable:
 * -EPERM otherwise, -ENOTDIR for a non-directory. */
int safefs_check_root_dir(int fd);

/* NAME in dirfd: created root:root 0755 when missing, then opened without
 * following symlinks (O_RDONLY|O_DIRECTORY) and checked with
 * safefs_check_root_dir().  Returns the fd. */
int safefs_ensure_root_dir(int dirfd, const char *name);

/* Remove NAME (file, symlink or whole tree) beneath dirfd.  Symlinks are
 * removed, never followed; a mount point inside the tree is -EXDEV.
 * -ENOENT when NAME does not exist. */
int safefs_rm_rf_at(int dirfd, const char *name);

/* Call fn(dirfd, name, lstat, userdata) for every entry of the directory
 * dfd except "." and "..".  Takes ownership of dfd (closed on return).  A
 * negative return from fn stops the walk and is returned.  The directory
 * fd handed to fn is valid only during the call. */
typedef int (*safefs_entry_fn)(int dirfd, const char *name, const struct stat *st, void *userdata);
int safefs_foreach(int dfd, safefs_entry_fn fn, void *userdata);
/* The same for the subdirectories only: an entry whose d_type says it is
 * not one is skipped without the lstat (a cgroup directory holds dozens
 * of control files; DT_UNKNOWN is still lstat'ed and handed to fn). */
int safefs_foreach_dir(int dfd, safefs_entry_fn fn, void *userdata);

/* Open the subdirectory NAME of dirfd (whose lstat is st) for reading,
 * strictly; -EXDEV if it is on another device than `dev` (a mount point
 * inside a tree we walk means someone put it there: never walk through). */
int safefs_open_subdir(int dirfd, const char *name, const struct stat *st, dev_t dev);

/* Read all of fd (a regular file, else -EINVAL) up to max bytes: -EFBIG beyond.
 * The buffer is NUL-terminated for convenience. */
int safefs_read_fd(int fd, size_t max, char **ret, size_t *ret_len);
