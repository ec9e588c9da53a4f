/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The seccomp compiler: a parsed policy (filter_policy.c) becomes classic BPF
 * through libseccomp in the parent, before clone; the child only hands the
 * finished program to the kernel (docs/style.md P11, L16). */
#define _GNU_SOURCE
#include "filter/filter.h"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include "config/files.h"
#include "filter/filter_policy.h"

static void seccomp_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

static void policy_freep(struct mpj_seccomp_policy **p) { seccomp_policy_free(*p); }

#define _cleanup_scmp_ __attribute__((cleanup(seccomp_releasep)))
#define _cleanup_policy_ __attribute__((cleanup(policy_freep)))

static enum scmp_compare scmp_op(enum mpj_cmp op)
{
	switch (op) {
	case MPJ_CMP_EQ:
		return SCMP_CMP_EQ;
	case MPJ_CMP_NE:
		return SCMP_CMP_NE;
	case MPJ_CMP_LT:
		return SCMP_CMP_LT;
	case MPJ_CMP_LE:
		return SCMP_CMP_LE;
	case MPJ_CMP_GT:
		return SCMP_CMP_GT;
	case MPJ_CMP_GE:
		return SCMP_CMP_GE;
	case MPJ_CMP_MASKEDEQ:
		return SCMP_CMP_MASKED_EQ;
	case MPJ_CMP_ANYBIT: /* expanded by seccomp_rule_expand() */
	case MPJ_CMP_NOTIN:  /* likewise */
	case MPJ_CMP_MASKEDNOTIN:
	case _MPJ_CMP_MAX:
	default:
		abort();
	}
}

static int add_rule(scmp_filter_ctx ctx, const struct mpj_seccomp_policy *p,
		    const struct mpj_seccomp_rule *r, struct diag *diag)
{
	size_t n = seccomp_rule_expansions(r);

	for (size_t e = 0; e < n; e++) {
		struct mpj_seccomp_cond conds[MPJ_SECCOMP_MAX_CONDS];
		struct scmp_arg_cmp cmp[MPJ_SECCOMP_MAX_CONDS] = {};
		size_t k = seccomp_rule_expand(r, e, conds);
		int q;

		for (size_t i = 0; i < k; i++) {
			cmp[i].arg = conds[i].arg;
			cmp[i].op = scmp_op(conds[i].op);
			if (conds[i].op == MPJ_CMP_MASKEDEQ) {
				cmp[i].datum_a = conds[i].mask;
				cmp[i].datum_b = conds[i].value;
			} else {
				cmp[i].datum_a = conds[i].value;
			}
		}
		/* _exact: refuse rather than let libseccomp rewrite the rule. */
		q = seccomp_rule_add_exact_array(ctx, SCMP_ACT_ERRNO((uint32_t)r->err), r->nr,
						 (unsigned)k, cmp);
		if (q < 0) {
			diag_set(diag, p->file, r->line, "libseccomp refused rule `%s`: %s",
				 r->text, strerror(-q));
			return q;
		}
	}
	return 0;
}

/* Default allow (a deny list), native architecture only.  Any other audit
 * arch (i386 via `int $0x80`) and, on x86_64, any x32 number (nr |
 * 0x40000000, which libseccomp checks for when x32 is not in the filter)
 * kills the process: a deny list written in x86_64 numbers means nothing
 * there (docs/threats.md T24). */
