/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The effective policy of one tenant, from a prepared launch (explain.h).
 * Gathering (mount plan, cgroup location, port holders, seccomp groups,
 * credential names) is separate from the two printers, so text and JSON
 * always show the same facts. */
#define _GNU_SOURCE
#include "admin/explain.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/mount.h>

#include "base/json.h"
#include "cgroup/cgroup.h"
#include "config/netpolicy.h"
#include "config/sysfiles.h"
#include "config/tenant.h"
#include "filter/filter_policy.h"
#include "jail/mounts.h"
#include "jail/portcheck.h"
#include "jail/rlimits.h"

/* ------------------------------------------------------------ gathering --- */

struct explain {
	const struct mpj_launch *l;
	struct mount_op *ops;
	size_t n_ops;
	const char *cg_version; /* "v2", "v1", or NULL: *cg_error says why */
	char **cg_ctrls;        /* "unified" (v2), or "memory" "pids" "cpu" (v1) */
	char **cg_paths;        /* the instance directory in each, i-PID literally */
	char *cg_group;         /* the installation's group below BASE */
	char *cg_error;
	struct portcheck_holder *holders;
	size_t n_holders;
	bool holders_known;
	struct mpj_seccomp_policy *policy;
	char **credentials; /* file names only, never contents (strv) */
	struct quota_usage quota_used;
	bool quota_used_known;
};

static void explain_done(struct explain *e)
{
	free(e->ops);
	strv_free(e->cg_ctrls);
	strv_free(e->cg_paths);
	free(e->cg_group);
	free(e->cg_error);
	portcheck_holders_free(e->holders, e->n_holders);
	seccomp_policy_free(e->policy);
	strv_free(e->credentials);
}

static void json_opt_u64(FILE *out, const char *key, bool has, uint64_t v);

/* The disk quota as the kernel holds it now (the launch writes the limits
 * again; explain only reads). */
static void gather_quota(struct explain *e)
{
	const struct quota_home *q = &e->l->quota;

	if (q->probed && e->l->quota_fd >= 0 && q->fs.kind != QUOTA_NONE)
		e->quota_used_known =
			quota_get(e->l->quota_fd, &q->fs, q->fs.kind, q->id, &e->quota_used) == 0;
}

static void text_quota(const struct explain *e, FILE *out)
{
	const struct quota_home *q = &e->l->quota;
	char a[32], b[32];

	if (!q->probed || !quota_want_any(&q->want)) {
		fprintf(out, "disk quota:   none (no disk or inodes limit)\n");
		return;
	}
	fprintf(out, "disk quota:   %s quota, id %u, on %s `%s` mounted at `%s`\n",
		quota_kind_name(q->fs.kind), q->id, q->fs.fstype, q->fs.source, q->fs.target);
	fprintf(out, "  %-12s %s", "disk",
		q->want.has_disk ? quota_fmt_bytes(q->want.disk, a, sizeof a) : "unlimited");
	if (e->quota_used_known)
		fprintf(out, " (used %s)", quota_fmt_bytes(e->quota_used.space, b, sizeof b));
	fprintf(out, "\n  %-12s ", "inodes");
	if (q->want.has_inodes)
		fprintf(out, "%" PRIu64, q->want.inodes);
	else
		fputs("unlimited", out);
	if (e->quota_used_known)
		fprintf(out, " (used %" PRIu64 ")", e->quota_used.inodes);
	fputc('\n', out);
}

static void json_quota(const struct explain *e, FILE *out)
{
	const struct quota_home *q = &e->l->quota;
	bool on = q->probed && quota_want_any(&q->want);

	fputs("\"quota\":{\"kind\":", out);
	json_string(out, on ? quota_kind_name(q->fs.kind) : NULL);
	fputs(",\"id\":", out);
	json_u64(out, on, q->id);
	fputs(",\"fstype\":", out);
	json_string(out, on ? q->fs.fstype : NULL);
	fputs(",\"source\":", out);
	json_string(out, on ? q->fs.source : NULL);
	fputc(',', out);
	json_opt_u64(out, "disk", on && q->want.has_disk, q->want.disk);
	fputc(',', out);
	json_opt_u64(out, "inodes", on && q->want.has_inodes, q->want.inodes);
	fputc(',', out);
	json_opt_u64(out, "disk_used", e->quota_used_known, e->quota_used.space);
	fputc(',', out);
	json_opt_u64(out, "inodes_used", e->quota_used_known, e->quota_used.inodes);
	fputc('}', out);
}

