/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Plan the jail tree in memory, write it aside, swap it in; see build.h. */
#define _GNU_SOURCE
#include "build/build.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "base/safefs.h"
#include "build/manifest.h"
#include "build/template.h"
#include "config/files.h"
#include "sendmail/sendmail_msg.h"

struct plan_entry {
	char type;        /* 'd', 'f', 'l' as in the manifest */
	char *path;       /* absolute, inside the jail */
	const char *data; /* file content or link target */
	char *own;        /* data when the plan owns it, else NULL (a shared copy) */
	size_t len;
	const char *why; /* what asked for it, for conflict messages */
};

struct build_plan {
	char *name;
	struct plan_entry *e;
	size_t n, cap;
	const struct mpj_filter *filter; /* NULL: none to store */
};

void build_plan_set_filter(struct build_plan *plan, const struct mpj_filter *f)
{
	plan->filter = f;
}

void build_plan_free(struct build_plan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->n; i++) {
		free(plan->e[i].path);
		free(plan->e[i].own);
	}
	free(plan->e);
	free(plan->name);
	free(plan);
}

int build_tree_path(const struct mpj_paths *paths, const char *name, char **ret)
{
	if (!paths->state_dir || !valid_name(name))
		return -EINVAL;
	*ret = xasprintf("%s/jails/%s", paths->state_dir, name);
	return 0;
}

/* Copies may hold NUL bytes: copy by length, terminate for convenience. */
static char *memdup0(const char *d, size_t n)
{
	char *s = xmalloc(n + 1);

	memcpy(s, d, n);
	s[n] = '\0';
	return s;
}

static struct plan_entry *plan_find(struct build_plan *plan, const char *path, size_t len)
{
	for (size_t i = 0; i < plan->n; i++)
		if (strlen(plan->e[i].path) == len && memcmp(plan->e[i].path, path, len) == 0)
			return &plan->e[i];
	return NULL;
}

static void plan_append(struct build_plan *plan, struct plan_entry e)
{
	if (plan->n == plan->cap) {
		plan->cap = plan->cap ? 2 * plan->cap : 64;
		plan->e = xrealloc_array(plan->e, plan->cap, sizeof(*plan->e));
	}
	plan->e[plan->n++] = e;
}

/* Add PATH of TYPE and every missing parent directory.  A path that is
 * wanted both as a directory and as a file or symlink, or lies below a
 * planned file or symlink (a bind under a `symlink`), is a profile error. */
static int plan_add_data(struct build_plan *plan, const char *file, char type, const char *path,
			 const char *data, size_t len, bool borrow, const char *why,
			 struct diag *diag)
{
	if (!valid_abs_path(path) || strcmp(path, "/") == 0) {
		diag_set(diag, file, 0, "%s: `%s` is not an absolute, normalised path below /", why,
			 path);
		return -EINVAL;
	}
	for (const char *s = strchr(path + 1, '/');; s = strchr(s + 1, '/')) {
		size_t n = s ? (size_t)(s - path) : strlen(path);
		struct plan_entry *e = plan_find(plan, path, n);
		char t = s ? 'd' : type;

		if (e && (e->type != 'd' || t != 'd')) {
			diag_set(diag, file, 0, "%s: `%s` conflicts with `%.*s` (%s, from %s)", why,
				 path, (int)n, path,
				 e->type == 'd'   ? "a directory"
				 : e->type == 'f' ? "a file"
						  : "a symlink",
				 e->why);
			return -EINVAL;
		}
		if (!e) {
			char *own;

			if (plan->n >= BUILD_MAX_ENTRIES) {
				diag_set(diag, file, 0, "more than %d entries in the jail tree",
					 BUILD_MAX_ENTRIES);
				return -E2BIG;
			}
			own = !s && data && !borrow ? memdup0(data, len) : NULL;
			plan_append(plan, (struct plan_entry){
						  .type = t,
						  .path = xasprintf("%.*s", (int)n, path),
						  .data = own ?: (!s ? data : NULL),
						  .own = own,
						  .len = !s ? len : 0,
						  .why = why,
					  });
		}
		if (!s)
			return 0;
	}
}

