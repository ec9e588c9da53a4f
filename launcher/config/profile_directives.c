/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The profile directives: one handler per keyword, and the table that maps
 * keywords to handlers and argument counts (docs/style.md P12).  Each
 * handler validates its arguments completely; paths inside the jail are
 * claimed so that one file cannot set the same thing twice, and a later
 * file replaces what an earlier one set at the same path. */
#define _GNU_SOURCE
#include "config/profile_internal.h"

#include "config/limits.h"

#define SIZE_MIN_TMPFS (4ULL * 1024)
#define SIZE_MAX_TMPFS (1ULL << 40)

/* Everything that creates something at a path inside the jail. */
enum dest_kind { DEST_BIND, DEST_TMPFS, DEST_SYMLINK, DEST_DIR, DEST_COPY, DEST_TEMPLATE };

static const char *const dest_kind_name[] = {
	[DEST_BIND] = "a bind mount", [DEST_TMPFS] = "a tmpfs",      [DEST_SYMLINK] = "a symlink",
	[DEST_DIR] = "a dir",         [DEST_COPY] = "a copied file", [DEST_TEMPLATE] = "a template",
};

/* Record NAME (an env key as "env:KEY", or a jail path) for this file. */
static int claim_name(struct file_state *fs, const char *name, const char *shown, struct diag *diag)
{
	for (size_t i = 0; i < fs->n_names; i++)
		if (strcmp(fs->names[i], name) == 0)
			return profile_fail(fs, diag, "`%s` is already set at line %u", shown,
					    fs->name_lines[i]);
	strv_push(&fs->names, xstrdup(name));
	fs->name_lines = xrealloc_array(fs->name_lines, fs->n_names + 1, sizeof(unsigned));
	fs->name_lines[fs->n_names++] = fs->line;
	return 0;
}

static bool find_dest(const struct mpj_profile *p, const char *path, enum dest_kind *kind,
		      size_t *idx)
{
#define FIND(arr, n, field, k)                           \
	for (size_t i = 0; i < (n); i++)                 \
		if (strcmp((arr)[i].field, path) == 0) { \
			*kind = (k);                     \
			*idx = i;                        \
			return true;                     \
		}
	FIND(p->binds, p->n_binds, dst, DEST_BIND)
	FIND(p->tmpfs, p->n_tmpfs, path, DEST_TMPFS)
	FIND(p->links, p->n_links, path, DEST_SYMLINK)
	FIND(p->dirs, p->n_dirs, path, DEST_DIR)
	FIND(p->templates, p->n_templates, dst, DEST_TEMPLATE)
#undef FIND
	for (size_t i = 0; p->copies && p->copies[i]; i++)
		if (strcmp(p->copies[i], path) == 0) {
			*kind = DEST_COPY;
			*idx = i;
			return true;
		}
	return false;
}

/* Claim jail path PATH for KIND.  *ret_idx: the entry of the same kind an
 * earlier file made (to be replaced), or SIZE_MAX for a new entry. */
static int claim_dest(struct file_state *fs, const char *path, enum dest_kind kind, size_t *ret_idx,
		      struct diag *diag)
{
	enum dest_kind old;
	size_t idx;
	int r;

	r = claim_name(fs, path, path, diag);
	if (r < 0)
		return r;
	if (!find_dest(fs->p, path, &old, &idx)) {
		*ret_idx = SIZE_MAX;
		return 0;
	}
	if (old != kind)
		return profile_fail(fs, diag, "`%s` is already %s from an included profile", path,
				    dest_kind_name[old]);
	*ret_idx = idx;
	return 0;
}

/* PATH is DIR or below it. */
static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* The launcher itself makes / , /proc and /dev; a profile may not mount over
 * them (only /dev/shm, a tmpfs, where allow_dev_shm). */