/* Where the launch would create its cgroup, without creating anything. */
static void gather_cgroup(struct explain *e)
{
	struct mpj_cg_location loc;
	struct diag d = { 0 };

	if (cgroup_locate(&e->l->global, e->l->paths, e->l->tenant->name, &loc, &d) < 0) {
		e->cg_error = xstrdup(d.msg ?: "no usable cgroup hierarchy");
		diag_clear(&d);
		e->cg_ctrls = xcalloc(1, sizeof(char *));
		e->cg_paths = xcalloc(1, sizeof(char *));
		return;
	}
	e->cg_version = loc.version;
	e->cg_ctrls = loc.controllers;
	e->cg_paths = loc.paths;
	e->cg_group = loc.group;
}

static int gather_credentials(struct explain *e)
{
	DIR *d;
	struct dirent *de;
	int fd;

	e->credentials = xcalloc(1, sizeof(char *));
	if (e->l->secrets_fd < 0)
		return 0;
	fd = openat(e->l->secrets_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return negerrno();
	d = fdopendir(fd);
	if (!d) {
		int r = negerrno();

		(void)close(fd);
		return r;
	}
	/* The launcher skips dot files too (mounts.c do_secrets). */
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			strv_push(&e->credentials, xstrdup(de->d_name));
	(void)closedir(d);
	qsort(e->credentials, strv_length(e->credentials), sizeof(char *), cmp_str);
	return 0;
}

static int gather(struct explain *e, const struct mpj_launch *l, struct diag *diag)
{
	struct mpj_tenant **all = NULL;
	size_t n_all = 0;
	struct diag ignored = { 0 };
	struct mounts_input in;
	int r;

	*e = (struct explain){ .l = l };
	launch_mounts_input(l, &in);
	r = mounts_plan(&in, &e->ops, &e->n_ops);
	if (r < 0) {
		diag_set(diag, l->profile->file, 0, "the mount plan failed: %s", strerror(-r));
		return r;
	}
	gather_cgroup(e);
	gather_quota(e);
	/* Names a holding tenant; a broken tenant file elsewhere only loses
	 * the name. */
	if (tenant_load_all(l->paths, &all, &n_all, &ignored) < 0) {
		all = NULL;
		n_all = 0;
	}
	diag_clear(&ignored);
	e->holders_known = portcheck_holders(l->tenant->ports, l->tenant->n_ports, all, n_all,
					     &e->holders, &e->n_holders) == 0;
	if (all)
		tenant_free_all(all, n_all);
	r = filter_policy_load(l->paths, l->profile->seccomp ?: "default", &e->policy, diag);
	if (r < 0)
		return r;
	r = gather_credentials(e);
	if (r < 0) {
		diag_set(diag, l->paths->config_dir, 0, "credentials/%s: cannot list: %s",
			 l->tenant->name, strerror(-r));
		return r;
	}
	return 0;
}

/* ---------------------------------------------------------- vocabulary --- */

static const char *const kind_names[] = {
	[MK_BIND_RO] = "bind-ro", [MK_BIND_RW] = "bind-rw",   [MK_HOME] = "home",
	[MK_TMPFS] = "tmpfs",     [MK_DEV] = "dev",           [MK_DEVNODE] = "devnode",
	[MK_PROC] = "proc",       [MK_DB] = "db-socket",      [MK_SECRETS] = "secrets",
	[MK_CTL] = "control",     [MK_DIR] = "dir",           [MK_ROOT] = "root",
	[MK_DEVPTS] = "devpts",   [MK_HOME_TMP] = "home-tmp", [MK_SENDMAIL] = "sendmail",
};

static const struct {
	unsigned long flag;
	const char *name;
} flag_names[] = {
	{ MS_RDONLY, "ro" },
	{ MS_NOSUID, "nosuid" },
	{ MS_NODEV, "nodev" },
	{ MS_NOEXEC, "noexec" },
};

static const char *kind_name(enum mount_kind k)
{
	return (size_t)k < ARRAY_SIZE(kind_names) && kind_names[k] ? kind_names[k] : "?";
}

/* "ro,nosuid,nodev[,rec]"; "-" for a directory that is not a mount. */
static char *op_flags(const struct mount_op *op)
{
	unsigned long f = mount_kind_required_flags(op->kind, op->noexec);
	char buf[64] = "";

	if (!mount_kind_is_mount(op->kind))
		return xstrdup("-");
	for (size_t i = 0; i < ARRAY_SIZE(flag_names); i++)
		if (f & flag_names[i].flag)
			(void)snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s",
				       buf[0] ? "," : "", flag_names[i].name);
	if (mount_kind_recursive(op->kind))
		(void)snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%srec",
			       buf[0] ? "," : "");
	return xstrdup(buf[0] ? buf : "rw");
}