static int build_ctx(const struct mpj_seccomp_policy *p, scmp_filter_ctx *ret, struct diag *diag)
{
	_cleanup_scmp_ scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r;

	if (!ctx) {
		diag_set(diag, p->file, 0, "seccomp_init failed");
		return -ENOMEM;
	}
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	/* The launcher sets no_new_privs itself, early (docs/style.md L3);
	 * the attribute only matters to seccomp_load, which we never call. */
	if (r >= 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	/* A binary search over syscall numbers instead of a linear chain: httpd
	 * runs every syscall through this filter. */
	if (r >= 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (r < 0) {
		diag_set(diag, p->file, 0, "seccomp_attr_set: %s", strerror(-r));
		return r;
	}
	for (size_t i = 0; i < p->n_rules; i++) {
		/* A syscall libseccomp knows but this architecture lacks cannot
		 * be called natively; other ABIs are killed above. */
		if (p->rules[i].nr < 0)
			continue;
		r = add_rule(ctx, p, &p->rules[i], diag);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(ctx);
	return 0;
}

int filter_compile(const struct mpj_seccomp_policy *p, const char *name, struct mpj_filter *ret,
		   struct diag *diag)
{
	_cleanup_scmp_ scmp_filter_ctx ctx = NULL;
	_cleanup_close_ int fd = -1;
	_cleanup_free_ struct sock_filter *insns = NULL;
	struct stat st;
	ssize_t n;
	int r;

	r = build_ctx(p, &ctx, diag);
	if (r < 0)
		return r;
	/* libseccomp 2.5 exports only to an fd; a memfd keeps it off disk. */
	fd = memfd_create("mpjail-seccomp", MFD_CLOEXEC);
	if (fd < 0) {
		r = negerrno();
		diag_set(diag, p->file, 0, "memfd_create: %s", strerror(-r));
		return r;
	}
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0) {
		diag_set(diag, p->file, 0, "seccomp_export_bpf: %s", strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		r = negerrno();
		diag_set(diag, p->file, 0, "reading the exported filter: %s", strerror(-r));
		return r;
	}
	if (st.st_size <= 0 || st.st_size % (off_t)sizeof(struct sock_filter) != 0 ||
	    st.st_size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS) {
		diag_set(diag, p->file, 0,
			 "exported filter has a bad size (%jd bytes, at most %d instructions)",
			 (intmax_t)st.st_size, BPF_MAXINSNS);
		return -E2BIG;
	}
	insns = xmalloc((size_t)st.st_size);
	n = read_full(fd, insns, (size_t)st.st_size);
	if (n != st.st_size) {
		r = n < 0 ? (int)n : -EIO;
		diag_set(diag, p->file, 0, "reading the exported filter: %s", strerror(-r));
		return r;
	}
	*ret = (struct mpj_filter){
		.prog = { .len = (unsigned short)(st.st_size / (off_t)sizeof(struct sock_filter)),
			  .filter = TAKE_PTR(insns) },
		.policy = xstrdup(name),
		.source_hash = p->source_hash,
	};
	return 0;
}

int filter_export_pfc(const struct mpj_seccomp_policy *p, int fd, struct diag *diag)
{
	_cleanup_scmp_ scmp_filter_ctx ctx = NULL;
	int r;

	r = build_ctx(p, &ctx, diag);
	if (r < 0)
		return r;
	r = seccomp_export_pfc(ctx, fd);
	if (r < 0)
		diag_set(diag, p->file, 0, "seccomp_export_pfc: %s", strerror(-r));
	return r;
}

/* DIR/profiles/NAME.seccomp over DATADIR/profiles/NAME.seccomp.  Only a
 * missing override falls through: an override that exists but cannot be used
 * (symlink, wrong owner, unreadable) is an error, never a silent fallback to
 * the shipped policy. */
static int policy_open(const struct mpj_paths *paths, const char *policy, FILE **ret,
		       char **ret_path, struct diag *diag)
{
	const char *dirs[] = { paths->config_dir, paths->data_dir };
	int r;

	if (!valid_name(policy)) {
		diag_set(diag, NULL, 0, "invalid seccomp policy name `%s`", policy);
		return -EINVAL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *path = NULL;
		FILE *f = NULL;

		if (!dirs[i])
			continue;
		path = xasprintf("%s/profiles/%s.seccomp", dirs[i], policy);
		r = config_open(path, true, &f, diag);
		if (r < 0)
			return r;
		if (!f)
			continue;
		*ret = f;
		*ret_path = TAKE_PTR(path);
		return 0;
	}
	diag_set(diag, NULL, 0, "seccomp policy `%s` not found in %s/profiles or %s/profiles",
		 policy, paths->config_dir ?: "(none)", paths->data_dir ?: "(none)");
	return -ENOENT;
}

int filter_policy_load(const struct mpj_paths *paths, const char *policy,
		       struct mpj_seccomp_policy **ret, struct diag *diag)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *path = NULL;
	int r;

	r = policy_open(paths, policy, &f, &path, diag);
	if (r < 0)
		return r;
	return seccomp_policy_parse(f, path, ret, diag);
}

int filter_prepare(const struct mpj_paths *paths, const char *policy, struct mpj_filter *ret,
		   struct diag *diag)
{
	_cleanup_policy_ struct mpj_seccomp_policy *p = NULL;
	int r;

	r = filter_policy_load(paths, policy, &p, diag);
	if (r < 0)
		return r;
	return filter_compile(p, policy, ret, diag);
}

/* Hash the policy text as the parser would, without parsing it. */
static int hash_stream(FILE *f, uint64_t *ret)
{
	uint64_t h = MPJ_SOURCE_HASH_INIT;
	char buf[4096];
	size_t n, total = 0;

	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		total += n;
		if (total > MPJ_SECCOMP_MAX_BYTES)
			return -EFBIG; /* the parser will say so, at its line */
		h = seccomp_source_hash(h, buf, n);
	}
	if (ferror(f))
		return -EIO;
	*ret = h;
	return 0;
}

int filter_prepare_stored(const struct mpj_paths *paths, const char *policy, int dirfd,
			  const char *name, struct mpj_filter *ret, struct diag *diag)
{
	_cleanup_policy_ struct mpj_seccomp_policy *p = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *path = NULL;
	struct mpj_filter stored = {};
	uint64_t h;
	int r;

	r = policy_open(paths, policy, &f, &path, diag);
	if (r < 0)
		return r;
	if (hash_stream(f, &h) == 0 && filter_load_stored(dirfd, name, &stored) == 0) {
		if (strcmp(stored.policy, policy) == 0 && stored.source_hash == h) {
			*ret = stored;
			return 1;
		}
		filter_done(&stored);
	}
	/* Missing, unusable or stale: compile from the text we just hashed. */
	rewind(f);
	r = seccomp_policy_parse(f, path, &p, diag);
	if (r < 0)
		return r;
	r = filter_compile(p, policy, ret, diag);
	return r < 0 ? r : 0;
}

/* Runs in the child after the identity drop, with no_new_privs already set:
 * no allocation, no libseccomp, nothing that could need the filter's leave. */
int filter_apply(const struct mpj_filter *f)
{
	if (!f || !f->prog.filter || f->prog.len == 0)
		return -EINVAL;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &f->prog) < 0)
		return negerrno();
	return 0;
}

