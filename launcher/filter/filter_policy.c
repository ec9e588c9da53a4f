/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parser for seccomp policy files (grammar: docs/seccomp.md).  Strict on
 * purpose: a typo in a deny list silently allows what it meant to deny, so
 * every unknown word, duplicate or never-matching condition is an error
 * naming file:line and the value (docs/style.md P13). */
#define _GNU_SOURCE
#include "filter/filter_policy.h"

#include <ctype.h>
#include <linux/fs.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "base/util.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

/* Errnos a rule may return.  A short list: each one is a promise that the
 * value tells "the filter refused" apart from what the kernel would say. */
static const struct {
	const char *name;
	int err;
} errno_table[] = {
	{ "EPERM", EPERM },
	{ "EACCES", EACCES },
	{ "ENOSYS", ENOSYS },
	{ "EINVAL", EINVAL },
	{ "EAFNOSUPPORT", EAFNOSUPPORT },
	{ "EPROTONOSUPPORT", EPROTONOSUPPORT },
	{ "EOPNOTSUPP", EOPNOTSUPP },
};

/* Named values, so a policy reads like the man page instead of magic numbers.
 * Taken from the system headers, never retyped. */
static const struct {
	const char *name;
	uint64_t value;
} const_table[] = {
	{ "CLONE_NEWNS", CLONE_NEWNS },
	{ "CLONE_NEWCGROUP", CLONE_NEWCGROUP },
	{ "CLONE_NEWUTS", CLONE_NEWUTS },
	{ "CLONE_NEWIPC", CLONE_NEWIPC },
	{ "CLONE_NEWUSER", CLONE_NEWUSER },
	{ "CLONE_NEWPID", CLONE_NEWPID },
	{ "CLONE_NEWNET", CLONE_NEWNET },
	{ "TIOCSTI", TIOCSTI },
	{ "TIOCLINUX", TIOCLINUX },
	{ "TIOCSETD", TIOCSETD },
	{ "S_IFMT", S_IFMT },
	{ "S_IFCHR", S_IFCHR },
	{ "S_IFBLK", S_IFBLK },
	{ "AF_UNSPEC", AF_UNSPEC },
	{ "AF_UNIX", AF_UNIX },
	{ "AF_INET", AF_INET },
	{ "AF_INET6", AF_INET6 },
	{ "AF_NETLINK", AF_NETLINK },
	{ "AF_PACKET", AF_PACKET },
	{ "NETLINK_ROUTE", NETLINK_ROUTE },
	{ "SOCK_STREAM", SOCK_STREAM },
	{ "SOCK_DGRAM", SOCK_DGRAM },
	{ "SOCK_RAW", SOCK_RAW },
	{ "SOCK_SEQPACKET", SOCK_SEQPACKET },
	{ "SOCK_TYPE_MASK", 0xf }, /* the kernel's; SOCK_NONBLOCK and SOCK_CLOEXEC lie above */
	{ "IPPROTO_ICMP", IPPROTO_ICMP },
	{ "IPPROTO_TCP", IPPROTO_TCP },
	{ "IPPROTO_UDP", IPPROTO_UDP },
	{ "IPPROTO_ICMPV6", IPPROTO_ICMPV6 },
	{ "IPPROTO_SCTP", IPPROTO_SCTP },
	{ "IPPROTO_MPTCP", IPPROTO_MPTCP },
	{ "FS_IOC_SETFLAGS", FS_IOC_SETFLAGS },
	{ "FS_IOC32_SETFLAGS", FS_IOC32_SETFLAGS },
	{ "FS_IOC_FSSETXATTR", FS_IOC_FSSETXATTR },
	{ "PER_LINUX", PER_LINUX },
	{ "LOW32", 0xffffffffu },
};

/* Syscalls newer than the libseccomp a host may ship (Debian 12 has 2.5.4),
 * by their number in the kernel's unified table, which every 64-bit
 * architecture mpjail builds for shares since Linux 5.1.  Elsewhere the
 * name is unknown and the policy refuses to load: add the number. */