static int plan_add(struct build_plan *plan, const char *file, char type, const char *path,
		    const char *data, size_t len, const char *why, struct diag *diag)
{
	return plan_add_data(plan, file, type, path, data, len, false, why, diag);
}

static int plan_dir(struct build_plan *plan, const char *file, const char *path, const char *why,
		    struct diag *diag)
{
	return plan_add(plan, file, 'd', path, NULL, 0, why, diag);
}

static int plan_text(struct build_plan *plan, const char *file, const char *path, const char *text,
		     const char *why, struct diag *diag)
{
	return plan_add(plan, file, 'f', path, text, strlen(text), why, diag);
}

/* A host file copied into the tree becomes world-readable in every jail of
 * the profile.  So copy only what is already public and root-controlled:
 * a regular file owned by root, readable by others, writable by nobody else
 * (a profile naming a path through a tenant's directory then cannot leak
 * /etc/shadow or another tenant's secret). */
static int read_copy(const struct mpj_profile *p, const char *src, char **ret, size_t *ret_len,
		     struct diag *diag)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	fd = open(src, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = negerrno();
		diag_set(diag, p->file, 0, "copy `%s`: %s", src, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = negerrno();
		diag_set(diag, p->file, 0, "copy `%s`: %s", src, strerror(-r));
		return r;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 0022) || !(st.st_mode & 0004)) {
		diag_set(diag, p->file, 0,
			 "copy `%s`: only regular files owned by root, readable by others and "
			 "not group/other-writable are copied into a jail",
			 src);
		return -EPERM;
	}
	r = safefs_read_fd(fd, SAFEFS_FILE_MAX, ret, ret_len);
	if (r < 0) {
		diag_set(diag, p->file, 0, "copy `%s`: %s", src, strerror(-r));
		return r;
	}
	return 0;
}

void build_copies_done(struct build_copies *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->e[i].path);
		free(c->e[i].data);
	}
	free(c->e);
	*c = (struct build_copies){ 0 };
}

static int plan_copy(struct build_plan *plan, const struct mpj_profile *p, const char *src,
		     struct build_copies *copies, struct diag *diag)
{
	const struct build_copy *c = NULL;
	char *data;
	size_t len;
	int r;

	for (size_t i = 0; i < copies->n && !c; i++)
		if (strcmp(copies->e[i].path, src) == 0)
			c = &copies->e[i];
	if (!c) {
		r = read_copy(p, src, &data, &len, diag);
		if (r < 0)
			return r;
		copies->e = xrealloc_array(copies->e, copies->n + 1, sizeof *copies->e);
		copies->e[copies->n] = (struct build_copy){ xstrdup(src), data, len };
		c = &copies->e[copies->n++];
	}
	return plan_add_data(plan, p->file, 'f', src, c->data, c->len, true, "copy", diag);
}

static int plan_template(struct build_plan *plan, const struct mpj_paths *paths,
			 const struct mpj_profile *p, const struct mpj_template *tp,
			 const struct tmpl_vars *vars, struct diag *diag)
{
	_cleanup_close_ int skel = -1, fd = -1;
	_cleanup_free_ char *skel_dir = xasprintf("%s/skel", paths->data_dir);
	_cleanup_free_ char *src_path = xasprintf("%s/%s", skel_dir, tp->src);
	_cleanup_free_ char *text = NULL, *out = NULL;
	size_t len, out_len;
	int r;

	skel = open(skel_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	r = skel < 0 ? negerrno() : 0;
	if (r == 0) {
		fd = safefs_open_beneath(skel, tp->src, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0);
		r = fd < 0 ? fd : 0;
	}
	/* The rendered file is root's configuration of the tenant's httpd:
	 * its source must be as trusted as the profile (docs/threats.md T36). */
	if (r == 0 && (r = config_check_owner(fd, src_path, diag)) < 0)
		return r;
	if (r == 0)
		r = safefs_read_fd(fd, SAFEFS_FILE_MAX, &text, &len);
	if (r < 0) {
		diag_set(diag, p->file, 0, "template `%s`: cannot read `%s`: %s", tp->src, src_path,
			 strerror(-r));
		return r;
	}
	r = template_render(text, len, src_path, vars, &out, &out_len, diag);
	if (r < 0)
		return r;
	return plan_add(plan, p->file, 'f', tp->dst, out, out_len, "template", diag);
}

/* Hostnames go to /etc/hostname and /etc/hosts: one token, no blanks. */
static bool plain_token(const char *s)
{
	if (!*s)
		return false;
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c <= 0x20 || *c == 0x7f)
			return false;
	return true;
}

