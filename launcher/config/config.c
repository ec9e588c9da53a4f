/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loaders for mpjail.conf and tenants/NAME.conf, and the checks every
 * configuration file passes before it is parsed (THREATS.md 36).  Pure
 * parsing and validation: no NSS, nothing on disk is changed. */
#define _GNU_SOURCE
#include "config/config.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "config/ini.h"

#define KIB 1024ULL
#define MIB (1024ULL * KIB)
#define TIB (1024ULL * 1024ULL * MIB)

const struct mpj_limit_desc mpj_limit_table[_LIMIT_MAX] = {
	[LIMIT_MEMORY] = { "memory", LIMIT_MEMORY, true, 16 * MIB, 16 * TIB,
			   "RAM for all of the jail's processes and its tmpfs (memory.max)" },
	[LIMIT_SWAP] = { "swap", LIMIT_SWAP, true, 0, 16 * TIB,
			 "swap on top of memory (memory.swap.max); 0 = none" },
	[LIMIT_TASKS] = { "tasks", LIMIT_TASKS, false, 1, 100000,
			  "processes and threads (pids.max)" },
	[LIMIT_CPU] = { "cpu", LIMIT_CPU, false, 1, 10000,
			"CPU weight against other jails (cpu.weight; 100 = normal)" },
	[LIMIT_CPU_QUOTA] = { "cpu_quota", LIMIT_CPU_QUOTA, false, 1, 100000,
			      "hard cap in percent of one CPU (cpu.max)" },
	[LIMIT_NOFILE] = { "nofile", LIMIT_NOFILE, false, 16, 1048576,
			   "open files per process (RLIMIT_NOFILE)" },
};

const struct mpj_limit_desc *limit_lookup(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(mpj_limit_table); i++)
		if (strcmp(mpj_limit_table[i].key, key) == 0)
			return &mpj_limit_table[i];
	return NULL;
}

int limit_parse_value(const struct mpj_limit_desc *d, const char *value, uint64_t *ret)
{
	uint64_t v;
	int r;

	r = d->is_size ? parse_size(value, false, &v) : parse_u64(value, &v);
	if (r < 0)
		return r;
	if (v < d->min || v > d->max)
		return -ERANGE;
	*ret = v;
	return 0;
}

bool limits_get(const struct mpj_tenant *t, const struct mpj_profile *p, enum mpj_limit_key k,
		uint64_t *ret)
{
	if ((unsigned)k >= _LIMIT_MAX)
		return false;
	if (t && t->limits.set[k]) {
		*ret = t->limits.v[k];
		return true;
	}
	if (p && p->limits.set[k]) {
		*ret = p->limits.v[k];
		return true;
	}
	return false;
}

/* ---- file checks ---- */