static bool reserved_path(const char *path, bool allow_dev_shm)
{
	static const char *const reserved[] = { "/proc", "/dev" };

	if (strcmp(path, "/") == 0)
		return true;
	if (allow_dev_shm && strcmp(path, "/dev/shm") == 0)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(reserved); i++)
		if (path_under(path, reserved[i]))
			return true;
	return false;
}

static int check_jail_path(struct file_state *fs, const char *path, bool allow_dev_shm,
			   struct diag *diag)
{
	if (!valid_abs_path(path))
		return profile_fail(fs, diag, "`%s` is not an absolute, normalised path", path);
	if (reserved_path(path, allow_dev_shm))
		return profile_fail(fs, diag, "`%s` is made by mpjail itself (/, /proc, /dev)",
				    path);
	return 0;
}

/* "0755", "1777": octal, at most 01777 (no setuid or setgid directories). */
static int parse_mode(const char *s, unsigned *ret)
{
	size_t n = strlen(s);
	unsigned v = 0;

	if (n == 0 || n > 4 || strspn(s, "01234567") != n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		v = v * 8 + (unsigned)(s[i] - '0');
	if (v > 01777)
		return -ERANGE;
	*ret = v;
	return 0;
}

/* KEY=VALUE options after a path: `tmpfs /tmp size=64M mode=1777`. */
struct option_spec {
	const char *key;
	const char **value;
};

static int parse_options(struct file_state *fs, char **args, size_t n,
			 const struct option_spec *spec, size_t n_spec, struct diag *diag)
{
	for (size_t i = 0; i < n; i++) {
		char *eq = strchr(args[i], '=');
		const struct option_spec *o = NULL;

		if (!eq)
			return profile_fail(fs, diag, "expected KEY=VALUE, got `%s`", args[i]);
		for (size_t j = 0; j < n_spec; j++)
			if (strlen(spec[j].key) == (size_t)(eq - args[i]) &&
			    strncmp(spec[j].key, args[i], (size_t)(eq - args[i])) == 0)
				o = &spec[j];
		if (!o)
			return profile_fail(fs, diag, "unknown option `%s`", args[i]);
		if (*o->value)
			return profile_fail(fs, diag, "option `%s` given twice", o->key);
		*o->value = eq + 1;
	}
	return 0;
}
/* ---- directives ---- */

static int d_include(struct file_state *fs, char **args, size_t n, struct diag *diag)
{
	(void)n;
	if (!fs->ctx->paths)
		return profile_fail(fs, diag, "includes are not allowed in this profile (`%s`)",
				    args[0]);
	if (!valid_name(args[0]))
		return profile_fail(fs, diag, "invalid profile name `%s`", args[0]);
	if (fs->depth + 1 > MPJ_MAX_INCLUDE_DEPTH)
		return profile_fail(fs, diag, "`%s` is nested more than %d includes deep", args[0],
				    MPJ_MAX_INCLUDE_DEPTH);
	return profile_include(fs->ctx, fs, args[0], fs->p, fs->depth + 1, diag);
}

static int d_network(struct file_state *fs, char **args, size_t n, struct diag *diag)
{
	static const struct {
		const char *key;
		enum mpj_network net;
	} table[] = {
		{ "shared", NET_SHARED },
		{ "private", NET_PRIVATE },
		{ "auto", NET_AUTO },
	};

	(void)n;
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (strcmp(args[0], table[i].key) == 0) {
			fs->p->network = table[i].net;
			return 0;
		}
	return profile_fail(fs, diag, "`%s`: expected `shared`, `private` or `auto`", args[0]);
}

static int d_hostname(struct file_state *fs, char **args, size_t n, struct diag *diag)
{
	(void)n;
	/* 64 = HOST_NAME_MAX, what sethostname() accepts. */
	if (!valid_hostname(args[0]) || strlen(args[0]) > 64)
		return profile_fail(fs, diag, "invalid host name `%s`", args[0]);
	free(fs->p->hostname);
	fs->p->hostname = xstrdup(args[0]);
	return 0;
}

static int add_bind(struct file_state *fs, char **args, size_t n, bool optional, bool writable,
		    struct diag *diag)
{
	const char *src = args[0], *dst = n > 1 ? args[1] : args[0];
	struct mpj_bind *b;
	size_t idx;
	int r;

	if (!valid_abs_path(src))
		return profile_fail(fs, diag, "source `%s` is not an absolute, normalised path",
				    src);
	if (strcmp(src, "/") == 0)
		return profile_fail(fs, diag, "refusing to bind the host's `/`");
	/* The host's procfs and sysfs show every process and the cgroup tree
	 * (docs/threats.md T4, T27, T34); a jail gets its own /proc and no /sys. */
	if (path_under(src, "/proc") || path_under(src, "/sys"))
		return profile_fail(fs, diag, "refusing to bind the host's `%s`", src);
	r = check_jail_path(fs, dst, false, diag);
	if (r == 0)
		r = claim_dest(fs, dst, DEST_BIND, &idx, diag);
	if (r < 0)
		return r;
	if (idx == SIZE_MAX) {
		fs->p->binds = xrealloc_array(fs->p->binds, fs->p->n_binds + 1, sizeof(*b));
		idx = fs->p->n_binds++;
	} else {
		free(fs->p->binds[idx].src);
		free(fs->p->binds[idx].dst);
	}
	b = &fs->p->binds[idx];
	*b = (struct mpj_bind){
		.src = xstrdup(src),
		.dst = xstrdup(dst),
		.optional = optional,
		.writable = writable,
	};
	return 0;
}

static int d_ro_bind(struct file_state *fs, char **args, size_t n, struct diag *diag)
{
	return add_bind(fs, args, n, false, false, diag);
}

static int d_ro_bind_try(struct file_state *fs, char **args, size_t n, struct diag *diag)
{
	return add_bind(fs, args, n, true, false, diag);
}

static int d_bind(struct file_state *fs, char **args, size_t n, struct diag *diag)
{
	return add_bind(fs, args, n, false, true, diag);
}

static int d_tmpfs(struct file_state *fs, char **args, size_t n, struct diag *diag)
{
	const char *size_s = NULL, *mode_s = NULL;
	const struct option_spec spec[] = { { "size", &size_s }, { "mode", &mode_s } };
	unsigned mode = 0755;
	uint64_t size;
	size_t idx;
	int r;

	r = check_jail_path(fs, args[0], true, diag);
	if (r == 0)
		r = parse_options(fs, args + 1, n - 1, spec, ARRAY_SIZE(spec), diag);
	if (r < 0)
		return r;
	/* Every tmpfs has a size: its pages are charged to the jail, but an
	 * unbounded one still lets a jail fill its whole memory allowance. */
	if (!size_s)
		return profile_fail(fs, diag, "`%s` needs size=SIZE", args[0]);
	r = parse_size(size_s, false, &size);
	if (r < 0 || size < SIZE_MIN_TMPFS || size > SIZE_MAX_TMPFS)
		return profile_fail(fs, diag, "invalid size `%s`: expected 4K to 1T, such as 64M",
				    size_s);
	if (mode_s && parse_mode(mode_s, &mode) < 0)
		return profile_fail(fs, diag, "invalid mode `%s`: expected octal 0000 to 1777",
				    mode_s);
	r = claim_dest(fs, args[0], DEST_TMPFS, &idx, diag);
	if (r < 0)
		return r;
	if (idx == SIZE_MAX) {
		fs->p->tmpfs =
			xrealloc_array(fs->p->tmpfs, fs->p->n_tmpfs + 1, sizeof(struct mpj_tmpfs));
		idx = fs->p->n_tmpfs++;
	} else
		free(fs->p->tmpfs[idx].path);
	fs->p->tmpfs[idx] =
		(struct mpj_tmpfs){ .path = xstrdup(args[0]), .size = size, .mode = mode };
	return 0;
}

static bool under_tmpfs(const struct mpj_profile *p, const char *path)
{
	for (size_t i = 0; i < p->n_tmpfs; i++) {
		size_t n = strlen(p->tmpfs[i].path);

		if (strncmp(path, p->tmpfs[i].path, n) == 0 && path[n] == '/')
			return true;
	}
	return false;
}

static int d_dir(struct file_state *fs, char **args, size_t n, struct diag *diag)
{
	static const struct {
		const char *key;
		bool tenant;
	} owners[] = { { "root", false }, { "tenant", true } };
	const char *mode_s = NULL, *owner_s = NULL;
	const struct option_spec spec[] = { { "mode", &mode_s }, { "owner", &owner_s } };
	unsigned mode = 0755;
	bool tenant = false, found = false;
	size_t idx;
	int r;

	r = check_jail_path(fs, args[0], false, diag);
	if (r == 0)
		r = parse_options(fs, args + 1, n - 1, spec, ARRAY_SIZE(spec), diag);
	if (r < 0)
		return r;
	/* Only a tmpfs is writable when the jail starts; elsewhere build owns
	 * the tree and a tenant-owned directory there would outlive the jail. */
	if (!under_tmpfs(fs->p, args[0]))
		return profile_fail(fs, diag, "`%s` is not inside a tmpfs declared before it",
				    args[0]);
	if (mode_s && parse_mode(mode_s, &mode) < 0)
		return profile_fail(fs, diag, "invalid mode `%s`: expected octal 0000 to 1777",
				    mode_s);
	for (size_t i = 0; owner_s && i < ARRAY_SIZE(owners); i++)
		if (strcmp(owner_s, owners[i].key) == 0) {
			tenant = owners[i].tenant;
			found = true;
		}
	if (owner_s && !found)
		return profile_fail(fs, diag, "invalid owner `%s`: expected `root` or `tenant`",
				    owner_s);
	r = claim_dest(fs, args[0], DEST_DIR, &idx, diag);
	if (r < 0)
		return r;
	if (idx == SIZE_MAX) {
		fs->p->dirs =
			xrealloc_array(fs->p->dirs, fs->p->n_dirs + 1, sizeof(struct mpj_dir));
		idx = fs->p->n_dirs++;
	} else
		free(fs->p->dirs[idx].path);
	fs->p->dirs[idx] =
		(struct mpj_dir){ .path = xstrdup(args[0]), .mode = mode, .tenant_owned = tenant };
	return 0;
}

/* "usr/bin", "/run": no empty, "." or ".." components. */
static bool valid_link_target(const char *s)
{
	_cleanup_free_ char *copy = NULL;
	char *save = NULL;

	if (!*s)
		return false;
	if (s[0] == '/')
		return valid_abs_path(s);
	if (s[strlen(s) - 1] == '/' || strstr(s, "//"))
		return false;
	copy = xstrdup(s);
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save))
		if (strcmp(c, ".") == 0 || strcmp(c, "..") == 0)
			return false;
	return true;
}

