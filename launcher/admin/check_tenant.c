/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mpjail check [--json] [NAME...]: audit the registry, each tenant (profile,
 * account, home, credentials, jail tree, limits, ports) and the host.
 * Read-only: nothing is created, changed or started.  Exit 0 without a FAIL,
 * 1 with one, 100 when mpjail.conf or the command line is wrong. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "build/build.h"
#include "admin/check.h"
#include "cli/cli.h"
#include "config/identity.h"
#include "jail/landlock.h"
#include "jail/portcheck.h"
#include "config/registry.h"
#include "base/sys.h"

#define TREE_DIFF_LINES 20 /* per tenant; a wholly wrong tree is one FAIL plus a count */

/* One tenant as far as it could be loaded. */
struct tenant_state {
	char *name;
	struct mpj_tenant *t;   /* NULL: the file did not load */
	struct mpj_profile *p;  /* NULL: no tenant or the profile did not load */
	struct mpj_identity id;
	bool id_ok;
	bool selected;          /* named on the command line, or all */
};

static void load_tenant(struct check_report *r, const struct mpj_paths *paths,
			const struct mpj_global *g, struct tenant_state *s)
{
	_cleanup_free_ char *subject = xasprintf("tenant:%s", s->name);
	struct diag d = { 0 };

	if (tenant_load(paths, s->name, &s->t, &d) < 0) {
		check_add_diag(r, CHECK_FAIL, subject, &d);
		diag_clear(&d);
		s->t = NULL;
		return;
	}
	if (profile_load(paths, s->t->profile, &s->p, &d) < 0) {
		check_add_diag(r, CHECK_FAIL, subject, &d);
		diag_clear(&d);
		s->p = NULL;
	} else if (s->selected)
		check_add(r, CHECK_OK, subject, "tenant file and profile `%s` (%s) load", s->p->name,
			  s->p->file);
	if (identity_resolve(g, s->t, &s->id, &d) < 0) {
		check_add_diag(r, CHECK_FAIL, subject, &d);
		diag_clear(&d);
	} else {
		s->id_ok = true;
		if (s->selected)
			check_add(r, CHECK_OK, subject, "account %s: uid %u, gid %u, %zu supplementary groups",
				  s->id.user, (unsigned)s->id.uid, (unsigned)s->id.gid, s->id.n_groups);
	}
}

/* The same refusals as launch.c open_home(), plus modes a tenant should not
 * have: a home others can write to lets them plant Perl modules. */
