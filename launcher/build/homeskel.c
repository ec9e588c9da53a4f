/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tenant home and its skeleton; see homeskel.h and docs/threats.md T6. */
#define _GNU_SOURCE
#include "build/homeskel.h"

#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "base/privdrop.h"
#include "base/safefs.h"

/* ---- the home itself (as root, nothing inside it touched) ---- */

void homeskel_home_done(struct homeskel_home *h)
{
	if (!h)
		return;
	closep(&h->fd);
	closep(&h->parent_fd);
	free(h->path);
	free(h->base);
	*h = (struct homeskel_home){ .fd = -1, .parent_fd = -1 };
}

static int open_missing_home(const struct mpj_tenant *t, struct homeskel_home *h, struct diag *diag)
{
	_cleanup_free_ char *copy = xstrdup(t->home), *copy2 = xstrdup(t->home);
	const char *parent = dirname(copy);
	int fd, r;

	fd = safefs_open_dir_nofollow(parent);
	if (fd == -ELOOP) {
		diag_set(diag, t->file, 0,
			 "home `%s` does not exist and its parent `%s` is or passes through a "
			 "symlink: refusing to create it there",
			 t->home, parent);
		return fd;
	}
	if (fd < 0) {
		diag_set(diag, t->file, 0,
			 "home `%s` does not exist and its parent `%s` cannot "
			 "be opened: %s",
			 t->home, parent, strerror(-fd));
		return fd;
	}
	h->parent_fd = fd;
	/* The home is made in its parent by root: a parent the tenant (or any
	 * non-root user) can write could have a symlink swapped in. */
	r = safefs_check_root_dir(fd);
	if (r < 0) {
		diag_set(diag, t->file, 0,
			 "home `%s` does not exist and its parent `%s` is not root-owned or is "
			 "group/other-writable: create the home yourself or fix the parent",
			 t->home, parent);
		return r;
	}
	h->base = xstrdup(basename(copy2));
	return 0;
}

int homeskel_open(const struct mpj_tenant *t, const struct mpj_identity *id,
		  struct homeskel_home *ret, struct diag *diag)
{
	struct homeskel_home h = { .fd = -1, .parent_fd = -1 };
	struct stat st;
	int fd, r;

	if (!t->home || !valid_abs_path(t->home) || strcmp(t->home, "/") == 0) {
		diag_set(diag, t->file, 0, "home `%s` must be an absolute, normalised path",
			 t->home ?: "");
		return -EINVAL;
	}
	h.path = xstrdup(t->home);
	h.handed = true; /* an existing home is the tenant's (checked below) */
	fd = safefs_open_dir_nofollow(t->home);
	switch (fd) {
	case -ENOENT:
		r = open_missing_home(t, &h, diag);
		if (r < 0)
			goto fail;
		*ret = h;
		return 0;
	case -ELOOP:
		diag_set(diag, t->file, 0,
			 "home `%s` is or passes through a symlink: refusing (a tenant-controlled "
			 "symlink would point root's work elsewhere)",
			 t->home);
		r = fd;
		goto fail;
	case -ENOTDIR:
		diag_set(diag, t->file, 0, "home `%s` is not a directory", t->home);
		r = fd;
		goto fail;
	default:
		if (fd >= 0)
			break;
		diag_set(diag, t->file, 0, "cannot open home `%s`: %s", t->home, strerror(-fd));
		r = fd;
		goto fail;
	}
	h.fd = fd;
	if (fstat(fd, &st) < 0) {
		r = negerrno();
		diag_set(diag, t->file, 0, "cannot stat home `%s`: %s", t->home, strerror(-r));
		goto fail;
	}
	if (st.st_uid != id->uid) {
		diag_set(diag, t->file, 0,
			 "home `%s` is owned by uid %u, not by the tenant `%s` (uid %u)", t->home,
			 (unsigned)st.st_uid, id->user, (unsigned)id->uid);
		r = -EPERM;
		goto fail;
	}
	*ret = h;
	return 0;
fail:
	homeskel_home_done(&h);
	return r;
}

