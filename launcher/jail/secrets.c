/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Secrets are never in the tenant's home, httpd.conf, environment or command
 * line (docs/architecture.md): they live root-owned under CONFIG/credentials/NAME
 * and are delivered to RUN/.secrets/NAME, a directory only root can write
 * and only the tenant (by group) can enter; RUN is /run, a tmpfs, on real
 * hosts.  RUN/.secrets is root 0700, so no other host user reaches it; the
 * jail sees the tenant's directory through a read-only bind. */
#define _GNU_SOURCE
#include "jail/secrets.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "base/safefs.h"
#include "base/sys.h"

#define TMP_PREFIX ".tmp-"

struct sync_ctx {
	int src, dst;
	uid_t uid;
	gid_t gid;
	unsigned count;
	const char *creds;
	struct diag *diag;
};

/* A directory below parent that we own: created with `mode` if missing,
 * never through a symlink, fixed to root:gid and `mode` if it drifted. */
static int own_dir(int parent, const char *parent_path, const char *name, gid_t gid, mode_t mode,
		   struct diag *diag)
{
	struct stat st;
	int fd;

	if (mkdirat(parent, name, mode) < 0 && errno != EEXIST) {
		diag_set(diag, parent_path, 0, "cannot create `%s`: %s", name, strerror(errno));
		return negerrno();
	}
	fd = sys_openat2(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC, RESOLVE_STRICT);
	if (fd < 0) {
		diag_set(diag, parent_path, 0, "cannot open `%s`: %s", name, strerror(-fd));
		return fd;
	}
	if (fstat(fd, &st) < 0 || st.st_uid != 0 || (st.st_gid != gid && fchown(fd, 0, gid) < 0) ||
	    ((st.st_mode & 07777) != mode && fchmod(fd, mode) < 0)) {
		diag_set(diag, parent_path, 0, "`%s` must be a root-owned directory", name);
		(void)close(fd);
		return -EPERM;
	}
	return fd;
}

static int copy_one(int dirfd, const char *name, const struct stat *st, void *userdata)
{
	struct sync_ctx *c = userdata;
	_cleanup_close_ int in = -1, out = -1;
	_cleanup_free_ char *tmp = NULL;
	char buf[SECRETS_MAX_SIZE];
	ssize_t n;
	int r;

	(void)dirfd;
	if (name[0] == '.')
		return 0;
	if (++c->count > SECRETS_MAX_FILES) {
		diag_set(c->diag, c->creds, 0, "more than %d credential files", SECRETS_MAX_FILES);
		return -E2BIG;
	}
	/* Root's, not readable by anyone else: a file others could have
	 * written or read is not a secret we hand on (docs/threats.md T36). */
	if (!S_ISREG(st->st_mode) || st->st_uid != 0 || (st->st_mode & 077)) {
		diag_set(c->diag, c->creds, 0,
			 "credential `%s` must be a regular file owned by root, mode 0600 (is uid %u, "
			 "mode %04o)",
			 name, (unsigned)st->st_uid, (unsigned)(st->st_mode & 07777));
		return -EPERM;
	}
	in = sys_openat2(c->src, name, O_RDONLY | O_NOCTTY | O_CLOEXEC, RESOLVE_STRICT);
	if (in < 0)
		return in;
	n = read_full(in, buf, sizeof buf);
	if (n < 0 || (size_t)n == sizeof buf) {
		diag_set(c->diag, c->creds, 0, "credential `%s`: %s", name,
			 n < 0 ? strerror((int)-n) : "larger than 64 KiB");
		return n < 0 ? (int)n : -EFBIG;
	}
	tmp = xasprintf(TMP_PREFIX "%s", name);
	(void)unlinkat(c->dst, tmp, 0);
	out = openat(c->dst, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400);
	if (out < 0) {
		r = negerrno();
		goto fail;
	}
	if ((r = write_full(out, buf, (size_t)n)) < 0)
		goto fail;
	if (fchown(out, c->uid, c->gid) < 0 || fchmod(out, 0400) < 0 ||
	    renameat(c->dst, tmp, c->dst, name) < 0) {
		r = negerrno();
		goto fail;
	}
	explicit_bzero(buf, sizeof buf);
	return 0;
fail:
	explicit_bzero(buf, sizeof buf);
	(void)unlinkat(c->dst, tmp, 0);
	diag_set(c->diag, c->creds, 0, "cannot deliver credential `%s`: %s", name, strerror(-r));
	return r;
}