/* The profile puts its own file at PATH (copy, template, symlink): that
 * replaces mpjail's generated default (docs/config.md, "System files"). */
static bool profile_sets(const struct mpj_profile *p, const char *path)
{
	for (size_t i = 0; p->copies && p->copies[i]; i++)
		if (strcmp(p->copies[i], path) == 0)
			return true;
	for (size_t i = 0; i < p->n_templates; i++)
		if (strcmp(p->templates[i].dst, path) == 0)
			return true;
	for (size_t i = 0; i < p->n_links; i++)
		if (strcmp(p->links[i].path, path) == 0)
			return true;
	return false;
}

static int plan_etc(struct build_plan *plan, const struct mpj_tenant *t,
		    const struct mpj_profile *p, const struct mpj_identity *id, struct diag *diag)
{
	const char *hostname = p->hostname ?: t->name;
	_cleanup_free_ char *passwd = identity_passwd(id), *group = identity_group(id);
	_cleanup_free_ char *hosts = xasprintf("127.0.0.1 localhost\n127.0.1.1 %s\n", hostname);
	_cleanup_free_ char *hn = xasprintf("%s\n", hostname);
	/* `hosts: files dns`: libnss_dns (in libc) reads only resolv.conf,
	 * which the launcher refreshes from the host at every launch.  No
	 * other module (resolve, mdns, myhostname, systemd) would work or is
	 * wanted; the jail's /etc is root's and read-only, and nothing
	 * privileged runs NSS in it (docs/style.md P7, cf. CVE-2025-32463). */
	const struct {
		const char *path, *why;
		const char *text;
		bool fixed; /* never replaced by the profile (refused by the parser) */
	} files[] = {
		{ "/etc/passwd", "passwd", passwd, true },
		{ "/etc/group", "group", group, true },
		{ "/etc/hosts", "hosts", hosts, false },
		{ "/etc/hostname", "hostname", hn, false },
		{ "/etc/nsswitch.conf", "nsswitch",
		  "passwd: files\ngroup: files\nhosts: files dns\n", false },
	};
	int r;

	if (!plain_token(hostname)) {
		diag_set(diag, p->hostname ? p->file : t->file, 0,
			 "hostname `%s` must be one word without blanks or control characters",
			 hostname);
		return -EINVAL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		if (!files[i].fixed && profile_sets(p, files[i].path))
			continue;
		r = plan_text(plan, p->file, files[i].path, files[i].text, files[i].why, diag);
		if (r < 0)
			return r;
	}
	/* The relay the jail's sendmail (mpjail-sendmail) hands mail to. */
	if (p->sendmail_host) {
		_cleanup_free_ char *relay =
			xasprintf("relay %s %s\n", p->sendmail_host, p->sendmail_port);

		r = plan_text(plan, p->file, SM_RELAY_FILE, relay, "sendmail", diag);
		if (r < 0)
			return r;
	}
	return 0;
}

int build_plan(const struct mpj_paths *paths, const struct mpj_tenant *t,
	       const struct mpj_profile *p, const struct mpj_identity *id,
	       struct build_copies *copies, struct build_plan **ret, struct diag *diag)
{
	static const char *const fixed_dirs[] = {
		"/usr", "/proc", "/dev", "/tmp", "/run", "/run/secrets", "/home", "/etc",
	};
	struct build_plan *plan = xcalloc(1, sizeof *plan);
	struct tmpl_vars vars = { 0 };
	int r;