int homeskel_create(struct homeskel_home *h)
{
	_cleanup_close_ int fd = -1;

	if (h->fd >= 0)
		return 0;
	/* Root's and 0700 until handed over; the parent is root-owned and not
	 * writable by others (checked in homeskel_open), so nobody can swap
	 * the new directory between mkdirat and the open, nor enter it. */
	if (mkdirat(h->parent_fd, h->base, 0700) < 0)
		return negerrno();
	fd = safefs_open_beneath(h->parent_fd, h->base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (fd < 0)
		return fd;
	h->fd = TAKE_FD(fd);
	h->created = true;
	h->handed = false;
	return 0;
}

int homeskel_hand_over(struct homeskel_home *h, const struct mpj_identity *id)
{
	if (h->fd < 0)
		return -EBADF;
	if (!h->created || h->handed)
		return 0;
	if (fchown(h->fd, id->uid, id->gid) < 0 || fchmod(h->fd, 0750) < 0)
		return negerrno();
	h->handed = true;
	return 0;
}

/* ---- loading the skeleton (as root, from the root-owned data dir) ---- */

void homeskel_skel_done(struct homeskel_skel *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->e[i].path);
		free(s->e[i].data);
	}
	free(s->e);
	s->e = NULL;
	s->n = 0;
}

struct loader {
	struct homeskel_skel s;
	size_t cap, bytes;
	char *bad;
};

static void loader_add(struct loader *l, struct skel_entry e)
{
	if (l->s.n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 32;
		l->s.e = xrealloc_array(l->s.e, l->cap, sizeof(*l->s.e));
	}
	l->s.e[l->s.n++] = e;
}

/* The skeleton becomes every new tenant's files, and perl/startup.pl runs in
 * their httpd: it must be as trusted as the profile and the templates
 * (docs/threats.md T36).  A skeleton entry another user may write or own is code
 * injected into other tenants' jails.  Root-owned, or the caller's own for
 * unprivileged tests, as config_check_owner(); a symlink's mode means
 * nothing, its directory's does. */
static int check_trusted(const struct stat *st)
{
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return -EPERM;
	if (!S_ISLNK(st->st_mode) && (st->st_mode & (S_IWGRP | S_IWOTH)))
		return -EPERM;
	return 0;
}

static int load_entry(struct loader *l, int dfd, const char *name, const char *rel,
		      const struct stat *st)
{
	struct skel_entry e = { .mode = st->st_mode & 0755, .path = xstrdup(rel) };
	_cleanup_close_ int fd = -1;
	char target[4096];
	ssize_t n;
	int r;

	if (l->s.n >= HOMESKEL_MAX_ENTRIES) {
		free(e.path);
		return -E2BIG;
	}
	r = check_trusted(st);
	if (r < 0) {
		free(e.path);
		return r;
	}
	switch (st->st_mode & S_IFMT) {
	case S_IFDIR:
		e.type = SKEL_DIR;
		break;
	case S_IFREG:
		e.type = SKEL_FILE;
		fd = safefs_open_beneath(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0);
		r = fd < 0 ? fd : safefs_read_fd(fd, SAFEFS_FILE_MAX, &e.data, &e.len);
		if (r < 0 || (l->bytes += e.len) > HOMESKEL_MAX_BYTES) {
			free(e.path);
			free(e.data);
			return r < 0 ? r : -EFBIG;
		}
		break;
	case S_IFLNK:
		e.type = SKEL_LINK;
		n = readlinkat(dfd, name, target, sizeof target);
		if (n < 0 || (size_t)n >= sizeof target) {
			free(e.path);
			return n < 0 ? negerrno() : -ENAMETOOLONG;
		}
		e.data = xasprintf("%.*s", (int)n, target);
		e.len = (size_t)n;
		break;
	default:
		/* A device node or FIFO has no business in a home skeleton. */
		free(e.path);
		return -EINVAL;
	}
	loader_add(l, e);
	return 0;
}