static const struct {
	const char *name;
	int nr;
} new_syscalls[] = {
#if defined(__x86_64__) || defined(__aarch64__) || defined(__riscv) || defined(__powerpc64__) || \
	defined(__s390x__) || defined(__loongarch64)
	/* Linux 6.17: sets the project id like FS_IOC_FSSETXATTR (docs/limits.md) */
	{ "file_setattr", 469 },
#endif
};

static int resolve_syscall(const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);

	for (size_t i = 0; nr == __NR_SCMP_ERROR && i < ARRAY_SIZE(new_syscalls); i++)
		if (strcmp(new_syscalls[i].name, name) == 0)
			nr = new_syscalls[i].nr;
	return nr;
}

static const char *const cmp_names[_MPJ_CMP_MAX] = {
	[MPJ_CMP_EQ] = "==",       [MPJ_CMP_NE] = "!=",
	[MPJ_CMP_LT] = "<",        [MPJ_CMP_LE] = "<=",
	[MPJ_CMP_GT] = ">",        [MPJ_CMP_GE] = ">=",
	[MPJ_CMP_ANYBIT] = "&",    [MPJ_CMP_MASKEDEQ] = "&",
	[MPJ_CMP_NOTIN] = "notin", [MPJ_CMP_MASKEDNOTIN] = "& notin",
};

const char *seccomp_errno_name(int err)
{
	for (size_t i = 0; i < ARRAY_SIZE(errno_table); i++)
		if (errno_table[i].err == err)
			return errno_table[i].name;
	return NULL;
}

const char *seccomp_cmp_name(enum mpj_cmp op)
{
	return (unsigned)op < _MPJ_CMP_MAX ? cmp_names[op] : "?";
}

static int lookup_errno(const char *s, int *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(errno_table); i++)
		if (strcmp(errno_table[i].name, s) == 0) {
			*ret = errno_table[i].err;
			return 0;
		}
	return -EINVAL;
}

/* Comparison operators other than `&` and `notin`, which take other operands. */
static int lookup_cmp(const char *s, enum mpj_cmp *ret)
{
	static const enum mpj_cmp plain[] = { MPJ_CMP_EQ, MPJ_CMP_NE, MPJ_CMP_LT,
					      MPJ_CMP_LE, MPJ_CMP_GT, MPJ_CMP_GE };

	for (size_t i = 0; i < ARRAY_SIZE(plain); i++)
		if (strcmp(cmp_names[plain[i]], s) == 0) {
			*ret = plain[i];
			return 0;
		}
	return -EINVAL;
}