	plan->name = xstrdup(t->name);
	for (size_t i = 0; i < ARRAY_SIZE(fixed_dirs); i++)
		if ((r = plan_dir(plan, p->file, fixed_dirs[i], "mount point", diag)) < 0)
			goto fail;
	if ((r = plan_dir(plan, t->file, id->jail_home, "home mount point", diag)) < 0)
		goto fail;
	if (p->db_socket && (r = plan_dir(plan, p->file, "/run/postgresql", "db-socket", diag)) < 0)
		goto fail;
	for (size_t i = 0; i < p->n_binds; i++)
		if ((r = plan_dir(plan, p->file, p->binds[i].dst, "bind", diag)) < 0)
			goto fail;
	for (size_t i = 0; i < p->n_tmpfs; i++)
		if ((r = plan_dir(plan, p->file, p->tmpfs[i].path, "tmpfs", diag)) < 0)
			goto fail;
	for (size_t i = 0; i < p->n_dirs; i++)
		if ((r = plan_dir(plan, p->file, p->dirs[i].path, "dir", diag)) < 0)
			goto fail;
	for (size_t i = 0; i < p->n_links; i++) {
		const char *target = p->links[i].target;

		r = plan_add(plan, p->file, 'l', p->links[i].path, target, strlen(target),
			     "symlink", diag);
		if (r < 0)
			goto fail;
	}
	if ((r = plan_etc(plan, t, p, id, diag)) < 0)
		goto fail;
	for (size_t i = 0; p->copies && p->copies[i]; i++)
		if ((r = plan_copy(plan, p, p->copies[i], copies, diag)) < 0)
			goto fail;
	if (p->n_templates) {
		if ((r = template_vars_init(t, p, id, &vars, diag)) < 0)
			goto fail;
		for (size_t i = 0; i < p->n_templates; i++)
			if ((r = plan_template(plan, paths, p, &p->templates[i], &vars, diag)) < 0)
				goto fail;
	}
	template_vars_done(&vars);
	*ret = plan;
	return 0;
fail:
	template_vars_done(&vars);
	build_plan_free(plan);
	return r;
}

/* ---- writing ---- */

static int cmp_plan(const void *a, const void *b)
{
	return strcmp(((const struct plan_entry *)a)->path, ((const struct plan_entry *)b)->path);
}

/* The parent directory of the entry being written, kept open: sorted, most
 * entries share the parent of the entry before, and resolving it again for
 * each was most of the syscalls of a build.  The tree is our own 0700 aside,
 * so no directory can be swapped between two entries. */
struct plan_dir {
	int fd;    /* -1: none open */
	char *rel; /* its path below the root, "." for the root */
};

static int plan_dir_enter(struct plan_dir *d, int rootfd, const char *rel, const char **ret_base)
{
	const char *slash = strrchr(rel, '/');
	_cleanup_free_ char *dir = slash ? xasprintf("%.*s", (int)(slash - rel), rel)
					 : xstrdup(".");

	*ret_base = slash ? slash + 1 : rel;
	if (d->fd >= 0 && strcmp(d->rel, dir) == 0)
		return d->fd;
	closep(&d->fd);
	free(d->rel);
	d->rel = TAKE_PTR(dir);
	d->fd = safefs_open_beneath(rootfd, d->rel, O_PATH | O_DIRECTORY, 0);
	return d->fd;
}

/* Write every entry beneath rootfd.  Sorted by path, a parent directory is
 * always created before what lies in it. */