/* Where a mount's content comes from, in host terms. */
static char *op_source(const struct explain *e, const struct mount_op *op)
{
	const struct mpj_launch *l = e->l;

	switch (op->kind) {
	case MK_BIND_RO:
	case MK_BIND_RW:
		return op->optional_missing ? xasprintf("%s (missing: skipped)", op->src_path)
					    : xstrdup(op->src_path ?: "?");
	case MK_HOME:
		return xstrdup(l->tenant->home);
	case MK_HOME_TMP:
		return xasprintf("%s/tmp%s", l->tenant->home,
				 l->home_tmp_fd < 0 ? " (missing: made by the launch)" : "");
	case MK_TMPFS:
		return xasprintf("tmpfs size=%lluk mode=%04o", op->size >> 10, op->mode);
	case MK_DEV:
		return xstrdup("tmpfs with device nodes bound from the host");
	case MK_DEVNODE:
		return xstrdup(op->target); /* the host's node of the same name */
	case MK_DEVPTS:
		return xstrdup("devpts newinstance, the jail's own (exec from a terminal)");
	case MK_PROC:
		return xstrdup("proc hidepid=invisible,subset=pid");
	case MK_DB:
		return xstrdup(l->global.db_socket_dir ?: "?");
	case MK_SECRETS:
		return xasprintf("tmpfs with copies of %s/credentials/%s", l->paths->config_dir,
				 l->tenant->name);
	case MK_CTL:
		return xasprintf("%s/%s", l->paths->run_dir, l->tenant->name);
	case MK_SENDMAIL:
		return xasprintf("mpjail-sendmail, over the host's /usr/sbin/sendmail; relay %s:%s",
				 l->profile->sendmail_host, l->profile->sendmail_port);
	case MK_DIR:
		return xasprintf("directory mode=%04o%s", op->mode,
				 op->tenant_owned ? " owned by the tenant" : "");
	case MK_ROOT:
		return xasprintf("tmpfs with a copy of %s/root", l->tree_path);
	default:
		return xstrdup("?");
	}
}

static const char *const namespaces_shared[] = { "mount", "pid", "ipc", "uts", "cgroup" };

static bool rlim_is_inf(rlim_t v) { return v == RLIM_INFINITY; }

/* ----------------------------------------------------------------- text --- */

static void text_size(FILE *out, const char *key, bool has, uint64_t v, const char *unset)
{
	if (!has)
		fprintf(out, "  %-12s %s\n", key, unset);
	else if (v >= (1ULL << 20) && v % (1ULL << 20) == 0)
		fprintf(out, "  %-12s %lluM\n", key, (unsigned long long)(v >> 20));
	else
		fprintf(out, "  %-12s %llu\n", key, (unsigned long long)v);
}