struct load_level {
	struct loader *l;
	const char *prefix;
	unsigned depth;
};

static int load_dir(struct loader *l, int dfd, const char *prefix, unsigned depth);

static int load_one(int dirfd, const char *name, const struct stat *st, void *userdata)
{
	const struct load_level *lv = userdata;
	_cleanup_free_ char *rel = *lv->prefix ? xasprintf("%s/%s", lv->prefix, name)
					       : xstrdup(name);
	int sub, r;

	r = load_entry(lv->l, dirfd, name, rel, st);
	if (r < 0) {
		lv->l->bad = TAKE_PTR(rel);
		return r;
	}
	if (!S_ISDIR(st->st_mode))
		return 0;
	sub = safefs_open_beneath(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (sub < 0) {
		lv->l->bad = TAKE_PTR(rel);
		return sub;
	}
	return load_dir(lv->l, sub, rel, lv->depth + 1);
}

static int load_dir(struct loader *l, int dfd, const char *prefix, unsigned depth)
{
	struct load_level lv = { l, prefix, depth };

	if (depth > HOMESKEL_MAX_DEPTH) {
		(void)close(dfd);
		return -ELOOP;
	}
	return safefs_foreach(dfd, load_one, &lv);
}

static int cmp_skel(const void *a, const void *b)
{
	return strcmp(((const struct skel_entry *)a)->path, ((const struct skel_entry *)b)->path);
}

int homeskel_load(int dirfd, struct homeskel_skel *ret, char **ret_bad)
{
	struct loader l = { 0 };
	struct stat st;
	int fd, r;

	fd = safefs_open_beneath(dirfd, ".", O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return fd;
	r = fstat(fd, &st) < 0 ? negerrno() : check_trusted(&st);
	if (r < 0) {
		(void)close(fd); /* *ret_bad unset: the skeleton root itself */
		return r;
	}
	r = load_dir(&l, fd, "", 0);
	if (r < 0) {
		homeskel_skel_done(&l.s);
		if (ret_bad)
			*ret_bad = TAKE_PTR(l.bad);
		free(l.bad);
		return r;
	}
	/* Byte order puts every directory before the entries below it. */
	qsort(l.s.e, l.s.n, sizeof(*l.s.e), cmp_skel);
	*ret = l.s;
	return 0;
}

/* ---- populating the home (in a child that is the tenant) ---- */

enum { REC_CREATED = 'C', REC_KEPT = 'K', REC_SKIPPED = 'S', REC_FATAL = 'F' };

/* One fixed-size record per skeleton entry over a pipe. */
struct rec {
	uint32_t idx;
	int32_t err;
	uint8_t tag;
};

/* The child sends its records in batches of at most PIPE_BUF bytes (each
 * write atomic): one write per entry cost the parent a wakeup per entry,
 * which was most of a small home's copy.  A child that dies before it
 * flushed fails the copy anyway, so nothing is lost that the parent needs. */
struct rec_out {
	int fd;
	size_t n;
	struct rec r[PIPE_BUF / sizeof(struct rec)];
};

static void child_flush(struct rec_out *o)
{
	if (o->n)
		(void)write_full(o->fd, o->r, o->n * sizeof o->r[0]);
	o->n = 0;
}

static void child_send(struct rec_out *o, size_t idx, char tag, int err)
{
	o->r[o->n++] = (struct rec){ .idx = (uint32_t)idx, .err = err, .tag = (uint8_t)tag };
	if (o->n == ARRAY_SIZE(o->r))
		child_flush(o);
}

static _noreturn_ void child_fail(struct rec_out *o, size_t idx, int err)
{
	child_send(o, idx, REC_FATAL, err);
	child_flush(o);
	_exit(EXIT_FAILURE);
}

/* A failure caused by the tenant's own entries (a symlink or file in the
 * way, a directory they made read-only) skips that entry; anything else
 * (quota, I/O) fails the build. */
static bool tenant_caused(int err)
{
	return err == -ELOOP || err == -ENOTDIR || err == -EXDEV || err == -EACCES ||
	       err == -EPERM || err == -EISDIR || err == -EROFS;
}

static bool below_skipped(char *const *skipped, const char *path)
{
	for (size_t i = 0; skipped && skipped[i]; i++) {
		size_t n = strlen(skipped[i]);

		if (strncmp(path, skipped[i], n) == 0 && path[n] == '/')
			return true;
	}
	return false;
}

/* The entry named base in its parent pfd (opened beneath the home by
 * safefs_open_parent).  Returns 0 (created), 1 (kept) or -errno. */
static int create_at(int pfd, const char *base, const struct skel_entry *e)
{
	_cleanup_close_ int fd = -1;
	int r;

	switch (e->type) {
	case SKEL_DIR:
		if (mkdirat(pfd, base, e->mode) == 0)
			return 0;
		if (errno != EEXIST)
			return negerrno();
		/* Present: fine if it is a real directory, else skip below it. */
		fd = safefs_open_beneath(pfd, base, O_PATH | O_DIRECTORY, 0);
		return fd < 0 ? fd : 1;
	case SKEL_FILE:
		/* O_EXCL|O_NOFOLLOW: a planted symlink or hard link is EEXIST,
		 * never opened, so nothing is written through it. */
		fd = safefs_open_beneath(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW,
					 e->mode);
		if (fd == -EEXIST)
			return 1;
		if (fd < 0)
			return fd;
		r = write_full(fd, e->data, e->len);
		return r < 0 ? r : 0;
	case SKEL_LINK:
		if (symlinkat(e->data, pfd, base) == 0)
			return 0;
		return errno == EEXIST ? 1 : negerrno();
	default:
		return -EINVAL;
	}
}

static int create_entry(int home_fd, const struct skel_entry *e)
{
	_cleanup_close_ int pfd = -1;
	const char *base;

	pfd = safefs_open_parent(home_fd, e->path, &base);
	return pfd < 0 ? pfd : create_at(pfd, base, e);
}

static _noreturn_ void populate_child(int wfd, int home_fd, const struct homeskel_skel *s,
				      const struct mpj_identity *id)
{
	struct rec_out out = { .fd = wfd };
	_cleanup_strv_ char **skipped = NULL;
	int r;

	/* A full, irreversible drop: after it the kernel checks every access as
	 * the tenant's, so even a bug here cannot write where the tenant could
	 * not.  This process is a copy of root's memory (every tenant's plan):
	 * privdrop_become leaves the tenant's login no moment to read it, even
	 * with fs.suid_dumpable=1. */
	r = privdrop_become(id->uid, id->gid, id->n_groups, id->groups);
	if (r < 0)
		child_fail(&out, SIZE_MAX, r);
	/* Modes come from the skeleton (masked with 0755), not the umask. */
	umask(0);

	for (size_t i = 0; i < s->n; i++) {
		const struct skel_entry *e = &s->e[i];

		if (below_skipped(skipped, e->path))
			continue;
		r = create_entry(home_fd, e);
		if (r >= 0) {
			child_send(&out, i, r == 0 ? REC_CREATED : REC_KEPT, 0);
			continue;
		}
		if (!tenant_caused(r))
			child_fail(&out, i, r);
		child_send(&out, i, REC_SKIPPED, r);
		if (e->type == SKEL_DIR)
			(void)strv_push(&skipped, xstrdup(e->path));
	}
	child_flush(&out);
	_exit(EXIT_SUCCESS);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Wait until the child's pipe is readable (a record or EOF).  The child has
 * the tenant's uid, so the tenant may send it SIGSTOP: a stop never shows on
 * the pipe, so look for it between short polls.  0, -ECHILD (stopped) or
 * -ETIMEDOUT; the caller kills the child. */
static int wait_child(int rfd, pid_t pid, uint64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = rfd, .events = POLLIN };
		siginfo_t si = { 0 };
		uint64_t now = now_ms();
		int n;

		if (now >= deadline)
			return -ETIMEDOUT;
		n = poll(&p, 1, deadline - now < 100 ? (int)(deadline - now) : 100);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return negerrno();
		if (waitid(P_PID, (id_t)pid, &si, WSTOPPED | WNOHANG | WNOWAIT) == 0 &&
		    si.si_pid == pid && si.si_code == CLD_STOPPED)
			return -ECHILD;
	}
}

void homeskel_report_done(struct homeskel_report *r)
{
	if (!r)
		return;
	strv_free(r->created);
	strv_free(r->kept);
	strv_free(r->skipped);
	*r = (struct homeskel_report){ 0 };
}

/* One record from the child into the report: 0, or -errno (the child's
 * fatal error, with *ret_failed naming the entry). */
static int take_record(const struct rec *rc, const struct homeskel_skel *s,
		       struct homeskel_report *rep, char **ret_failed)
{
	const char *path;

	if (rc->idx >= s->n && rc->idx != UINT32_MAX)
		return -EPROTO;
	path = rc->idx < s->n ? s->e[rc->idx].path : "";
	switch (rc->tag) {
	case REC_CREATED:
		(void)strv_push(&rep->created, xstrdup(path));
		return 0;
	case REC_KEPT:
		(void)strv_push(&rep->kept, xstrdup(path));
		return 0;
	case REC_SKIPPED:
		(void)strv_push(&rep->skipped, xasprintf("%s: %s", path, strerror(-rc->err)));
		return 0;
	case REC_FATAL:
		if (ret_failed)
			*ret_failed = xstrdup(*path ? path : "(dropping to the tenant)");
		return rc->err < 0 ? rc->err : -EIO;
	default:
		return -EPROTO;
	}
}

/* A rebuild finds the skeleton already there: each entry present with its
 * type (a directory a directory; for a file or link, any entry under that
 * name, which the child would keep too).  Looked up by root without writing,
 * beneath the home and without following a symlink (safefs), so a tenant's
 * entries cannot point the lookup elsewhere.  Anything missing or odd is
 * the child's work: it creates what is absent and skips what the tenant
 * put in the way (docs/design.md "A new home is filled without a child"). */
static bool all_present(int home_fd, const struct homeskel_skel *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct skel_entry *e = &s->e[i];
		_cleanup_close_ int pfd = -1;
		const char *base;
		struct stat st;

		pfd = safefs_open_parent(home_fd, e->path, &base);
		if (pfd < 0 || fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return false;
		if (e->type == SKEL_DIR && !S_ISDIR(st.st_mode))
			return false;
	}
	return true;
}

/* A home homeskel_create() has just made, still root's and 0700: only root
 * can enter it and it holds only what this loop creates, so there is no
 * tenant entry to resolve and no need for a process that is the tenant
 * (docs/design.md "A new home is filled without a child").  Every path is
 * still resolved beneath the home without symlinks (safefs), and each entry
 * is the tenant's before the home is handed over. */
static int populate_new(struct homeskel_home *h, const struct homeskel_skel *s,
			const struct mpj_identity *id, struct homeskel_report *rep,
			char **ret_failed)
{
	/* Modes come from the skeleton (masked with 0755), not the umask;
	 * the build is single-threaded, so the umask is ours to borrow. */
	mode_t old = umask(0);
	int r = 0, r2;

	for (size_t i = 0; i < s->n && r == 0; i++) {
		const struct skel_entry *e = &s->e[i];
		_cleanup_close_ int pfd = -1;
		const char *base;

		pfd = safefs_open_parent(h->fd, e->path, &base);
		r = pfd < 0 ? pfd : create_at(pfd, base, e);
		if (r == 1) { /* a repeated skeleton path: as the child would */
			(void)strv_push(&rep->kept, xstrdup(e->path));
			r = 0;
			continue;
		}
		if (r == 0 && fchownat(pfd, base, id->uid, id->gid, AT_SYMLINK_NOFOLLOW) < 0)
			r = negerrno();
		if (r < 0) {
			if (ret_failed)
				*ret_failed = xstrdup(e->path);
			break;
		}
		(void)strv_push(&rep->created, xstrdup(e->path));
	}
	umask(old);
	/* Handed over even after a failure: a partial home is the tenant's,
	 * as when the child fails, and the next build completes it. */
	r2 = homeskel_hand_over(h, id);
	return r < 0 ? r : r2;
}

int homeskel_populate(struct homeskel_home *h, const struct homeskel_skel *s,
		      const struct mpj_identity *id, struct homeskel_report *ret, char **ret_failed)
{
	struct homeskel_report rep = { 0 };
	struct rec in[PIPE_BUF / sizeof(struct rec)]; /* a partial record waits here */
	_cleanup_close_ int rfd = -1, wfd = -1;
	int pipefd[2], status, r = 0;
	uint64_t deadline;
	pid_t pid;

	if (h->fd < 0)
		return -EBADF;
	if (!h->handed) {
		r = populate_new(h, s, id, &rep, ret_failed);
		if (r < 0) {
			homeskel_report_done(&rep);
			return r;
		}
		*ret = rep;
		return 0;
	}
	if (s->n == 0) {
		*ret = rep; /* no skeleton: nothing to do as the tenant */
		return 0;
	}
	if (all_present(h->fd, s)) {
		for (size_t i = 0; i < s->n; i++)
			(void)strv_push(&rep.kept, xstrdup(s->e[i].path));
		*ret = rep; /* nothing the child would create */
		return 0;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return negerrno();
	rfd = pipefd[0];
	wfd = pipefd[1];
	pid = fork();
	if (pid < 0)
		return negerrno();
	if (pid == 0) {
		(void)close(rfd);
		populate_child(wfd, h->fd, s, id);
	}
	closep(&wfd);
	wfd = -1;

	deadline = now_ms() + HOMESKEL_TIMEOUT_MS;
	for (size_t have = 0, used = 0;;) {
		ssize_t n;

		r = wait_child(rfd, pid, deadline);
		if (r < 0) {
			if (ret_failed)
				*ret_failed = xstrdup(
					r == -ECHILD
						? "(the copy, running as the tenant, was stopped by a signal)"
						: "(the copy made no progress in time)");
			break;
		}
		/* Whatever batch is there; a record cut by the pipe's own split
		 * (never seen: batches are atomic) is kept for the next read. */
		n = read(rfd, (char *)in + have, sizeof in - have);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			r = negerrno();
			break;
		}
		if (n == 0) {
			if (have)
				r = -EPROTO;
			break;
		}
		have += (size_t)n;
		for (used = 0; r == 0 && have - used >= sizeof(struct rec);
		     used += sizeof(struct rec))
			r = take_record(&in[used / sizeof(struct rec)], s, &rep, ret_failed);
		if (r < 0)
			break;
		memmove(in, (char *)in + used, have - used);
		have -= used;
	}
	/* Closing our end first: a child still writing gets EPIPE instead of
	 * blocking forever on a full pipe we no longer read.  On any error the
	 * child may still run (or be stopped by the tenant, and a stopped child
	 * never exits): kill it so that waitpid() returns. */
	closep(&rfd);
	rfd = -1;
	if (r < 0)
		(void)kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			if (r == 0)
				r = negerrno();
			break;
		}
	if (r == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		r = -ECHILD; /* killed, e.g. by the tenant signalling their own uid */
	if (r < 0) {
		homeskel_report_done(&rep);
		return r;
	}
	*ret = rep;
	return 0;
}