void filter_done(struct mpj_filter *f)
{
	if (!f)
		return;
	free(f->prog.filter);
	free(f->policy);
	*f = (struct mpj_filter){};
}

static void describe_rule(FILE *out, const struct mpj_seccomp_rule *rule, const char *machine)
{
	_cleanup_free_ char *line = NULL, *note = NULL;
	size_t n = seccomp_rule_expansions(rule), len;

	if (rule->nr < 0)
		note = xasprintf("  (not a syscall on %s: no effect)", machine);
	else if (n > 1)
		note = xasprintf("  (%zu rules)", n);
	line = xasprintf("    %-18s %-12s %s%s%s%s", rule->syscall,
			 seccomp_errno_name(rule->err) ?: "?", rule->cond_text ?: "", note ?: "",
			 rule->reason ? "  # " : "", rule->reason ?: "");
	len = strlen(line);
	while (len > 0 && line[len - 1] == ' ')
		line[--len] = '\0';
	fprintf(out, "%s\n", line);
}

int filter_policy_describe(const struct mpj_paths *paths, const char *policy, FILE *out,
			   struct diag *diag)
{
	_cleanup_policy_ struct mpj_seccomp_policy *p = NULL;
	struct utsname u;
	size_t total = 0;
	int r;

	r = filter_policy_load(paths, policy, &p, diag);
	if (r < 0)
		return r;
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].nr >= 0)
			total += seccomp_rule_expansions(&p->rules[i]);
	if (uname(&u) < 0)
		(void)strcpy(u.machine, "native");
	fprintf(out, "seccomp policy `%s` (%s)\n", policy, p->file);
	fprintf(out, "  default: allow; the rules below deny, returning the errno shown\n");
	fprintf(out,
		"  architecture: %s only; other ABIs (i386 `int $0x80`, x32) kill the process\n",
		u.machine);
	fprintf(out, "  %zu rules in %zu groups, %zu libseccomp rules\n", p->n_rules, p->n_groups,
		total);
	for (size_t g = 0; g < p->n_groups; g++) {
		fprintf(out, "  group %s: %s\n", p->groups[g].name, p->groups[g].description);
		for (size_t i = 0; i < p->n_rules; i++)
			if (p->rules[i].group == g)
				describe_rule(out, &p->rules[i], u.machine);
	}
	if (ferror(out))
		return -EIO;
	return 0;
}