static int write_plan(int rootfd, const struct build_plan *plan, char **ret_failed)
{
	_cleanup_free_ struct plan_entry *sorted = NULL;
	struct plan_dir dir = { .fd = -1 };
	int r = 0;

	sorted = xcalloc(plan->n ? plan->n : 1, sizeof *sorted);
	if (plan->n)
		memcpy(sorted, plan->e, plan->n * sizeof *sorted);
	qsort(sorted, plan->n, sizeof *sorted, cmp_plan);
	for (size_t i = 0; i < plan->n && r == 0; i++) {
		const struct plan_entry *e = &sorted[i];
		const char *base;
		int pfd = plan_dir_enter(&dir, rootfd, e->path + 1, &base);

		if (pfd < 0)
			r = pfd;
		else if (e->type == 'd')
			r = safefs_mkdir_at(pfd, base, 0755);
		else if (e->type == 'f')
			r = safefs_write_at(pfd, base, e->data, e->len, 0644, false);
		else if (e->type == 'l')
			r = symlinkat(e->data, pfd, base) < 0 ? negerrno() : 0;
		else
			r = -EINVAL;
		if (r < 0)
			*ret_failed = xasprintf("root%s", e->path);
	}
	closep(&dir.fd);
	free(dir.rel);
	return r;
}

/* mkdtemp(3) relative to a directory fd: the name is random, the directory
 * is created 0700 and made 0755 only when complete. */
static int make_aside(int jails_fd, const char *name, char **ret_name)
{
	for (unsigned attempt = 0; attempt < 100; attempt++) {
		static const char chars[] =
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
		unsigned char rnd[6];
		char suffix[7];

		if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
			return negerrno();
		for (size_t i = 0; i < sizeof rnd; i++)
			suffix[i] = chars[rnd[i] % (sizeof chars - 1)];
		suffix[6] = '\0';
		_cleanup_free_ char *n = xasprintf(".%s.new-%s", name, suffix);
		if (mkdirat(jails_fd, n, 0700) == 0) {
			*ret_name = TAKE_PTR(n);
			return 0;
		}
		if (errno != EEXIST)
			return negerrno();
	}
	return -EEXIST;
}

/* Leftovers of a build that was killed midway (".NAME.new-XXXXXX"): with
 * the lock held, no other build can be using them.  One pass for the whole
 * batch: a pass per tenant read the directory N times. */
static bool is_aside_name(const char *n)
{
	const char *dot = n[0] == '.' ? strstr(n + 1, ".new-") : NULL;
	_cleanup_free_ char *name = dot ? xasprintf("%.*s", (int)(dot - n - 1), n + 1) : NULL;

	return dot && strlen(dot + 5) == 6 && valid_name(name);
}

static void remove_stale(int jails_fd)
{
	int fd = safefs_open_beneath(jails_fd, ".", O_RDONLY | O_DIRECTORY, 0);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			(void)close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (is_aside_name(de->d_name))
			(void)safefs_rm_rf_at(jails_fd, de->d_name);
	(void)closedir(d);
}