/* "0x" and 1..16 hex digits; strtoull would accept blanks and signs. */
static int parse_hex(const char *s, uint64_t *ret)
{
	uint64_t v = 0;
	size_t n = 0;

	if (s[0] != '0' || s[1] != 'x')
		return -EINVAL;
	for (s += 2; *s; s++, n++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -EINVAL;
		if (n >= 16)
			return -ERANGE;
		v = (v << 4) | (uint64_t)d;
	}
	if (n == 0)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* VALUE := TERM ('|' TERM)*; TERM := decimal | 0xHEX | NAME from const_table. */
static int parse_value(const char *s, uint64_t *ret)
{
	_cleanup_free_ char *copy = xstrdup(s);
	uint64_t v = 0;
	char *save = NULL;

	if (!*s || s[0] == '|' || s[strlen(s) - 1] == '|' || strstr(s, "||"))
		return -EINVAL;
	for (char *t = strtok_r(copy, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
		uint64_t term;
		bool found = false;

		for (size_t i = 0; i < ARRAY_SIZE(const_table); i++)
			if (strcmp(const_table[i].name, t) == 0) {
				term = const_table[i].value;
				found = true;
				break;
			}
		if (!found && parse_hex(t, &term) < 0 && parse_u64(t, &term) < 0)
			return -EINVAL;
		v |= term;
	}
	*ret = v;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* "A,B,C": each value a small number (the set is compiled into one rule per
 * value missing from 0..max, so max is bounded). */
static int parse_set(const char *s, uint64_t **ret, size_t *ret_n)
{
	_cleanup_free_ char *copy = xstrdup(s);
	_cleanup_free_ uint64_t *set = NULL;
	size_t n = 0;
	char *save = NULL;

	if (!*s || s[0] == ',' || s[strlen(s) - 1] == ',' || strstr(s, ",,"))
		return -EINVAL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		uint64_t v;

		if (parse_value(t, &v) < 0)
			return -EINVAL;
		if (v > MPJ_SECCOMP_MAX_SET)
			return -ERANGE;
		set = xrealloc_array(set, n + 1, sizeof(*set));
		set[n++] = v;
	}
	qsort(set, n, sizeof(*set), cmp_u64);
	for (size_t i = 1; i < n; i++)
		if (set[i] == set[i - 1])
			return -EEXIST;
	*ret = TAKE_PTR(set);
	*ret_n = n;
	return 0;
}

static unsigned popcount64(uint64_t v) { return (unsigned)__builtin_popcountll(v); }

static bool cond_expands(const struct mpj_seccomp_cond *c)
{
	return (c->op == MPJ_CMP_ANYBIT && popcount64(c->mask) > 1) || c->op == MPJ_CMP_NOTIN ||
	       c->op == MPJ_CMP_MASKEDNOTIN;
}

/* The values of 0..top missing from set[] (sorted, each <= top), cut into
 * aligned power-of-two blocks: block k is start..start+size-1 with start a
 * multiple of size, so "x & ~(size - 1) == start" matches exactly it.  The
 * values 1..16 cost five compares (1, 2-3, 4-7, 8-15, 16) instead of 16.
 * Returns the number of blocks; fills *start and *size for block idx. */
static size_t gap_blocks(const uint64_t *set, size_t n, uint64_t top, size_t idx, uint64_t *start,
			 uint64_t *size)
{
	size_t k = 0, s = 0;
	uint64_t a = 0;

	while (a <= top) {
		uint64_t end;

		if (s < n && set[s] == a) {
			s++;
			a++;
			continue;
		}
		end = s < n ? set[s] - 1 : top;
		while (a <= end) {
			uint64_t sz = 1;

			while (a % (sz * 2) == 0 && a + sz * 2 - 1 <= end)
				sz *= 2;
			if (k == idx) {
				*start = a;
				*size = sz;
			}
			k++;
			a += sz;
		}
	}
	return k;
}

size_t seccomp_rule_expansions(const struct mpj_seccomp_rule *r)
{
	uint64_t start, size;

	for (size_t i = 0; i < r->n_conds; i++) {
		const struct mpj_seccomp_cond *c = &r->conds[i];

		if (c->op == MPJ_CMP_ANYBIT)
			return popcount64(c->mask);
		if (c->op == MPJ_CMP_NOTIN)
			return gap_blocks(c->set, c->n_set, c->set[c->n_set - 1], SIZE_MAX, &start,
					  &size) +
			       1;
		if (c->op == MPJ_CMP_MASKEDNOTIN)
			return gap_blocks(c->set, c->n_set, c->mask, SIZE_MAX, &start, &size);
	}
	return 1;
}

size_t seccomp_rule_expand(const struct mpj_seccomp_rule *r, size_t idx,
			   struct mpj_seccomp_cond out[MPJ_SECCOMP_MAX_CONDS])
{
	for (size_t i = 0; i < r->n_conds; i++) {
		const struct mpj_seccomp_cond *c = &r->conds[i];
		uint64_t start = 0, size = 0;

		out[i] = (struct mpj_seccomp_cond){
			.arg = c->arg, .op = c->op, .mask = c->mask, .value = c->value
		};
		switch (c->op) {
		case MPJ_CMP_ANYBIT: {
			/* Rules on one syscall are OR'ed, so "any of these bits" is
			 * one masked compare per bit. */
			uint64_t m = c->mask;

			for (size_t k = 0; k < idx; k++)
				m &= m - 1;
			m &= -m;
			out[i].op = MPJ_CMP_MASKEDEQ;
			out[i].mask = out[i].value = m;
			break;
		}
		case MPJ_CMP_NOTIN: {
			/* The gaps below the largest value, block by block, on all
			 * 64 bits; then "> max", which also catches values with
			 * high bits set. */
			uint64_t max = c->set[c->n_set - 1];

			if (idx < gap_blocks(c->set, c->n_set, max, idx, &start, &size)) {
				out[i].op = MPJ_CMP_MASKEDEQ;
				out[i].mask = ~(size - 1);
				out[i].value = start;
			} else {
				out[i].op = MPJ_CMP_GT;
				out[i].value = max;
			}
			break;
		}
		case MPJ_CMP_MASKEDNOTIN:
			/* Every masked value lies in 0..mask: the gaps cover all. */
			(void)gap_blocks(c->set, c->n_set, c->mask, idx, &start, &size);
			out[i].op = MPJ_CMP_MASKEDEQ;
			out[i].mask = c->mask & ~(size - 1);
			out[i].value = start;
			break;
		case MPJ_CMP_EQ:
		case MPJ_CMP_NE:
		case MPJ_CMP_LT:
		case MPJ_CMP_LE:
		case MPJ_CMP_GT:
		case MPJ_CMP_GE:
		case MPJ_CMP_MASKEDEQ:
			break;
		case _MPJ_CMP_MAX:
		default:
			abort();
		}
	}
	return r->n_conds;
}

struct parser {
	const char *file;
	unsigned line;
	struct diag *diag;
	struct mpj_seccomp_policy *p;
};

static int set_error(struct parser *ps, int r, const char *v)
{
	if (r == -ERANGE)
		diag_set(ps->diag, ps->file, ps->line,
			 "`notin` set `%s`: values must be at most %u", v, MPJ_SECCOMP_MAX_SET);
	else if (r == -EEXIST)
		diag_set(ps->diag, ps->file, ps->line, "`notin` set `%s` repeats a value", v);
	else
		diag_set(ps->diag, ps->file, ps->line,
			 "bad value `%s` in a `notin` set: expected numbers or known names, "
			 "joined with `,`",
			 v);
	return -EINVAL;
}

/* argN & M notin A,B: M has already been read into c->mask.  M must be a
 * low-bit mask (0xf: a socket type without SOCK_NONBLOCK|SOCK_CLOEXEC), so
 * the masked value lies in 0..M and the rule expands into the blocks of
 * 0..M missing from the set. */
static int parse_masked_notin(struct parser *ps, char **tok, size_t n, size_t *i, const char *a,
			      size_t start, struct mpj_seccomp_cond *c,
			      struct mpj_seccomp_cond *ret)
{
	const char *v;
	int r;

	if (*i + 1 >= n) {
		diag_set(ps->diag, ps->file, ps->line,
			 "incomplete condition `%s & %s notin`: set missing", a, tok[start + 2]);
		return -EINVAL;
	}
	if ((c->mask & (c->mask + 1)) != 0 || c->mask > MPJ_SECCOMP_MAX_SET) {
		diag_set(ps->diag, ps->file, ps->line,
			 "`%s & %s notin`: the mask must be low bits only (such as 0xf), at most %u",
			 a, tok[start + 2], MPJ_SECCOMP_MAX_SET);
		return -EINVAL;
	}
	v = tok[*i + 1];
	*i += 2;
	r = parse_set(v, &c->set, &c->n_set);
	if (r < 0)
		return set_error(ps, r, v);
	if (c->set[c->n_set - 1] > c->mask || c->n_set == c->mask + 1) {
		diag_set(ps->diag, ps->file, ps->line, "condition `%s & %s notin %s` %s", a,
			 tok[start + 2], v,
			 c->n_set == c->mask + 1 ? "can never match: the set covers the whole mask"
						 : "has a value outside the mask");
		free(c->set);
		return -EINVAL;
	}
	c->op = MPJ_CMP_MASKEDNOTIN;
	*ret = *c;
	return 0;
}

/* COND := argN OP VALUE | argN & VALUE [== VALUE | notin SET] | argN notin SET.
 * Consumes tokens from *i; errors name the whole condition. */
static int parse_cond(struct parser *ps, char **tok, size_t n, size_t *i,
		      struct mpj_seccomp_cond *ret)
{
	struct mpj_seccomp_cond c = {};
	const char *a = tok[*i], *op, *v;
	size_t start = *i;
	int r;

	if (!startswith(a, "arg") || a[3] < '0' || a[3] > '5' || a[4]) {
		diag_set(ps->diag, ps->file, ps->line,
			 "expected a condition `arg0`..`arg5`, got `%s`", a);
		return -EINVAL;
	}
	c.arg = (unsigned)(a[3] - '0');
	if (*i + 2 >= n) {
		diag_set(ps->diag, ps->file, ps->line,
			 "incomplete condition `%s`: expected `%s OP VALUE`", a, a);
		return -EINVAL;
	}
	op = tok[*i + 1];
	v = tok[*i + 2];
	*i += 3;
	if (strcmp(op, "&") == 0) {
		r = parse_value(v, &c.mask);
		if (r < 0 || c.mask == 0)
			goto bad_value;
		c.op = MPJ_CMP_ANYBIT;
		if (*i < n && strcmp(tok[*i], "notin") == 0)
			return parse_masked_notin(ps, tok, n, i, a, start, &c, ret);
		if (*i < n && strcmp(tok[*i], "==") == 0) {
			if (*i + 1 >= n) {
				diag_set(ps->diag, ps->file, ps->line,
					 "incomplete condition `%s & %s ==`: value missing", a, v);
				return -EINVAL;
			}
			v = tok[*i + 1];
			*i += 2;
			if (parse_value(v, &c.value) < 0)
				goto bad_value;
			if (c.value & ~c.mask) {
				diag_set(ps->diag, ps->file, ps->line,
					 "condition `%s & %s == %s` can never match: the value has bits outside the mask",
					 a, tok[start + 2], v);
				return -EINVAL;
			}
			c.op = MPJ_CMP_MASKEDEQ;
		}
	} else if (strcmp(op, "notin") == 0) {
		r = parse_set(v, &c.set, &c.n_set);
		if (r == -ERANGE || r == -EEXIST)
			return set_error(ps, r, v);
		if (r < 0)
			goto bad_value;
		c.op = MPJ_CMP_NOTIN;
	} else if (lookup_cmp(op, &c.op) == 0) {
		if (parse_value(v, &c.value) < 0)
			goto bad_value;
	} else {
		diag_set(ps->diag, ps->file, ps->line,
			 "unknown operator `%s` (expected ==, !=, <, <=, >, >=, &, notin)", op);
		return -EINVAL;
	}
	*ret = c;
	return 0;

bad_value:
	diag_set(ps->diag, ps->file, ps->line,
		 "bad value `%s` in condition on `%s`: expected a number (decimal or 0x hex), a known name, or NAME|NAME",
		 v, a);
	return -EINVAL;
}

static void cond_free(struct mpj_seccomp_cond *c) { free(c->set); }

static void rule_free(struct mpj_seccomp_rule *r)
{
	free(r->syscall);
	free(r->reason);
	free(r->text);
	free(r->cond_text);
	for (size_t i = 0; i < r->n_conds; i++)
		cond_free(&r->conds[i]);
}

static bool cond_equal(const struct mpj_seccomp_cond *a, const struct mpj_seccomp_cond *b)
{
	if (a->arg != b->arg || a->op != b->op || a->mask != b->mask || a->value != b->value ||
	    a->n_set != b->n_set)
		return false;
	return a->n_set == 0 || memcmp(a->set, b->set, a->n_set * sizeof(*a->set)) == 0;
}

static bool rule_same_conds(const struct mpj_seccomp_rule *a, const struct mpj_seccomp_rule *b)
{
	if (a->n_conds != b->n_conds)
		return false;
	for (size_t i = 0; i < a->n_conds; i++) {
		bool found = false;

		for (size_t j = 0; j < b->n_conds && !found; j++)
			found = cond_equal(&a->conds[i], &b->conds[j]);
		if (!found)
			return false;
	}
	return true;
}

/* Rules on one syscall are OR'ed.  An unconditional rule next to a conditional
 * one makes the latter dead (libseccomp drops it silently), and an exact
 * duplicate is a copy-paste slip: both are errors. */
static int check_conflicts(struct parser *ps, const struct mpj_seccomp_rule *r)
{
	for (size_t i = 0; i < ps->p->n_rules; i++) {
		const struct mpj_seccomp_rule *o = &ps->p->rules[i];

		if (strcmp(o->syscall, r->syscall) != 0)
			continue;
		if (o->n_conds == 0 || r->n_conds == 0) {
			diag_set(ps->diag, ps->file, ps->line,
				 "`%s` already has a rule at line %u; an unconditional rule and other rules for one syscall cannot be combined",
				 r->syscall, o->line);
			return -EINVAL;
		}
		if (rule_same_conds(o, r)) {
			diag_set(ps->diag, ps->file, ps->line,
				 "duplicate rule `%s` (first at line %u)", r->text, o->line);
			return -EINVAL;
		}
	}
	return 0;
}

static bool valid_syscall_word(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return false;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_'))
			return false;
	return true;
}

/* RULE := SYSCALL [ERRNO] [COND ('&&' COND)*] */
static int parse_rule(struct parser *ps, char **tok, size_t n, const char *text, const char *reason)
{
	struct mpj_seccomp_rule r = { .err = EPERM, .line = ps->line };
	size_t i = 1, expanding = 0;
	int nr, k;

	if (ps->p->n_groups == 0) {
		diag_set(ps->diag, ps->file, ps->line,
			 "rule `%s` outside a group: start one with `group NAME description`",
			 text);
		return -EINVAL;
	}
	if (ps->p->n_rules >= MPJ_SECCOMP_MAX_RULES) {
		diag_set(ps->diag, ps->file, ps->line, "more than %d rules", MPJ_SECCOMP_MAX_RULES);
		return -E2BIG;
	}
	if (!valid_syscall_word(tok[0])) {
		diag_set(ps->diag, ps->file, ps->line, "bad syscall name `%s`", tok[0]);
		return -EINVAL;
	}
	nr = resolve_syscall(tok[0]);
	if (nr == __NR_SCMP_ERROR) {
		diag_set(ps->diag, ps->file, ps->line, "unknown syscall `%s`", tok[0]);
		return -EINVAL;
	}
	if (i < n && isupper((unsigned char)tok[i][0])) {
		if (lookup_errno(tok[i], &r.err) < 0) {
			char known[256] = "";

			for (size_t e = 0; e < ARRAY_SIZE(errno_table); e++) {
				(void)strncat(known, e ? ", " : "",
					      sizeof(known) - strlen(known) - 1);
				(void)strncat(known, errno_table[e].name,
					      sizeof(known) - strlen(known) - 1);
			}
			diag_set(ps->diag, ps->file, ps->line, "unknown errno `%s` (known: %s)",
				 tok[i], known);
			return -EINVAL;
		}
		i++;
	}
	r.syscall = xstrdup(tok[0]);
	r.nr = nr;
	r.text = xstrdup(text);
	r.reason = reason ? xstrdup(reason) : NULL;
	r.group = ps->p->n_groups - 1;
	for (size_t j = i; j < n; j++) {
		char *t = xasprintf("%s%s%s", r.cond_text ?: "", j > i ? " " : "", tok[j]);

		free(r.cond_text);
		r.cond_text = t;
	}
	for (;;) {
		struct mpj_seccomp_cond *c;

		if (i >= n)
			break;
		if (r.n_conds > 0) {
			if (strcmp(tok[i], "&&") != 0 || i + 1 >= n) {
				diag_set(ps->diag, ps->file, ps->line,
					 "expected `&& argN ...` after a condition, got `%s`",
					 tok[i]);
				goto fail;
			}
			i++;
		}
		if (r.n_conds >= MPJ_SECCOMP_MAX_CONDS) {
			diag_set(ps->diag, ps->file, ps->line, "more than %d conditions in `%s`",
				 MPJ_SECCOMP_MAX_CONDS, text);
			goto fail;
		}
		c = &r.conds[r.n_conds];
		k = parse_cond(ps, tok, n, &i, c);
		if (k < 0)
			goto fail;
		r.n_conds++;
		/* libseccomp takes one comparison per argument and rule. */
		for (size_t j = 0; j + 1 < r.n_conds; j++)
			if (r.conds[j].arg == c->arg) {
				diag_set(ps->diag, ps->file, ps->line,
					 "`arg%u` compared twice in `%s`: split it into two rules",
					 c->arg, text);
				goto fail;
			}
		if (cond_expands(c) && ++expanding > 1) {
			diag_set(ps->diag, ps->file, ps->line,
				 "more than one multi-bit `&` or `notin` condition in `%s`", text);
			goto fail;
		}
	}
	if (check_conflicts(ps, &r) < 0)
		goto fail;
	ps->p->rules = xrealloc_array(ps->p->rules, ps->p->n_rules + 1, sizeof(r));
	ps->p->rules[ps->p->n_rules++] = r;
	return 0;
fail:
	rule_free(&r);
	return -EINVAL;
}

static bool group_has_rules(const struct mpj_seccomp_policy *p, size_t g)
{
	return p->n_rules > 0 && p->rules[p->n_rules - 1].group == g;
}

static int check_last_group(struct parser *ps)
{
	const struct mpj_seccomp_policy *p = ps->p;

	if (p->n_groups > 0 && !group_has_rules(p, p->n_groups - 1)) {
		diag_set(ps->diag, ps->file, p->groups[p->n_groups - 1].line,
			 "group `%s` has no rules", p->groups[p->n_groups - 1].name);
		return -EINVAL;
	}
	return 0;
}

/* GROUP := 'group' NAME DESCRIPTION... */
static int parse_group(struct parser *ps, char **tok, size_t n, const char *text)
{
	struct mpj_seccomp_policy *p = ps->p;
	const char *desc;

	if (n < 3) {
		diag_set(ps->diag, ps->file, ps->line, "`%s`: expected `group NAME description...`",
			 text);
		return -EINVAL;
	}
	if (!valid_name(tok[1])) {
		diag_set(ps->diag, ps->file, ps->line,
			 "bad group name `%s` (lower-case letters, digits, `-`, `_`)", tok[1]);
		return -EINVAL;
	}
	for (size_t i = 0; i < p->n_groups; i++)
		if (strcmp(p->groups[i].name, tok[1]) == 0) {
			diag_set(ps->diag, ps->file, ps->line,
				 "duplicate group `%s` (first at line %u)", tok[1],
				 p->groups[i].line);
			return -EINVAL;
		}
	if (check_last_group(ps) < 0)
		return -EINVAL;
	if (p->n_groups >= MPJ_SECCOMP_MAX_GROUPS) {
		diag_set(ps->diag, ps->file, ps->line, "more than %d groups",
			 MPJ_SECCOMP_MAX_GROUPS);
		return -E2BIG;
	}
	/* The description is the rest of the line after the name, as written. */
	desc = text + strlen("group");
	desc += strspn(desc, " \t");
	desc += strlen(tok[1]);
	desc += strspn(desc, " \t");
	p->groups = xrealloc_array(p->groups, p->n_groups + 1, sizeof(*p->groups));
	p->groups[p->n_groups++] = (struct mpj_seccomp_group){ .name = xstrdup(tok[1]),
							       .description = xstrdup(desc),
							       .line = ps->line };
	return 0;
}

static int parse_header(struct parser *ps, char **tok, size_t n, const char *text)
{
	unsigned v;

	if (n == 2 && strcmp(tok[0], "mpjail-seccomp") == 0) {
		if (parse_uint_range(tok[1], 1, 1000, &v) < 0 || v != MPJ_SECCOMP_VERSION) {
			diag_set(ps->diag, ps->file, ps->line,
				 "unsupported policy version `%s` (this mpjail reads version %d)",
				 tok[1], MPJ_SECCOMP_VERSION);
			return -EINVAL;
		}
		return 0;
	}
	diag_set(ps->diag, ps->file, ps->line,
		 "expected `mpjail-seccomp %d` as the first line, got `%s`", MPJ_SECCOMP_VERSION,
		 text);
	return -EINVAL;
}

void seccomp_policy_free(struct mpj_seccomp_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_rules; i++)
		rule_free(&p->rules[i]);
	for (size_t i = 0; i < p->n_groups; i++) {
		free(p->groups[i].name);
		free(p->groups[i].description);
	}
	free(p->rules);
	free(p->groups);
	free(p->file);
	free(p);
}

uint64_t seccomp_source_hash(uint64_t h, const void *buf, size_t n)
{
	const unsigned char *b = buf;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

static void seccomp_policy_freep(struct mpj_seccomp_policy **p) { seccomp_policy_free(*p); }

int seccomp_policy_parse(FILE *f, const char *file, struct mpj_seccomp_policy **ret,
			 struct diag *diag)
{
	__attribute__((cleanup(seccomp_policy_freep))) struct mpj_seccomp_policy *p =
		xcalloc(1, sizeof(*p));
	_cleanup_free_ char *buf = NULL;
	struct parser ps = { .file = file, .diag = diag, .p = p };
	size_t cap = 0, total = 0;
	bool header = false;
	ssize_t len;

	p->file = xstrdup(file);
	p->source_hash = MPJ_SOURCE_HASH_INIT;
	errno = 0;
	while ((len = getline(&buf, &cap, f)) >= 0) {
		_cleanup_strv_ char **tok = NULL;
		char *hash, *text, *reason = NULL;
		size_t n;
		int r;

		ps.line++;
		total += (size_t)len;
		p->source_hash = seccomp_source_hash(p->source_hash, buf, (size_t)len);
		if (total > MPJ_SECCOMP_MAX_BYTES) {
			diag_set(diag, file, ps.line, "file larger than %d bytes",
				 MPJ_SECCOMP_MAX_BYTES);
			return -EFBIG;
		}
		if ((size_t)len > MPJ_SECCOMP_MAX_LINE) {
			diag_set(diag, file, ps.line, "line longer than %d bytes",
				 MPJ_SECCOMP_MAX_LINE);
			return -EINVAL;
		}
		if (strlen(buf) != (size_t)len) {
			diag_set(diag, file, ps.line, "NUL byte in line");
			return -EINVAL;
		}
		for (char *c = buf; *c; c++)
			if ((unsigned char)*c < 0x20 && *c != '\t' && *c != '\n' &&
			    !(*c == '\r' && c[1] == '\n')) {
				diag_set(diag, file, ps.line, "control character 0x%02x in line",
					 (unsigned)(unsigned char)*c);
				return -EINVAL;
			}
		hash = strchr(buf, '#');
		if (hash) {
			*hash = '\0';
			reason = strstrip(hash + 1);
			if (!*reason)
				reason = NULL;
		}
		text = strstrip(buf);
		if (!*text)
			continue;
		tok = split_words(text);
		n = strv_length(tok);
		if (!header) {
			r = parse_header(&ps, tok, n, text);
			header = true;
		} else if (strcmp(tok[0], "group") == 0) {
			r = parse_group(&ps, tok, n, text);
		} else {
			r = parse_rule(&ps, tok, n, text, reason);
		}
		if (r < 0)
			return r;
	}
	if (ferror(f)) {
		diag_set(diag, file, 0, "read error");
		return errno > 0 ? -errno : -EIO;
	}
	if (!header) {
		diag_set(diag, file, 0,
			 "empty policy: expected `mpjail-seccomp %d` as the first line",
			 MPJ_SECCOMP_VERSION);
		return -EINVAL;
	}
	if (check_last_group(&ps) < 0)
		return -EINVAL;
	if (p->n_rules == 0) {
		diag_set(diag, file, 0, "the policy has no rules");
		return -EINVAL;
	}
	*ret = TAKE_PTR(p);
	return 0;
}