/* Outbound TCP (connect lines, netpolicy.h). */
static void text_connect(const struct mpj_launch *l, FILE *out)
{
	_cleanup_free_ char *ports = NULL;

	if (l->network == NET_PRIVATE) {
		fprintf(out,
			"connect:      not restricted: the private network namespace has only "
			"its own loopback%s\n",
			l->profile->connect.n_spans || l->profile->connect.any_other
				? "; the profile's `connect` lines do not apply"
				: "");
		return;
	}
	ports = netpolicy_plan_format(&l->connect);
	fprintf(out, "connect:      %sTCP only to %s (%u port%s, own included)\n",
		l->landlock_unenforced ? "NOT ENFORCED (see landlock): " : "", ports,
		l->connect.n_ports, l->connect.n_ports == 1 ? "" : "s");
	fprintf(out,
		"              never to port_range %u-%u but the tenant's own ports; others: "
		"EACCES; UDP (DNS) and unix sockets (PostgreSQL) unaffected\n",
		l->global.port_min, l->global.port_max);
	if (l->connect.any_other)
		fprintf(out,
			"              `connect any-other`: one Landlock rule per port, about 0.1 s "
			"per launch and 4.5 MiB of kernel memory per jail\n");
}

static const char *const origin_name[] = {
	[SYSFILE_FROM_HOST] = "host", [SYSFILE_FROM_ADMIN] = "admin", [SYSFILE_FROM_TREE] = "tree",
	[SYSFILE_FROM_BIND] = "bind", [SYSFILE_NONE] = "none",
};

/* The system files and where each comes from (config/sysfiles.h), and
 * what DNS will do. */
static void text_sysfiles(const struct mpj_launch *l, FILE *out)
{
	_cleanup_free_ char *dns = NULL;

	fprintf(out, "system files: (read at every launch unless `tree`)\n");
	for (size_t i = 0; i < sysfile_table_len; i++) {
		struct sysfile_source s;

		sysfile_resolve(l->profile, i, &s);
		fprintf(out, "  %-20s %-6s %s", s.desc->path, origin_name[s.origin],
			s.src
				?: (s.origin == SYSFILE_NONE ? "(nothing)"
							     : "(built by mpjail build)"));
		if (s.file)
			fprintf(out, " (%s:%u)", s.file, s.line);
		fprintf(out, "%s\n",
			s.desc->merge == SYSFILE_APPEND ? ", after the jail's own lines" : "");
	}
	if (l->sysfiles_unreadable)
		fprintf(out, "  NOT READABLE: %s; `mpjail run` and `exec` refuse this tenant\n",
			l->sysfiles_unreadable);
	(void)sysfile_dns_verdict(l->profile, l->network, l->global.min_uid, &dns);
	fprintf(out, "dns:          %s\n", dns);
}

static void json_sysfiles(const struct mpj_launch *l, FILE *out)
{
	_cleanup_free_ char *dns = NULL;
	int warn = sysfile_dns_verdict(l->profile, l->network, l->global.min_uid, &dns);

	fputs(",\"system_files\":[", out);
	for (size_t i = 0; i < sysfile_table_len; i++) {
		struct sysfile_source s;

		sysfile_resolve(l->profile, i, &s);
		fprintf(out, "%s{\"path\":", i ? "," : "");
		json_string(out, s.desc->path);
		fputs(",\"origin\":", out);
		json_string(out, origin_name[s.origin]);
		fputs(",\"source\":", out);
		if (s.src)
			json_string(out, s.src);
		else
			fputs("null", out);
		fprintf(out, ",\"append\":%s}", s.desc->merge == SYSFILE_APPEND ? "true" : "false");
	}
	fputs("],\"system_files_error\":", out);
	if (l->sysfiles_unreadable)
		json_string(out, l->sysfiles_unreadable);
	else
		fputs("null", out);
	fprintf(out, ",\"dns\":{\"warning\":%s,\"text\":", warn ? "true" : "false");
	json_string(out, dns);
	fputc('}', out);
}