int config_check_owner(int fd, const char *path, struct diag *diag)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		int r = negerrno();

		diag_set(diag, path, 0, "cannot stat: %s", strerror(-r));
		return r;
	}
	/* In production mpjail runs as root, so this is "owned by root".  A
	 * user running the parser on their own files (tests) trusts them. */
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		diag_set(diag, path, 0,
			 "owned by uid %u (mode %04o), not root; configuration must be root-owned",
			 (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		diag_set(diag, path, 0,
			 "writable by group or others (owner uid %u, mode %04o); run `chmod go-w`",
			 (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

/* An ancestor may be a root-owned sticky directory (/tmp): nobody else can
 * rename or replace what we own inside it. */
static int check_ancestor(int fd, const char *path, struct diag *diag)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return negerrno();
	if ((st.st_mode & S_ISVTX) && (st.st_uid == 0 || st.st_uid == geteuid()))
		return 0;
	return config_check_owner(fd, path, diag);
}

/* Open directory PATH (O_PATH) walking it one component at a time without
 * following symlinks, so that no writable or swapped directory on the way can
 * redirect us.  The last component gets the strict check. */
static int open_dir_checked(const char *path, struct diag *diag)
{
	_cleanup_free_ char *copy = xstrdup(path), *sofar = NULL;
	_cleanup_close_ int fd = -1;
	char *save = NULL, *comp;
	int r;

	fd = open(path[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return negerrno();
	sofar = xstrdup(path[0] == '/' ? "/" : ".");
	for (comp = strtok_r(copy, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		char *next;
		int nfd;

		if (strcmp(comp, ".") == 0)
			continue;
		r = check_ancestor(fd, sofar, diag);
		if (r < 0)
			return r;
		nfd = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		next = xasprintf("%s%s%s", sofar, strcmp(sofar, "/") == 0 ? "" : "/", comp);
		free(sofar);
		sofar = next;
		if (nfd < 0) {
			struct stat st;

			r = negerrno();
			/* O_PATH|O_NOFOLLOW|O_DIRECTORY on a symlink is ENOTDIR. */
			if ((r == -ENOTDIR || r == -ELOOP) &&
			    fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode)) {
				r = -ELOOP;
				diag_set(diag, sofar, 0,
					 "is a symbolic link; refusing to follow it");
			} else if (r == -ENOTDIR)
				diag_set(diag, sofar, 0, "not a directory");
			else
				diag_set(diag, sofar, 0, "cannot open: %s", strerror(-r));
			return r;
		}
		closep(&fd);
		fd = nfd;
	}
	r = config_check_owner(fd, sofar, diag);
	if (r < 0)
		return r;
	return TAKE_FD(fd);
}

/* Open BASE in the checked directory DFD (named DIR in messages). */
static int open_file_at(int dfd, const char *dir, const char *base, bool optional, FILE **ret,
			struct diag *diag)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, base);
	_cleanup_close_ int fd = -1;
	struct stat st;
	FILE *f;
	int r;

	/* O_NONBLOCK: a FIFO planted here must not hang us before the
	 * S_ISREG check; it has no effect on regular files. */
	fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = negerrno();
		if (r == -ENOENT && optional) {
			*ret = NULL;
			return 0;
		}
		if (r == -ELOOP)
			diag_set(diag, path, 0, "is a symbolic link; refusing to follow it");
		else
			diag_set(diag, path, 0, "cannot open: %s", strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = negerrno();
		diag_set(diag, path, 0, "cannot stat: %s", strerror(-r));
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_set(diag, path, 0, "not a regular file");
		return -EINVAL;
	}
	r = config_check_owner(fd, path, diag);
	if (r < 0)
		return r;
	f = fdopen(fd, "re");
	if (!f) {
		r = negerrno();
		diag_set(diag, path, 0, "fdopen: %s", strerror(-r));
		return r;
	}
	TAKE_FD(fd);
	*ret = f;
	return 0;
}

int config_open(const char *path, bool optional, FILE **ret, struct diag *diag)
{
	_cleanup_free_ char *dir = xstrdup(path);
	_cleanup_close_ int dfd = -1;
	char *slash = strrchr(dir, '/');
	const char *base;

	if (!slash || !slash[1]) {
		diag_set(diag, path, 0, "not a file path");
		return -EINVAL;
	}
	base = path + (slash - dir) + 1;
	if (slash == dir)
		slash[1] = '\0'; /* "/x.conf": the directory is "/" */
	else
		*slash = '\0';
	dfd = open_dir_checked(dir, diag);
	if (dfd == -ENOENT && optional) {
		diag_clear(diag);
		*ret = NULL;
		return 0;
	}
	if (dfd < 0)
		return dfd;
	return open_file_at(dfd, strcmp(dir, "/") == 0 ? "" : dir, base, optional, ret, diag);
}

/* ---- shared value checks ---- */

/* "tasks = 40  # note" is the likeliest way to write a bad value by
 * accident: there are no trailing comments, so say so. */
static const char *comment_hint(const char *value)
{
	return strpbrk(value, "#;") ? " (comments must be on a line of their own)" : "";
}

static int bad_value(const struct ini_item *it, int r, const char *expected, struct diag *diag)
{
	diag_set(diag, it->file, it->line, "invalid %s `%s`: %s%s%s", it->key, it->value,
		 r == -ERANGE ? "out of range; " : "", expected, comment_hint(it->value));
	return -EINVAL;
}

static int set_string(char **dst, const struct ini_item *it, bool (*valid)(const char *),
		      const char *expected, struct diag *diag)
{
	if (!valid(it->value))
		return bad_value(it, -EINVAL, expected, diag);
	free(*dst);
	*dst = xstrdup(it->value);
	return 0;
}

/* ---- mpjail.conf ---- */

void global_init_defaults(struct mpj_global *g)
{
	*g = (struct mpj_global){
		.min_uid = 1000,
		.min_gid = 1000,
		.port_min = 8000,
		.port_max = 8999,
		.cgroup_root = NULL,
		.overcommit_pct = 150,
		.db_socket_dir = xstrdup("/run/postgresql"),
		.restart_max_backoff = 60,
	};
}

void global_free(struct mpj_global *g)
{
	if (!g)
		return;
	free(g->cgroup_root);
	free(g->db_socket_dir);
	g->cgroup_root = g->db_socket_dir = NULL;
}

static int g_uint(const struct ini_item *it, unsigned min, unsigned max, unsigned *dst,
		  struct diag *diag)
{
	char expected[64];
	int r = parse_uint_range(it->value, min, max, dst);

	if (r < 0) {
		(void)snprintf(expected, sizeof expected, "expected a number from %u to %u", min,
			       max);
		return bad_value(it, r, expected, diag);
	}
	return 0;
}

static int g_min_uid(const struct ini_item *it, void *ud, struct diag *diag)
{
	/* 0 would let a tenant run as root. */
	return g_uint(it, 1, UINT32_MAX - 1, &((struct mpj_global *)ud)->min_uid, diag);
}

static int g_min_gid(const struct ini_item *it, void *ud, struct diag *diag)
{
	return g_uint(it, 1, UINT32_MAX - 1, &((struct mpj_global *)ud)->min_gid, diag);
}

static int g_port_range(const struct ini_item *it, void *ud, struct diag *diag)
{
	static const char expected[] = "expected LOW-HIGH with 1 <= LOW <= HIGH <= 65535";
	struct mpj_global *g = ud;
	_cleanup_free_ char *low = xstrdup(it->value);
	char *high = strchr(low, '-');
	unsigned lo, hi;
	int r;

	if (!high)
		return bad_value(it, -EINVAL, expected, diag);
	*high++ = '\0';
	r = parse_uint_range(low, 1, 65535, &lo);
	if (r == 0)
		r = parse_uint_range(high, 1, 65535, &hi);
	if (r == 0 && lo > hi)
		r = -ERANGE;
	if (r < 0)
		return bad_value(it, r, expected, diag);
	g->port_min = lo;
	g->port_max = hi;
	return 0;
}

static int g_cgroup_root(const struct ini_item *it, void *ud, struct diag *diag)
{
	return set_string(&((struct mpj_global *)ud)->cgroup_root, it, valid_abs_path,
			  "expected an absolute, normalised path", diag);
}

static int g_overcommit(const struct ini_item *it, void *ud, struct diag *diag)
{
	return g_uint(it, 1, 10000, &((struct mpj_global *)ud)->overcommit_pct, diag);
}

static int g_db_socket_dir(const struct ini_item *it, void *ud, struct diag *diag)
{
	return set_string(&((struct mpj_global *)ud)->db_socket_dir, it, valid_abs_path,
			  "expected an absolute, normalised path", diag);
}

static int g_backoff(const struct ini_item *it, void *ud, struct diag *diag)
{
	return g_uint(it, 1, 86400, &((struct mpj_global *)ud)->restart_max_backoff, diag);
}

static const struct ini_key global_keys[] = {
	{ "min_uid", g_min_uid },
	{ "min_gid", g_min_gid },
	{ "port_range", g_port_range },
	{ "cgroup_root", g_cgroup_root },
	{ "overcommit", g_overcommit },
	{ "db_socket_dir", g_db_socket_dir },
	{ "restart_backoff_max", g_backoff },
};

static const struct ini_section global_sections[] = {
	{ "mpjail", global_keys, ARRAY_SIZE(global_keys), NULL, NULL },
};

int global_load(const struct mpj_paths *paths, struct mpj_global *ret, struct diag *diag)
{
	_cleanup_free_ char *path = xasprintf("%s/mpjail.conf", paths->config_dir);
	_cleanup_fclose_ FILE *f = NULL;
	struct mpj_global g;
	int r;

	r = config_open(path, true, &f, diag);
	if (r < 0)
		return r;
	global_init_defaults(&g);
	if (f) {
		r = ini_parse(f, path, global_sections, ARRAY_SIZE(global_sections), &g, diag);
		if (r < 0) {
			global_free(&g);
			return r;
		}
	}
	*ret = g;
	return 0;
}

/* ---- tenants/NAME.conf ---- */

struct tenant_state {
	struct mpj_tenant *t;
	unsigned tenant_line;
};

static int t_begin_tenant(const char *file, unsigned line, void *ud, struct diag *diag)
{
	(void)file;
	(void)diag;
	((struct tenant_state *)ud)->tenant_line = line;
	return 0;
}

static int t_user(const struct ini_item *it, void *ud, struct diag *diag)
{
	struct mpj_tenant *t = ((struct tenant_state *)ud)->t;

	t->user_line = it->line;
	return set_string(&t->user, it, valid_name,
			  "expected a user name such as `alice` ([a-z_][a-z0-9_-]*, at most 32)",
			  diag);
}

static bool valid_home(const char *s)
{
	/* "/" would hand the tenant the whole host tree read-write. */
	return valid_abs_path(s) && strcmp(s, "/") != 0;
}

static int t_home(const struct ini_item *it, void *ud, struct diag *diag)
{
	struct mpj_tenant *t = ((struct tenant_state *)ud)->t;

	t->home_line = it->line;
	return set_string(&t->home, it, valid_home,
			  "expected an absolute, normalised path other than `/`", diag);
}

static int t_profile(const struct ini_item *it, void *ud, struct diag *diag)
{
	struct mpj_tenant *t = ((struct tenant_state *)ud)->t;

	t->profile_line = it->line;
	return set_string(&t->profile, it, valid_name,
			  "expected a profile name such as `modperl`", diag);
}

static int t_ports(const struct ini_item *it, void *ud, struct diag *diag)
{
	struct mpj_tenant *t = ((struct tenant_state *)ud)->t;
	_cleanup_strv_ char **words = split_words(it->value);
	size_t n = strv_length(words);
	unsigned ports[MPJ_MAX_PORTS];

	if (n == 0)
		return bad_value(it, -EINVAL, "expected at least one port", diag);
	if (n > MPJ_MAX_PORTS) {
		diag_set(diag, it->file, it->line, "too many ports (%zu, at most %d): `%s`", n,
			 MPJ_MAX_PORTS, it->value);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		int r = parse_uint_range(words[i], 1, 65535, &ports[i]);

		if (r < 0) {
			diag_set(diag, it->file, it->line,
				 "invalid port `%s`: %sexpected a number from 1 to 65535%s",
				 words[i], r == -ERANGE ? "out of range; " : "",
				 comment_hint(words[i]));
			return -EINVAL;
		}
		for (size_t j = 0; j < i; j++)
			if (ports[j] == ports[i]) {
				diag_set(diag, it->file, it->line, "port `%s` listed twice",
					 words[i]);
				return -EINVAL;
			}
	}
	memcpy(t->ports, ports, n * sizeof(ports[0]));
	t->n_ports = n;
	t->ports_line = it->line;
	return 0;
}

static bool has_upper(const char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			return true;
	return false;
}

static int t_hostnames(const struct ini_item *it, void *ud, struct diag *diag)
{
	struct mpj_tenant *t = ((struct tenant_state *)ud)->t;
	_cleanup_strv_ char **words = split_words(it->value);
	size_t n = strv_length(words);

	if (n == 0)
		return bad_value(it, -EINVAL, "expected at least one host name", diag);
	if (n > MPJ_MAX_HOSTNAMES) {
		diag_set(diag, it->file, it->line, "too many host names (%zu, at most %d)", n,
			 MPJ_MAX_HOSTNAMES);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		/* The frontend lower-cases the Host header before the lookup, so
		 * an upper-case entry would never match. */
		if (has_upper(words[i])) {
			diag_set(diag, it->file, it->line,
				 "host name `%s` has upper-case letters; write it in lower case",
				 words[i]);
			return -EINVAL;
		}
		if (!valid_hostname(words[i])) {
			diag_set(diag, it->file, it->line,
				 "invalid host name `%s`: expected letters, digits, `-` and dots%s",
				 words[i], comment_hint(words[i]));
			return -EINVAL;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(words[j], words[i]) == 0) {
				diag_set(diag, it->file, it->line, "host name `%s` listed twice",
					 words[i]);
				return -EINVAL;
			}
	}
	strv_free(t->hostnames);
	t->hostnames = TAKE_PTR(words);
	t->hostnames_line = it->line;
	return 0;
}

static int t_allow_conf(const struct ini_item *it, void *ud, struct diag *diag)
{
	struct mpj_tenant *t = ((struct tenant_state *)ud)->t;

	if (strcmp(it->value, "yes") == 0)
		t->allow_conf = true;
	else if (strcmp(it->value, "no") == 0)
		t->allow_conf = false;
	else
		return bad_value(it, -EINVAL, "expected `yes` or `no`", diag);
	return 0;
}

/* Shared by [limits] here and `limit KEY VALUE` in profiles. */
static int t_limit(const struct ini_item *it, void *ud, struct diag *diag)
{
	struct mpj_tenant *t = ((struct tenant_state *)ud)->t;
	const struct mpj_limit_desc *d = limit_lookup(it->key);
	char expected[96];
	uint64_t v;
	int r;

	if (!d)
		return -ENOENT;
	r = limit_parse_value(d, it->value, &v);
	if (r < 0) {
		if (d->is_size)
			(void)snprintf(expected, sizeof expected,
				       "expected a size such as 512M, from %" PRIu64 "M",
				       d->min >> 20);
		else
			(void)snprintf(expected, sizeof expected,
				       "expected a number from %" PRIu64 " to %" PRIu64, d->min,
				       d->max);
		return bad_value(it, r, expected, diag);
	}
	t->limits.v[d->id] = v;
	t->limits.set[d->id] = true;
	t->limits.line[d->id] = it->line;
	return 0;
}

static const struct ini_key tenant_keys[] = {
	{ "user", t_user },
	{ "home", t_home },
	{ "profile", t_profile },
	{ "ports", t_ports },
	{ "hostnames", t_hostnames },
	{ "allow_conf", t_allow_conf },
};

static const struct ini_section tenant_sections[] = {
	{ "tenant", tenant_keys, ARRAY_SIZE(tenant_keys), NULL, t_begin_tenant },
	/* Keys come from mpj_limit_table, so explain and help list the same set. */
	{ "limits", NULL, 0, t_limit, NULL },
};

void tenant_free(struct mpj_tenant *t)
{
	if (!t)
		return;
	free(t->name);
	free(t->file);
	free(t->user);
	free(t->home);
	free(t->profile);
	strv_free(t->hostnames);
	free(t);
}

static void tenant_freep(struct mpj_tenant **t) { tenant_free(*t); }

int tenant_parse(FILE *f, const char *file, const char *name, struct mpj_tenant **ret,
		 struct diag *diag)
{
	__attribute__((cleanup(tenant_freep))) struct mpj_tenant *t = NULL;
	struct tenant_state st;
	int r;

	if (!valid_name(name)) {
		diag_set(diag, file, 0,
			 "invalid tenant name `%s`: expected [a-z_][a-z0-9_-]*, at most 32", name);
		return -EINVAL;
	}
	t = xcalloc(1, sizeof(*t));
	t->name = xstrdup(name);
	t->file = xstrdup(file);
	st = (struct tenant_state){ .t = t };

	r = ini_parse(f, file, tenant_sections, ARRAY_SIZE(tenant_sections), &st, diag);
	if (r < 0)
		return r;
	if (!st.tenant_line) {
		diag_set(diag, file, 0, "no [tenant] section");
		return -EINVAL;
	}
	if (!t->user || !t->home || t->n_ports == 0) {
		diag_set(diag, file, st.tenant_line, "[tenant] lacks the required key `%s`",
			 !t->user ? "user" : !t->home ? "home" : "ports");
		return -EINVAL;
	}
	if (!t->profile)
		t->profile = xstrdup("modperl");
	if (!t->hostnames)
		t->hostnames = xcalloc(1, sizeof(char *));
	*ret = TAKE_PTR(t);
	return 0;
}

static int tenant_load_at(int dfd, const char *dir, const char *name, struct mpj_tenant **ret,
			  struct diag *diag)
{
	_cleanup_free_ char *base = xasprintf("%s.conf", name);
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, base);
	_cleanup_fclose_ FILE *f = NULL;
	int r;

	if (!valid_name(name)) {
		diag_set(diag, path, 0,
			 "invalid tenant name `%s`: expected [a-z_][a-z0-9_-]*, at most 32", name);
		return -EINVAL;
	}
	r = open_file_at(dfd, dir, base, false, &f, diag);
	if (r < 0)
		return r;
	return tenant_parse(f, path, name, ret, diag);
}

int tenant_load(const struct mpj_paths *paths, const char *name, struct mpj_tenant **ret,
		struct diag *diag)
{
	_cleanup_free_ char *dir = xasprintf("%s/tenants", paths->config_dir);
	_cleanup_close_ int dfd = -1;

	if (!valid_name(name)) {
		diag_set(diag, NULL, 0,
			 "invalid tenant name `%s`: expected [a-z_][a-z0-9_-]*, at most 32", name);
		return -EINVAL;
	}
	dfd = open_dir_checked(dir, diag);
	if (dfd < 0)
		return dfd;
	return tenant_load_at(dfd, dir, name, ret, diag);
}

void tenant_free_all(struct mpj_tenant **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		tenant_free(v[i]);
	free(v);
}

static void closedirp(DIR **d)
{
	if (*d)
		(void)closedir(*d);
}

/* Open DIR/tenants with the configuration checks and list NAME for every
 * NAME.conf in it, sorted.  Only *.conf: editors' and dpkg's leftovers are
 * ignored.  No directory is a fresh install with nothing configured: no
 * names, *ret_dfd = -1. */
static int list_tenants(const struct mpj_paths *paths, int *ret_dfd, char **ret_dir,
			char ***ret, struct diag *diag)
{
	_cleanup_free_ char *dir = xasprintf("%s/tenants", paths->config_dir);
	_cleanup_close_ int dfd = -1;
	__attribute__((cleanup(closedirp))) DIR *d = NULL;
	_cleanup_strv_ char **names = xcalloc(1, sizeof(char *));
	struct dirent *de;
	int r, lfd;

	dfd = open_dir_checked(dir, diag);
	if (dfd == -ENOENT) {
		diag_clear(diag);
		dfd = -1;
		goto done;
	}
	if (dfd < 0)
		return dfd;
	lfd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lfd < 0 || !(d = fdopendir(lfd))) {
		r = negerrno();
		if (lfd >= 0)
			(void)close(lfd);
		diag_set(diag, dir, 0, "cannot list: %s", strerror(-r));
		return r;
	}
	errno = 0;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len <= 5 || strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		strv_push(&names, strndup(de->d_name, len - 5) ?: (abort(), NULL));
		errno = 0;
	}
	if (errno) {
		r = negerrno();
		diag_set(diag, dir, 0, "cannot list: %s", strerror(-r));
		return r;
	}
	qsort(names, strv_length(names), sizeof(char *), cmp_str);
done:
	*ret_dfd = TAKE_FD(dfd);
	*ret_dir = TAKE_PTR(dir);
	*ret = TAKE_PTR(names);
	return 0;
}

int tenant_list(const struct mpj_paths *paths, char ***ret, struct diag *diag)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int dfd = -1;

	return list_tenants(paths, &dfd, &dir, ret, diag);
}

int tenant_load_all(const struct mpj_paths *paths, struct mpj_tenant ***ret, size_t *ret_n,
		    struct diag *diag)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int dfd = -1;
	_cleanup_strv_ char **names = NULL;
	struct mpj_tenant **v = NULL;
	size_t n;
	int r;

	r = list_tenants(paths, &dfd, &dir, &names, diag);
	if (r < 0)
		return r;
	n = strv_length(names);
	v = xcalloc(n + 1, sizeof(struct mpj_tenant *));
	for (size_t i = 0; i < n; i++) {
		r = tenant_load_at(dfd, dir, names[i], &v[i], diag);
		if (r < 0) {
			tenant_free_all(v, i);
			return r;
		}
	}
	*ret = v;
	*ret_n = n;
	return 0;
}