static void check_home(struct check_report *r, const char *subject, const struct tenant_state *s)
{
	const struct mpj_tenant *t = s->t;
	_cleanup_close_ int fd = sys_openat2(AT_FDCWD, t->home, O_PATH | O_DIRECTORY | O_CLOEXEC,
					     RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	struct stat st;

	if (fd < 0) {
		check_add(r, CHECK_FAIL, subject, "%s:%u: home `%s`: %s", t->file, t->home_line, t->home,
			  fd == -ELOOP ? "is or passes through a symlink" : strerror(-fd));
		return;
	}
	if (fstat(fd, &st) < 0) {
		check_add(r, CHECK_FAIL, subject, "home `%s`: %s", t->home, strerror(errno));
		return;
	}
	if (s->id_ok && st.st_uid != s->id.uid)
		check_add(r, CHECK_FAIL, subject, "%s:%u: home `%s` is owned by uid %u, not %s (%u)",
			  t->file, t->home_line, t->home, (unsigned)st.st_uid, s->id.user,
			  (unsigned)s->id.uid);
	else if (st.st_mode & S_IWOTH)
		check_add(r, CHECK_FAIL, subject, "home `%s` is writable by everyone (mode %04o)", t->home,
			  (unsigned)(st.st_mode & 07777));
	else if (st.st_mode & S_IWGRP)
		check_add(r, CHECK_WARN, subject, "home `%s` is group-writable (mode %04o)", t->home,
			  (unsigned)(st.st_mode & 07777));
	else
		check_add(r, CHECK_OK, subject, "home `%s`: no symlink on the path, owned by the tenant, mode %04o",
			  t->home, (unsigned)(st.st_mode & 07777));
}

/* What the launch requires of CONFIG/credentials/NAME (mounts.c do_secrets):
 * a root-only directory of root-owned regular files, 0600 or tighter. */
static void check_credentials(struct check_report *r, const char *subject,
			      const struct mpj_paths *paths, const char *name)
{
	_cleanup_free_ char *dir = xasprintf("%s/credentials/%s", paths->config_dir, name);
	int fd = sys_openat2(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC,
			     RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	size_t n = 0, bad = 0;
	struct stat st;
	struct dirent *de;
	DIR *d;

	if (fd == -ENOENT)
		return; /* no credentials for this tenant */
	if (fd < 0 || fstat(fd, &st) < 0) {
		check_add(r, CHECK_FAIL, subject, "credentials `%s`: %s", dir,
			  strerror(fd < 0 ? -fd : errno));
		if (fd >= 0)
			(void)close(fd);
		return;
	}
	if (st.st_uid != 0 || (st.st_mode & 077)) {
		check_add(r, CHECK_FAIL, subject, "credentials `%s` must be root's, mode 0700 (is uid %u, mode %04o)",
			  dir, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		bad++;
	}
	d = fdopendir(fd);
	if (!d) {
		(void)close(fd);
		return;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		n++;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077)) {
			check_add(r, CHECK_FAIL, subject,
				  "credential `%s/%s` must be a root-owned regular file, mode 0600 or tighter",
				  dir, de->d_name);
			bad++;
		}
	}
	(void)closedir(d);
	if (!bad)
		check_add(r, CHECK_OK, subject, "%zu credential file%s, root-only", n, n == 1 ? "" : "s");
}

static void check_jail_tree(struct check_report *r, const char *subject,
			    const struct mpj_paths *paths, const char *name)
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

/* A tenant's port held by anyone but the tenant is a FAIL: `run` would be
 * refused, or worse, the frontend already sends visitors there. */
static void check_ports(struct check_report *r, const char *subject, const struct tenant_state *s,
			struct mpj_tenant *const *all, size_t n_all)
{
	const struct mpj_tenant *t = s->t;
	struct portcheck_holder *h = NULL;
	size_t nh = 0;
	int e = portcheck_holders(t->ports, t->n_ports, all, n_all, &h, &nh);

	if (e < 0) {
		check_add(r, CHECK_WARN, subject, "cannot tell who holds the ports: %s", strerror(-e));
		return;
	}
	for (size_t i = 0; i < t->n_ports; i++) {
		bool seen = false;

		for (size_t j = 0; j < nh; j++) {
			_cleanup_free_ char *what = NULL;

			if (h[j].sock.port != t->ports[i])
				continue;
			seen = true;
			what = portcheck_describe(&h[j]);
			if (s->id_ok && h[j].sock.uid == s->id.uid)
				check_add(r, CHECK_OK, subject, "port %u: served by the tenant: %s",
					  t->ports[i], what);
			else
				check_add(r, CHECK_FAIL, subject, "%s:%u: port %u is taken: %s", t->file,
					  t->ports_line, t->ports[i], what);
		}
		if (!seen)
			check_add(r, CHECK_OK, subject, "port %u: free (not running)", t->ports[i]);
	}
	portcheck_holders_free(h, nh);
}

static int mem_total(uint64_t *ret)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/meminfo", "re");
	char line[256];

	if (!f)
		return negerrno();
	while (fgets(line, sizeof line, f)) {
		_cleanup_strv_ char **w = NULL;
		uint64_t kb;

		if (!startswith(line, "MemTotal:"))
			continue;
		w = split_words(line);
		if (strv_length(w) != 3 || parse_u64(w[1], &kb) < 0 || kb > UINT64_MAX / 1024)
			return -EINVAL;
		*ret = kb * 1024;
		return 0;
	}
	return -ENOENT;
}

/* Summed over every tenant, not only those named: the limits compete for
 * the same RAM (ARCHITECTURE.md "Limits"). */
static void check_memory_sum(struct check_report *r, const struct mpj_global *g,
			     const struct tenant_state *s, size_t n)
{
	uint64_t sum = 0, total, budget, v;
	size_t unlimited = 0, counted = 0;

	for (size_t i = 0; i < n; i++) {
		if (!s[i].t || !s[i].p)
			continue;
		if (limits_get(s[i].t, s[i].p, LIMIT_MEMORY, &v)) {
			sum += v;
			counted++;
		} else
			unlimited++;
	}
	if (mem_total(&total) < 0) {
		check_add(r, CHECK_WARN, "host:memory", "cannot read MemTotal from /proc/meminfo");
		return;
	}
	budget = total / 100 * g->overcommit_pct;
	check_add(r, sum > budget ? CHECK_WARN : CHECK_OK, "host:memory",
		  "memory limits of %zu tenants sum to %lluM; RAM %lluM x overcommit %u%% = %lluM%s%s",
		  counted, (unsigned long long)(sum >> 20), (unsigned long long)(total >> 20),
		  g->overcommit_pct, (unsigned long long)(budget >> 20),
		  sum > budget ? ": the tenants can together exhaust the host" : "",
		  unlimited ? "; tenants without a memory limit are not counted" : "");
}

static void check_landlock(struct check_report *r)
{
	int abi = landlock_abi();

	if (abi < 4)
		check_add(r, CHECK_FAIL, "host:landlock",
			  "%s: jails in the shared network cannot start (need ABI 4, Linux 6.7)",
			  abi < 0 ? "not available" : "no network rules");
	else if (abi < 6)
		check_add(r, CHECK_WARN, "host:landlock",
			  "ABI %d: port rules, but no abstract-socket or signal scopes (ABI 6, Linux 6.12)", abi);
	else
		check_add(r, CHECK_OK, "host:landlock", "ABI %d: port rules, abstract-socket and signal scopes",
			  abi);
}