static void print_text(const struct explain *e, FILE *out, struct diag *diag)
{
	const struct mpj_launch *l = e->l;
	const struct mpj_cg_limits *c = &l->cg_limits;
	struct mount_op root = { .kind = MK_ROOT, .target = "/" };

	fprintf(out, "tenant:       %s (%s)\n", l->tenant->name, l->tenant->file);
	fprintf(out, "profile:      %s (%s)\n", l->profile->name, l->profile->file);
	fprintf(out, "identity:     user %s, uid %u, gid %u (%s)\n", l->id.user,
		(unsigned)l->id.uid, (unsigned)l->id.gid, l->id.group ?: "?");
	fprintf(out, "groups:       ");
	if (!l->id.n_groups)
		fprintf(out, "none (supplementary groups dropped)");
	for (size_t i = 0; i < l->id.n_groups; i++)
		fprintf(out, "%s%s(%u)", i ? " " : "", l->id.group_names[i],
			(unsigned)l->id.groups[i]);
	fprintf(out, "\nhome:         %s (host %s)\n", l->id.jail_home, l->tenant->home);
	fprintf(out, "hostname:     %s\n", l->hostname);
	fprintf(out, "namespaces:   ");
	for (size_t i = 0; i < ARRAY_SIZE(namespaces_shared); i++)
		fprintf(out, "%s%s", i ? " " : "", namespaces_shared[i]);
	fprintf(out, "%s\n",
		l->network == NET_PRIVATE ? " net (private network: loopback only)"
					  : "; network: the host's (ports guarded by Landlock)");
	{
		_cleanup_free_ char *net =
			netpolicy_network_describe(l->profile->network, l->landlock_abi);

		fprintf(out, "network:      %s\n", net);
	}
	fprintf(out,
		"capabilities: none: effective, permitted, inheritable, bounding and ambient sets\n"
		"              cleared with the uid change; no_new_privs; setuid(0) must fail\n");

	fprintf(out, "mounts:\n");
	for (size_t i = 0; i <= e->n_ops; i++) {
		const struct mount_op *op = i == 0 ? &root : &e->ops[i - 1];
		_cleanup_free_ char *flags = op_flags(op), *src = op_source(e, op);

		fprintf(out, "  %-24s %-9s %-25s %s\n", op->target, kind_name(op->kind), flags,
			src);
	}

	fprintf(out, "rlimits:      (soft hard, set before the uid change)\n");
	for (int r = 0; r < RLIM_NLIMITS; r++) {
		char soft[32], hard[32];

		if (!l->rlimit_set[r])
			continue;
		(void)snprintf(soft, sizeof soft, "%llu",
			       (unsigned long long)l->rlimits[r].rlim_cur);
		(void)snprintf(hard, sizeof hard, "%llu",
			       (unsigned long long)l->rlimits[r].rlim_max);
		fprintf(out, "  %-12s %s %s\n", rlimit_name(r),
			rlim_is_inf(l->rlimits[r].rlim_cur) ? "unlimited" : soft,
			rlim_is_inf(l->rlimits[r].rlim_max) ? "unlimited" : hard);
	}

	if (e->cg_version)
		fprintf(out,
			"cgroup:       %s, limits on %s/%s, one i-PID per launch (PID = the launcher's)\n",
			e->cg_version, e->cg_group, l->tenant->name);
	else
		fprintf(out, "cgroup:       unavailable: %s\n", e->cg_error);
	for (size_t i = 0; e->cg_paths[i]; i++)
		fprintf(out, "  %-12s %s\n", e->cg_ctrls[i], e->cg_paths[i]);
	text_size(out, "memory", c->has_memory, c->memory, "unlimited");
	text_size(out, "swap", c->has_swap, c->swap, "unlimited");
	text_size(out, "tasks", c->has_tasks, c->tasks, "unlimited");
	text_size(out, "cpu weight", c->has_cpu_weight, c->cpu_weight, "100 (default)");
	if (c->has_cpu_quota)
		fprintf(out, "  %-12s %llu%% of one CPU\n", "cpu quota",
			(unsigned long long)c->cpu_quota_pct);
	else
		fprintf(out, "  %-12s none\n", "cpu quota");

	text_quota(e, out);

	fprintf(out, "ports:       ");
	for (size_t i = 0; i < l->tenant->n_ports; i++)
		fprintf(out, " %u", l->tenant->ports[i]);
	fprintf(out, "%s\n", l->tenant->n_ports ? "" : " none");
	if (l->tenant->idle_stop_s)
		fprintf(out,
			"idle_stop:    %u s: under `run`, no server until the first connection, "
			"stopped after that long without one (scale to zero)\n",
			l->tenant->idle_stop_s);
	else
		fprintf(out, "idle_stop:    off: under `run`, the server always runs\n");
	if (!e->holders_known)
		fprintf(out, "  (cannot read /proc/net/tcp: holders unknown)\n");
	for (size_t i = 0; i < e->n_holders; i++) {
		_cleanup_free_ char *s = portcheck_describe(&e->holders[i]);

		fprintf(out, "  %s\n", s);
	}
	if (l->network == NET_SHARED && l->landlock_unenforced)
		fprintf(out,
			"landlock:     NOT ENFORCED: kernel ABI %d: %s; `mpjail run` and `exec` refuse "
			"this tenant here\n",
			l->landlock.abi, l->landlock_unenforced);
	else if (l->network == NET_SHARED)
		fprintf(out,
			"landlock:     ABI %d; bind() only to the ports above (port 0 never); scopes: %s\n",
			l->landlock.abi,
			l->landlock.scoped ? "abstract-unix-socket signal" : "none (ABI < 6)");
	else
		fprintf(out, "landlock:     not used (private network namespace)\n");
	text_connect(l, out);
	text_sysfiles(l, out);

	if (filter_policy_describe(l->paths, l->profile->seccomp ?: "default", out, diag) < 0)
		fprintf(out, "  (cannot describe: %s)\n", diag->msg ?: "?");

	fprintf(out, "credentials: ");
	for (size_t i = 0; e->credentials[i]; i++)
		fprintf(out, " %s", e->credentials[i]);
	fprintf(out, "%s\n",
		e->credentials[0] ? " (in /run/secrets, mode 0400, owned by the tenant)" : " none");
	fprintf(out, "command:     ");
	for (size_t i = 0; l->argv[i]; i++)
		fprintf(out, " %s", l->argv[i]);
	fprintf(out, "\nenvironment: (exactly this; everything else cleared)\n");
	for (size_t i = 0; l->envp[i]; i++)
		fprintf(out, "  %s\n", l->envp[i]);
}