static int d_symlink(struct file_state *fs, char **args, size_t n, struct diag *diag)
{
	size_t idx;
	int r;

	(void)n;
	if (!valid_link_target(args[0]))
		return profile_fail(fs, diag, "invalid target `%s`: no empty, `.` or `..` parts",
				    args[0]);
	r = check_jail_path(fs, args[1], false, diag);
	if (r == 0)
		r = claim_dest(fs, args[1], DEST_SYMLINK, &idx, diag);
	if (r < 0)
		return r;
	if (idx == SIZE_MAX) {
		fs->p->links = xrealloc_array(fs->p->links, fs->p->n_links + 1,
					      sizeof(struct mpj_symlink));
		idx = fs->p->n_links++;
	} else {
		free(fs->p->links[idx].target);
		free(fs->p->links[idx].path);
	}
	fs->p->links[idx] =
		(struct mpj_symlink){ .target = xstrdup(args[0]), .path = xstrdup(args[1]) };
	return 0;
}

static int d_copy(struct file_state *fs, char **args, size_t n, struct diag *diag)
{
	size_t idx;
	int r;

	(void)n;
	r = check_jail_path(fs, args[0], false, diag);
	if (r == 0)
		r = claim_dest(fs, args[0], DEST_COPY, &idx, diag);
	if (r < 0)
		return r;
	if (idx == SIZE_MAX) /* else an earlier file copies the same file already */
		strv_push(&fs->p->copies, xstrdup(args[0]));
	return 0;
}

