/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loader for tenants/NAME.conf.  Pure parsing and validation: no NSS,
 * nothing on disk is changed. */
#define _GNU_SOURCE
#include "config/tenant.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>

#include "config/files_internal.h"
#include "config/ini.h"
#include "config/limits.h"

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
	static const char expected[] =
		"expected a user name such as `alice` ([a-z_][a-z0-9_-]*, at most 32)";
	struct mpj_tenant *t = ((struct tenant_state *)ud)->t;

	t->user_line = it->line;
	return ini_set_string(&t->user, it, valid_name, expected, diag);
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
	return ini_set_string(&t->home, it, valid_home,
			      "expected an absolute, normalised path other than `/`", diag);
}

static int t_profile(const struct ini_item *it, void *ud, struct diag *diag)
{
	struct mpj_tenant *t = ((struct tenant_state *)ud)->t;

	t->profile_line = it->line;
	return ini_set_string(&t->profile, it, valid_name,
			      "expected a profile name such as `modperl`", diag);
}

static int t_ports(const struct ini_item *it, void *ud, struct diag *diag)
{
	struct mpj_tenant *t = ((struct tenant_state *)ud)->t;
	_cleanup_strv_ char **words = split_words(it->value);
	size_t n = strv_length(words);
	unsigned ports[MPJ_MAX_PORTS];

	if (n == 0)
		return ini_bad_value(it, -EINVAL, "expected at least one port", diag);
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
				 ini_comment_hint(words[i]));
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
		return ini_bad_value(it, -EINVAL, "expected at least one host name", diag);
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
				 words[i], ini_comment_hint(words[i]));
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
		return ini_bad_value(it, -EINVAL, "expected `yes` or `no`", diag);
	return 0;
}

static int t_idle_stop(const struct ini_item *it, void *ud, struct diag *diag)
{
	struct mpj_tenant *t = ((struct tenant_state *)ud)->t;
	int r = strcmp(it->value, "off") == 0
			? (t->idle_stop_s = 0, 0)
			: parse_duration(it->value, 7 * 86400, &t->idle_stop_s);

	t->idle_stop_line = it->line;
	if (r < 0)
		return ini_bad_value(it, r,
				     "expected `off` or a duration such as 90s, 15m or 2h "
				     "(at most 7d)",
				     diag);
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
		return ini_bad_value(it, r, expected, diag);
	}
	t->limits.v[d->id] = v;
	t->limits.set[d->id] = true;
	t->limits.line[d->id] = it->line;
	return 0;
}

static const struct ini_key tenant_keys[] = {
	{ "user", t_user },           { "home", t_home },           { "profile", t_profile },
	{ "ports", t_ports },         { "hostnames", t_hostnames }, { "allow_conf", t_allow_conf },
	{ "idle_stop", t_idle_stop },
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
			 !t->user   ? "user"
			 : !t->home ? "home"
				    : "ports");
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
	r = config_open_at(dfd, dir, base, false, &f, diag);
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
	dfd = config_open_dir(dir, diag);
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
static int list_tenants(const struct mpj_paths *paths, int *ret_dfd, char **ret_dir, char ***ret,
			struct diag *diag)
{
	_cleanup_free_ char *dir = xasprintf("%s/tenants", paths->config_dir);
	_cleanup_close_ int dfd = -1;
	__attribute__((cleanup(closedirp))) DIR *d = NULL;
	_cleanup_strv_ char **names = xcalloc(1, sizeof(char *));
	struct dirent *de;
	int r, lfd;

	dfd = config_open_dir(dir, diag);
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