/* ----------------------------------------------------------------- JSON --- */

static void json_opt_u64(FILE *out, const char *key, bool has, uint64_t v)
{
	fprintf(out, "\"%s\":", key);
	json_u64(out, has, v);
}

/* null: unlimited */
static void json_rlim(FILE *out, rlim_t v) { json_u64(out, !rlim_is_inf(v), v); }

static void json_identity(const struct mpj_launch *l, FILE *out)
{
	fputs("\"identity\":{\"user\":", out);
	json_string(out, l->id.user);
	fprintf(out, ",\"uid\":%u,\"gid\":%u,\"group\":", (unsigned)l->id.uid, (unsigned)l->id.gid);
	json_string(out, l->id.group);
	fputs(",\"groups\":[", out);
	for (size_t i = 0; i < l->id.n_groups; i++) {
		fprintf(out, "%s{\"name\":", i ? "," : "");
		json_string(out, l->id.group_names[i]);
		fprintf(out, ",\"gid\":%u}", (unsigned)l->id.groups[i]);
	}
	fputs("],\"home\":", out);
	json_string(out, l->id.jail_home);
	fputs(",\"host_home\":", out);
	json_string(out, l->tenant->home);
	fputc('}', out);
}

static void json_mounts(const struct explain *e, FILE *out)
{
	struct mount_op root = { .kind = MK_ROOT, .target = "/" };

	fputs("\"mounts\":[", out);
	for (size_t i = 0; i <= e->n_ops; i++) {
		const struct mount_op *op = i == 0 ? &root : &e->ops[i - 1];
		unsigned long f = mount_kind_required_flags(op->kind, op->noexec);
		_cleanup_free_ char *src = op_source(e, op);
		bool first = true;

		fprintf(out, "%s{\"target\":", i ? "," : "");
		json_string(out, op->target);
		fprintf(out, ",\"kind\":\"%s\",\"mount\":%s,\"flags\":[", kind_name(op->kind),
			mount_kind_is_mount(op->kind) ? "true" : "false");
		for (size_t k = 0; k < ARRAY_SIZE(flag_names); k++)
			if (mount_kind_is_mount(op->kind) && (f & flag_names[k].flag)) {
				fprintf(out, "%s\"%s\"", first ? "" : ",", flag_names[k].name);
				first = false;
			}
		fprintf(out, "],\"recursive\":%s,\"skipped\":%s,\"source\":",
			mount_kind_recursive(op->kind) ? "true" : "false",
			op->optional_missing ? "true" : "false");
		json_string(out, src);
		fputc('}', out);
	}
	fputc(']', out);
}