static int d_template(struct file_state *fs, char **args, size_t n, struct diag *diag)
{
	struct mpj_template *t;
	size_t idx;
	int r;

	(void)n;
	/* Relative to DATADIR/skel/: the shipped templates, never a host path. */
	if (args[0][0] == '/' || !valid_link_target(args[0]))
		return profile_fail(fs, diag,
				    "source `%s` must be relative to the skel directory, without `..`",
				    args[0]);
	r = check_jail_path(fs, args[1], false, diag);
	if (r == 0)
		r = claim_dest(fs, args[1], DEST_TEMPLATE, &idx, diag);
	if (r < 0)
		return r;
	if (idx == SIZE_MAX) {
		fs->p->templates =
			xrealloc_array(fs->p->templates, fs->p->n_templates + 1, sizeof(*t));
		idx = fs->p->n_templates++;
	} else {
		free(fs->p->templates[idx].src);
		free(fs->p->templates[idx].dst);
	}
	fs->p->templates[idx] =
		(struct mpj_template){ .src = xstrdup(args[0]), .dst = xstrdup(args[1]) };
	return 0;
}

static int d_home_skel(struct file_state *fs, char **args, size_t n, struct diag *diag)
{
	(void)n;
	if (!valid_name(args[0]))
		return profile_fail(fs, diag,
				    "invalid skeleton name `%s`: expected a name such as `modperl`",
				    args[0]);
	free(fs->p->home_skel);
	fs->p->home_skel = xstrdup(args[0]);
	return 0;
}