static int fill_aside(int aside_fd, const struct build_plan *plan, struct build_result *res,
		      char **ret_failed)
{
	_cleanup_close_ int root_fd = -1;
	_cleanup_free_ char *text = NULL;
	struct manifest m = { 0 };
	int r;

	r = safefs_mkdir_beneath(aside_fd, "root", 0755);
	if (r < 0) {
		*ret_failed = xstrdup("root");
		return r;
	}
	root_fd = safefs_open_beneath(aside_fd, "root", O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (root_fd < 0) {
		*ret_failed = xstrdup("root");
		return root_fd;
	}
	r = write_plan(root_fd, plan, ret_failed);
	if (r < 0)
		return r;
	/* The manifest describes what is on disk, read back, not the plan. */
	r = manifest_walk(root_fd, &m);
	if (r < 0) {
		*ret_failed = xstrdup("root (manifest walk)");
		return r;
	}
	text = manifest_format(&m);
	res->n_entries = m.n;
	manifest_done(&m);
	sha256_buf_hex(text, strlen(text), res->manifest_sha256);
	r = safefs_write_beneath(aside_fd, "manifest", text, strlen(text), 0644, false);
	if (r < 0) {
		*ret_failed = xstrdup("manifest");
		return r;
	}
	if (plan->filter) {
		r = filter_store(plan->filter, aside_fd, BUILD_SECCOMP_FILE);
		if (r < 0) {
			*ret_failed = xstrdup(BUILD_SECCOMP_FILE);
			return r;
		}
	}
	if (fchmod(aside_fd, 0755) < 0) {
		*ret_failed = xstrdup(".");
		return negerrno();
	}
	return 0;
}

int build_batch_open(const struct mpj_paths *paths, struct build_batch *b, char **ret_failed)
{
	_cleanup_close_ int state_fd = -1, jails_fd = -1;

	*b = (struct build_batch){ .paths = paths, .jails_fd = -1 };
	state_fd = safefs_ensure_root_dir(AT_FDCWD, paths->state_dir);
	if (state_fd < 0) {
		*ret_failed = xstrdup(paths->state_dir);
		return state_fd;
	}
	jails_fd = safefs_ensure_root_dir(state_fd, "jails");
	if (jails_fd < 0) {
		*ret_failed = xasprintf("%s/jails", paths->state_dir);
		return jails_fd;
	}
	/* One build at a time per state dir: two racing swaps of the same
	 * tenant would each delete the other's tree. */
	if (flock(jails_fd, LOCK_EX) < 0) {
		*ret_failed = xasprintf("%s/jails (lock)", paths->state_dir);
		return negerrno();
	}
	remove_stale(jails_fd);
	b->jails_fd = TAKE_FD(jails_fd);
	return 0;
}

int build_write_aside(struct build_batch *b, const struct build_plan *plan, char **ret_aside,
		      struct build_result *ret, char **ret_failed)
{
	_cleanup_close_ int aside_fd = -1;
	_cleanup_free_ char *aside = NULL, *failed = NULL;
	struct build_result res = { 0 };
	int r;

	r = make_aside(b->jails_fd, plan->name, &aside);
	if (r < 0) {
		*ret_failed = xasprintf("%s/jails/.%s.new-XXXXXX", b->paths->state_dir, plan->name);
		return r;
	}
	aside_fd = safefs_open_beneath(b->jails_fd, aside, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	r = aside_fd < 0 ? aside_fd : fill_aside(aside_fd, plan, &res, &failed);
	if (r < 0) {
		*ret_failed = xasprintf("%s/jails/%s%s%s", b->paths->state_dir, aside,
					failed && failed[0] != '(' ? "/" : " ", failed ?: "");
		(void)safefs_rm_rf_at(b->jails_fd, aside);
		return r;
	}
	*ret_aside = TAKE_PTR(aside);
	*ret = res;
	return 0;
}

int build_batch_sync(struct build_batch *b) { return syncfs(b->jails_fd) < 0 ? negerrno() : 0; }

void build_drop_aside(struct build_batch *b, const char *aside)
{
	(void)safefs_rm_rf_at(b->jails_fd, aside);
}

int build_swap(struct build_batch *b, const struct build_plan *plan, const char *aside,
	       struct build_result *res, char **ret_failed)
{
	int r;

	if (renameat2(b->jails_fd, aside, b->jails_fd, plan->name, RENAME_EXCHANGE) == 0)
		res->replaced = true;
	else if (errno == ENOENT &&
		 renameat2(b->jails_fd, aside, b->jails_fd, plan->name, RENAME_NOREPLACE) == 0)
		res->replaced = false;
	else {
		r = negerrno();
		*ret_failed = xasprintf("%s/jails/%s (renameat2 to `%s`)", b->paths->state_dir,
					aside, plan->name);
		build_drop_aside(b, aside);
		return r;
	}
	/* After the exchange the aside name holds the old tree.  The launcher
	 * copies trees at launch and never mounts them, so removing it under a
	 * running jail is safe. */
	if (res->replaced) {
		r = safefs_rm_rf_at(b->jails_fd, aside);
		if (r < 0) {
			*ret_failed =
				xasprintf("%s/jails/%s (old tree)", b->paths->state_dir, aside);
			return r;
		}
	}
	return 0;
}

int build_batch_close(struct build_batch *b, char **ret_failed)
{
	int r = 0;

	if (b->jails_fd < 0)
		return 0;
	/* The renames durable before the command says they are done. */
	if (fsync(b->jails_fd) < 0) {
		r = negerrno();
		*ret_failed = xasprintf("%s/jails", b->paths->state_dir);
	}
	closep(&b->jails_fd); /* and the lock with it */
	return r;
}