static void json_cgroup(const struct explain *e, FILE *out)
{
	const struct mpj_cg_limits *c = &e->l->cg_limits;

	fputs("\"cgroup\":{\"version\":", out);
	if (e->cg_version)
		json_string(out, e->cg_version);
	else
		fputs("null", out);
	fputs(",\"group\":", out);
	if (e->cg_group)
		json_string(out, e->cg_group);
	else
		fputs("null", out);
	fputs(",\"error\":", out);
	if (e->cg_error)
		json_string(out, e->cg_error);
	else
		fputs("null", out);
	fputs(",\"paths\":[", out);
	for (size_t i = 0; e->cg_paths[i]; i++) {
		fprintf(out, "%s{\"controller\":", i ? "," : "");
		json_string(out, e->cg_ctrls[i]);
		fputs(",\"path\":", out);
		json_string(out, e->cg_paths[i]);
		fputc('}', out);
	}
	fputc(']', out);
	fputc(',', out);
	json_opt_u64(out, "memory", c->has_memory, c->memory);
	fputc(',', out);
	json_opt_u64(out, "swap", c->has_swap, c->swap);
	fputc(',', out);
	json_opt_u64(out, "tasks", c->has_tasks, c->tasks);
	fputc(',', out);
	json_opt_u64(out, "cpu_weight", c->has_cpu_weight, c->cpu_weight);
	fputc(',', out);
	json_opt_u64(out, "cpu_quota_pct", c->has_cpu_quota, c->cpu_quota_pct);
	fputc('}', out);
}

static void json_ports(const struct explain *e, FILE *out)
{
	const struct mpj_launch *l = e->l;

	fprintf(out, "\"idle_stop_s\":%u,\"ports\":[", l->tenant->idle_stop_s);
	for (size_t i = 0; i < l->tenant->n_ports; i++)
		fprintf(out, "%s%u", i ? "," : "", l->tenant->ports[i]);
	fputs("],\"port_holders\":", out);
	if (!e->holders_known)
		fputs("null", out);
	else {
		fputc('[', out);
		for (size_t i = 0; i < e->n_holders; i++) {
			const struct portcheck_holder *h = &e->holders[i];

			fprintf(out, "%s{\"port\":%u,\"address\":", i ? "," : "", h->sock.port);
			json_string(out, h->sock.addr);
			fprintf(out, ",\"uid\":%u,\"user\":", (unsigned)h->sock.uid);
			json_string(out, h->user);
			fputs(",\"tenant\":", out);
			json_string(out, h->tenant);
			/* Unreadable ones are "", not null: the field is always a string. */
			fprintf(out, ",\"pid\":%d,\"processes\":%zu,\"comm\":", (int)h->pid,
				h->n_pids);
			json_string(out, h->comm ?: "");
			fputs(",\"cmdline\":", out);
			json_string(out, h->cmdline ?: "");
			fputc('}', out);
		}
		fputc(']', out);
	}
	if (l->network == NET_SHARED) {
		fprintf(out,
			",\"landlock\":{\"abi\":%d,\"enforced\":%s,\"error\":", l->landlock.abi,
			l->landlock_unenforced ? "false" : "true");
		if (l->landlock_unenforced)
			json_string(out, l->landlock_unenforced);
		else
			fputs("null", out);
		fprintf(out, ",\"scopes\":%s,\"connect\":{\"any_other\":%s,\"ports\":[",
			l->landlock.scoped ? "[\"abstract-unix-socket\",\"signal\"]" : "[]",
			l->connect.any_other ? "true" : "false");
		for (size_t i = 0; i < l->connect.n_spans; i++)
			fprintf(out, "%s[%u,%u]", i ? "," : "", l->connect.spans[i].lo,
				l->connect.spans[i].hi);
		fprintf(out, "],\"n_ports\":%u}}", l->connect.n_ports);
	} else
		fputs(",\"landlock\":null", out);
}