static void check_registry(struct check_report *r, const struct mpj_global *g,
			   struct mpj_tenant **loaded, size_t n, size_t n_files)
{
	unsigned lo = 0, hi = 0;
	struct diag d = { 0 };

	if (registry_ephemeral_range(&lo, &hi) < 0) {
		check_add(r, CHECK_WARN, "registry", "cannot read net.ipv4.ip_local_port_range: ephemeral ports not checked");
		lo = hi = 0;
	}
	if (registry_check(g, loaded, n, lo, hi, &d) < 0) {
		check_add_diag(r, CHECK_FAIL, "registry", &d);
		diag_clear(&d);
		return;
	}
	check_add(r, n == n_files ? CHECK_OK : CHECK_WARN, "registry",
		  "%zu of %zu tenant files loaded; no shared port, host name, user or home; ports in %u-%u, outside the ephemeral range %u-%u",
		  n, n_files, g->port_min, g->port_max, lo, hi);
}

static void check_one(struct check_report *r, const struct mpj_paths *paths,
		      struct tenant_state *s, struct mpj_tenant **all, size_t n_all)
{
	_cleanup_free_ char *subject = xasprintf("tenant:%s", s->name);

	check_home(r, subject, s);
	check_credentials(r, subject, paths, s->name);
	check_jail_tree(r, subject, paths, s->name);
	if (s->p)
		check_tenant_limits(r, subject, s->t, s->p);
	check_ports(r, subject, s, all, n_all);
}

int cmd_check(struct mpj_cmd_ctx *ctx, int argc, char **argv)
{
	struct check_report rep = { 0 };
	struct mpj_global g;
	_cleanup_strv_ char **names = NULL;
	_cleanup_free_ struct tenant_state *st = NULL;
	_cleanup_free_ struct mpj_tenant **loaded = NULL;
	_cleanup_close_ int procsys = -1;
	struct diag d = { 0 };
	size_t n, n_loaded = 0;
	int optind_, r, code;

	r = cli_parse(ctx, argc, argv, cli_json_options, NULL, cli_json_option, NULL, false, &optind_);
	if (r != 0)
		return r > 0 ? 0 : EXIT_MPJ_CONFIG;
	r = cli_tenants(ctx, argv + optind_, (size_t)(argc - optind_));
	if (r != 0)
		return r;
	global_init_defaults(&g);
	if (global_load(&ctx->paths, &g, &d) < 0) {
		diag_print(&d);
		diag_clear(&d);
		return EXIT_MPJ_CONFIG;
	}
	/* Names, not loaded tenants: each broken file is a finding of its own. */
	r = tenant_list(&ctx->paths, &names, &d);
	if (r < 0) {
		if (d.msg)
			diag_print(&d);
		else
			fprintf(stderr, "mpjail check: %s/tenants: %s\n", ctx->paths.config_dir,
				strerror(-r));
		diag_clear(&d);
		global_free(&g);
		return EXIT_MPJ_CONFIG;
	}
	for (int i = optind_; i < argc; i++)
		if (!strv_contains(names, argv[i])) {
			global_free(&g);
			return cli_usage_error(ctx, "no tenant `%s` in %s/tenants", argv[i],
					       ctx->paths.config_dir);
		}

	n = strv_length(names);
	st = xcalloc(n ?: 1, sizeof *st);
	loaded = xcalloc(n ?: 1, sizeof *loaded);
	for (size_t i = 0; i < n; i++) {
		st[i].name = names[i];
		st[i].selected = optind_ >= argc || strv_contains(argv + optind_, names[i]);
		load_tenant(&rep, &ctx->paths, &g, &st[i]);
		if (st[i].t)
			loaded[n_loaded++] = st[i].t;
	}
	check_registry(&rep, &g, loaded, n_loaded, n);
	for (size_t i = 0; i < n; i++)
		if (st[i].selected && st[i].t)
			check_one(&rep, &ctx->paths, &st[i], loaded, n_loaded);
	check_memory_sum(&rep, &g, st, n);
	check_landlock(&rep);
	procsys = open("/proc/sys", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procsys < 0)
		check_add(&rep, CHECK_WARN, "host", "cannot open /proc/sys: %s", strerror(errno));
	else
		check_host_sysctls(&rep, procsys);

	check_report_print(&rep, ctx->json, stdout);
	code = rep.count[CHECK_FAIL] ? EXIT_MPJ_FAILURE : EXIT_MPJ_OK;
	if (fflush(stdout) != 0)
		code = EXIT_MPJ_FAILURE;
	for (size_t i = 0; i < n; i++) {
		if (st[i].id_ok)
			identity_done(&st[i].id);
		profile_free(st[i].p);
		tenant_free(st[i].t);
	}
	check_report_done(&rep);
	global_free(&g);
	return code;
}