static bool valid_env_key(const char *s, size_t n)
{
	if (n == 0 || !((s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* ${...} must name a variable the launcher expands, so that expansion
 * later cannot fail or leave a literal "${X}" in the environment. */
static bool valid_env_value(const char *v)
{
	static const char *const vars[] = { "${USER}", "${HOME}", "${TENANT}" };

	for (const char *p = strstr(v, "${"); p; p = strstr(p + 1, "${")) {
		bool ok = false;

		for (size_t i = 0; i < ARRAY_SIZE(vars); i++)
			if (startswith(p, vars[i]))
				ok = true;
		if (!ok)
			return false;
	}
	return true;
}

static int d_env(struct file_state *fs, char **args, size_t n, struct diag *diag)
{
	const char *eq = strchr(args[0], '=');
	_cleanup_free_ char *key = NULL, *claim = NULL;
	size_t klen;
	char **env;
	int r;

	(void)n;
	if (!eq || !valid_env_key(args[0], (size_t)(eq - args[0])))
		return profile_fail(fs, diag,
				    "expected KEY=VALUE with KEY in [A-Z_][A-Z0-9_]*, got `%s`",
				    args[0]);
	if (!valid_env_value(eq + 1))
		return profile_fail(fs, diag,
				    "`%s`: only ${USER}, ${HOME} and ${TENANT} are expanded",
				    args[0]);
	klen = (size_t)(eq - args[0]) + 1; /* with the '=' */
	key = strndup(args[0], klen - 1) ?: (abort(), NULL);
	claim = xasprintf("env:%s", key);
	r = claim_name(fs, claim, key, diag);
	if (r < 0)
		return r;
	env = fs->p->env;
	for (size_t i = 0; env[i]; i++)
		if (strncmp(env[i], args[0], klen) == 0) {
			free(env[i]);
			env[i] = xstrdup(args[0]);
			return 0;
		}
	strv_push(&fs->p->env, xstrdup(args[0]));
	return 0;
}

static int parse_rlim(const struct mpj_rlimit_desc *d, const char *s, rlim_t *ret)
{
	uint64_t v;
	int r;

	if (strcmp(s, "infinity") == 0) {
		*ret = RLIM_INFINITY;
		return 0;
	}
	r = d->is_size ? parse_size(s, false, &v) : parse_u64(s, &v);
	if (r < 0)
		return r;
	*ret = (rlim_t)v;
	return 0;
}

static int d_rlimit(struct file_state *fs, char **args, size_t n, struct diag *diag)
{
	const struct mpj_rlimit_desc *d = rlimit_lookup(args[0]);
	rlim_t soft, hard;

	if (!d)
		return profile_fail(fs, diag, "unknown resource `%s`", args[0]);
	if (fs->rlimit_line[d->resource])
		return profile_fail(fs, diag, "`%s` is already set at line %u", args[0],
				    fs->rlimit_line[d->resource]);
	if (parse_rlim(d, args[1], &soft) < 0)
		return profile_fail(fs, diag, "invalid soft limit `%s`: expected %s or `infinity`",
				    args[1], d->is_size ? "a size such as 1G" : "a number");
	hard = soft;
	if (n > 2 && parse_rlim(d, args[2], &hard) < 0)
		return profile_fail(fs, diag, "invalid hard limit `%s`: expected %s or `infinity`",
				    args[2], d->is_size ? "a size such as 1G" : "a number");
	if (soft > hard)
		return profile_fail(fs, diag, "soft limit `%s` is above the hard limit `%s`",
				    args[1], args[2]);
	fs->rlimit_line[d->resource] = fs->line;
	fs->p->rlimits[d->resource] = (struct mpj_rlimit){
		.set = true,
		.soft = soft,
		.hard = hard,
		.line = fs->line,
	};
	return 0;
}

static int d_seccomp(struct file_state *fs, char **args, size_t n, struct diag *diag)
{
	(void)n;
	if (!valid_name(args[0]))
		return profile_fail(fs, diag, "invalid policy name `%s`", args[0]);
	free(fs->p->seccomp);
	fs->p->seccomp = xstrdup(args[0]);
	return 0;
}

static int d_command(struct file_state *fs, char **args, size_t n, struct diag *diag)
{
	char **argv = xcalloc(n + 1, sizeof(char *));

	if (!valid_abs_path(args[0])) {
		free(argv);
		return profile_fail(fs, diag, "`%s` is not an absolute path", args[0]);
	}
	for (size_t i = 0; i < n; i++)
		argv[i] = xstrdup(args[i]);
	strv_free(fs->p->command);
	fs->p->command = argv;
	return 0;
}

static int d_db_socket(struct file_state *fs, char **args, size_t n, struct diag *diag)
{
	(void)args;
	(void)n;
	(void)diag;
	fs->p->db_socket = true;
	return 0;
}

static int d_limit(struct file_state *fs, char **args, size_t n, struct diag *diag)
{
	const struct mpj_limit_desc *d = limit_lookup(args[0]);
	uint64_t v;
	int r;

	(void)n;
	if (!d)
		return profile_fail(fs, diag, "unknown limit `%s`", args[0]);
	if (fs->limit_line[d->id])
		return profile_fail(fs, diag, "`%s` is already set at line %u", args[0],
				    fs->limit_line[d->id]);
	r = limit_parse_value(d, args[1], &v);
	if (r < 0)
		return profile_fail(fs, diag, "invalid %s `%s`: %s", args[0], args[1],
				    r == -ERANGE ? "out of range" : "not a valid value");
	fs->limit_line[d->id] = fs->line;
	fs->p->limits.v[d->id] = v;
	fs->p->limits.set[d->id] = true;
	fs->p->limits.line[d->id] = fs->line;
	return 0;
}

/* The file name this profile's spans point at: one copy per file. */
static const char *connect_file(struct mpj_connect *c, const char *file)
{
	size_t i;

	for (i = 0; c->files[i]; i++)
		if (strcmp(c->files[i], file) == 0)
			return c->files[i];
	strv_push(&c->files, xstrdup(file));
	return c->files[i];
}

/* connect none | any-other | PORT|LOW-HIGH...  Lines add up (a local
 * profile can allow one more port than the one it includes); `none` starts
 * over.  Whether a port lies in port_range is only known at launch
 * (netpolicy_connect_plan). */
static int d_connect(struct file_state *fs, char **args, size_t n, struct diag *diag)
{
	static const char usage[] = "expected `none`, `any-other`, or ports and ranges such as "
				    "`25 443 1024-2048`";
	struct mpj_connect *c = &fs->p->connect;

	bool none = strcmp(args[0], "none") == 0;

	if (none || strcmp(args[0], "any-other") == 0) {
		if (n > 1)
			return profile_fail(fs, diag, "`%s` stands alone on its line", args[0]);
		if (none) {
			c->n_spans = 0;
			c->any_other = false;
			c->any_other_line = 0;
		} else {
			c->any_other = true;
			c->any_other_line = fs->line;
		}
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *lo_s = xstrdup(args[i]);
		char *hi_s = strchr(lo_s, '-');
		unsigned lo, hi;

		if (hi_s)
			*hi_s++ = '\0';
		if (parse_uint_range(lo_s, 1, 65535, &lo) < 0 ||
		    parse_uint_range(hi_s ?: lo_s, 1, 65535, &hi) < 0 || lo > hi)
			return profile_fail(fs, diag, "invalid port `%s`: %s", args[i], usage);
		if (c->n_spans >= MPJ_MAX_CONNECT_SPANS)
			return profile_fail(fs, diag, "more than %d ports and ranges",
					    MPJ_MAX_CONNECT_SPANS);
		c->spans = xrealloc_array(c->spans, c->n_spans + 1, sizeof(*c->spans));
		c->spans[c->n_spans++] = (struct mpj_port_span){
			.lo = lo,
			.hi = hi,
			.line = fs->line,
			.file = connect_file(c, fs->file),
		};
	}
	return 0;
}

static const struct directive directives[] = {
	{ "include", 1, 1, ONCE_NONE, false, d_include },
	{ "network", 1, 1, ONCE_NETWORK, false, d_network },
	{ "hostname", 1, 1, ONCE_HOSTNAME, false, d_hostname },
	{ "ro-bind", 1, 2, ONCE_NONE, false, d_ro_bind },
	{ "ro-bind-try", 1, 2, ONCE_NONE, false, d_ro_bind_try },
	{ "bind", 1, 2, ONCE_NONE, false, d_bind },
	{ "tmpfs", 2, 3, ONCE_NONE, false, d_tmpfs },
	{ "dir", 1, 3, ONCE_NONE, false, d_dir },
	{ "symlink", 2, 2, ONCE_NONE, false, d_symlink },
	{ "copy", 1, 1, ONCE_NONE, false, d_copy },
	{ "template", 2, 2, ONCE_NONE, false, d_template },
	{ "home-skel", 1, 1, ONCE_HOME_SKEL, false, d_home_skel },
	{ "env", 1, 1, ONCE_NONE, true, d_env },
	{ "rlimit", 2, 3, ONCE_NONE, false, d_rlimit },
	{ "seccomp", 1, 1, ONCE_SECCOMP, false, d_seccomp },
	{ "command", 1, DIRECTIVE_MANY_ARGS, ONCE_COMMAND, false, d_command },
	{ "db-socket", 0, 0, ONCE_DB_SOCKET, false, d_db_socket },
	{ "limit", 2, 2, ONCE_NONE, false, d_limit },
	{ "connect", 1, MPJ_MAX_CONNECT_SPANS, ONCE_NONE, false, d_connect },
};

const struct directive *directive_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(directives); i++)
		if (strcmp(directives[i].name, name) == 0)
			return &directives[i];
	return NULL;
}