static void json_seccomp(const struct explain *e, FILE *out)
{
	const struct mpj_seccomp_policy *p = e->policy;

	fputs("\"seccomp\":{\"policy\":", out);
	json_string(out, e->l->profile->seccomp ?: "default");
	fputs(",\"file\":", out);
	json_string(out, p->file);
	fputs(",\"default\":\"allow\",\"groups\":[", out);
	for (size_t g = 0; g < p->n_groups; g++) {
		bool first = true;

		fprintf(out, "%s{\"name\":", g ? "," : "");
		json_string(out, p->groups[g].name);
		fputs(",\"description\":", out);
		json_string(out, p->groups[g].description);
		fputs(",\"rules\":[", out);
		for (size_t i = 0; i < p->n_rules; i++) {
			const struct mpj_seccomp_rule *r = &p->rules[i];

			if (r->group != g)
				continue;
			fprintf(out, "%s{\"syscall\":", first ? "" : ",");
			first = false;
			json_string(out, r->syscall);
			fprintf(out, ",\"native\":%s,\"errno\":", r->nr >= 0 ? "true" : "false");
			json_string(out, seccomp_errno_name(r->err) ?: "");
			fputs(",\"conditions\":", out);
			json_string(out, r->cond_text);
			fputs(",\"reason\":", out);
			json_string(out, r->reason);
			fputc('}', out);
		}
		fputs("]}", out);
	}
	fputs("]}", out);
}

static void print_json(const struct explain *e, FILE *out)
{
	const struct mpj_launch *l = e->l;

	fputs("{\"tenant\":", out);
	json_string(out, l->tenant->name);
	fputs(",\"tenant_file\":", out);
	json_string(out, l->tenant->file);
	fputs(",\"profile\":", out);
	json_string(out, l->profile->name);
	fputs(",\"profile_file\":", out);
	json_string(out, l->profile->file);
	fputc(',', out);
	json_identity(l, out);
	fputs(",\"hostname\":", out);
	json_string(out, l->hostname);
	fputs(",\"namespaces\":[", out);
	for (size_t i = 0; i < ARRAY_SIZE(namespaces_shared); i++)
		fprintf(out, "%s\"%s\"", i ? "," : "", namespaces_shared[i]);
	fprintf(out, "%s],\"network\":\"%s\",\"network_profile\":\"%s\",\"network_decision\":",
		l->network == NET_PRIVATE ? ",\"net\"" : "", netpolicy_network_name(l->network),
		netpolicy_network_name(l->profile->network));
	{
		_cleanup_free_ char *net =
			netpolicy_network_describe(l->profile->network, l->landlock_abi);

		json_string(out, net);
	}
	fputs(",\"landlock_abi\":", out);
	if (l->landlock_abi >= 0)
		fprintf(out, "%d,", l->landlock_abi);
	else
		fputs("null,", out);
	fputs("\"capabilities\":{\"effective\":[],\"permitted\":[],\"inheritable\":[],"
	      "\"bounding\":[],\"ambient\":[],\"no_new_privs\":true},",
	      out);
	json_mounts(e, out);
	fputs(",\"rlimits\":[", out);
	for (int r = 0, first = 1; r < RLIM_NLIMITS; r++) {
		if (!l->rlimit_set[r])
			continue;
		fprintf(out, "%s{\"name\":\"%s\",\"soft\":", first ? "" : ",", rlimit_name(r));
		json_rlim(out, l->rlimits[r].rlim_cur);
		fputs(",\"hard\":", out);
		json_rlim(out, l->rlimits[r].rlim_max);
		fputc('}', out);
		first = 0;
	}
	fputs("],", out);
	json_cgroup(e, out);
	fputc(',', out);
	json_quota(e, out);
	fputc(',', out);
	json_ports(e, out);
	json_sysfiles(e->l, out);
	fputc(',', out);
	json_seccomp(e, out);
	fputs(",\"credentials\":", out);
	json_strv(out, e->credentials);
	fputs(",\"command\":", out);
	json_strv(out, l->argv);
	fputs(",\"environment\":", out);
	json_strv(out, l->envp);
	fputs("}\n", out);
}

int explain_print(const struct mpj_launch *l, bool json, FILE *out, struct diag *diag)
{
	struct explain e;
	int r = gather(&e, l, diag);

	if (r >= 0) {
		if (json)
			print_json(&e, out);
		else
			print_text(&e, out, diag);
		r = ferror(out) ? -EIO : 0;
	}
	explain_done(&e);
	return r;
}