/* Files delivered earlier whose source is gone (or temp files of a sync
 * that was killed) are removed: a dropped secret must not linger. */
static int prune_one(int dirfd, const char *name, const struct stat *st, void *userdata)
{
	struct sync_ctx *c = userdata;
	struct stat s;

	(void)st;
	if (startswith(name, TMP_PREFIX) ||
	    (fstatat(c->src, name, &s, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT))
		return unlinkat(dirfd, name, 0) < 0 ? negerrno() : 0;
	return 0;
}

int secrets_sync(const struct mpj_paths *paths, const char *tenant, uid_t uid, gid_t gid,
		 int *ret_fd, struct diag *diag)
{
	_cleanup_free_ char *creds = xasprintf("%s/credentials/%s", paths->config_dir, tenant);
	_cleanup_free_ char *store = xasprintf("%s/.secrets", paths->run_dir);
	_cleanup_close_ int src = -1, run = -1, sdir = -1, dst = -1;
	struct sync_ctx c = { .uid = uid, .gid = gid, .creds = creds, .diag = diag };
	struct stat st;
	int r;

	*ret_fd = -1;
	src = sys_openat2(AT_FDCWD, creds, O_RDONLY | O_DIRECTORY | O_CLOEXEC,
			  RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (src == -ENOENT)
		return 0;
	if (src < 0) {
		diag_set(diag, creds, 0, "cannot open: %s", strerror(-src));
		return src;
	}
	if (fstat(src, &st) < 0)
		return negerrno();
	if (st.st_uid != 0 || (st.st_mode & 077)) {
		diag_set(diag, creds, 0,
			 "must be owned by root with mode 0700 (is uid %u, mode %04o)",
			 (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	if (mkdir(paths->run_dir, 0755) < 0 && errno != EEXIST) {
		diag_set(diag, paths->run_dir, 0, "cannot create: %s", strerror(errno));
		return negerrno();
	}
	run = sys_openat2(AT_FDCWD, paths->run_dir, O_PATH | O_DIRECTORY | O_CLOEXEC,
			  RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (run < 0) {
		diag_set(diag, paths->run_dir, 0, "cannot open: %s", strerror(-run));
		return run;
	}
	if (fstat(run, &st) < 0 || st.st_uid != 0 || (st.st_mode & 022)) {
		diag_set(diag, paths->run_dir, 0,
			 "must be a root-owned directory not writable by others");
		return -EPERM;
	}
	sdir = own_dir(run, paths->run_dir, ".secrets", 0, 0700, diag);
	if (sdir < 0)
		return sdir;
	c.dst = dst = own_dir(sdir, store, tenant, gid, 0550, diag);
	if (dst < 0)
		return dst;
	c.src = src;
	r = safefs_foreach(fcntl(src, F_DUPFD_CLOEXEC, 3), copy_one, &c);
	if (r < 0)
		return r;
	r = safefs_foreach(fcntl(dst, F_DUPFD_CLOEXEC, 3), prune_one, &c);
	if (r < 0) {
		diag_set(diag, store, 0, "cannot prune `%s`: %s", tenant, strerror(-r));
		return r;
	}
	*ret_fd = sys_openat2(dst, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, RESOLVE_STRICT);
	return *ret_fd < 0 ? *ret_fd : 1;
}
