/* SPDX-License-Identifier: GPL-2.0-or-later */
/* @VAR@ substitution for skel templates; see template.h. */
#define _GNU_SOURCE
#include "build/template.h"
#include "config/limits.h"

/* Where a value may contain blanks or newlines; everything else is one
 * Apache argument. */
enum {
	TVF_SPACE = 1 << 0,
	TVF_NEWLINE = 1 << 1,
	TVF_EMPTY = 1 << 2,
};

static const struct {
	const char *name;
	unsigned flags;
} var_table[_TV_MAX] = {
	[TV_TENANT] = { "TENANT", 0 },
	[TV_USER] = { "USER", 0 },
	[TV_GROUP] = { "GROUP", 0 },
	[TV_UID] = { "UID", 0 },
	[TV_GID] = { "GID", 0 },
	[TV_HOME] = { "HOME", 0 },
	[TV_PORT] = { "PORT", 0 },
	[TV_LISTEN] = { "LISTEN", TVF_SPACE | TVF_NEWLINE },
	[TV_SERVERNAME] = { "SERVERNAME", 0 },
	[TV_SERVERALIASES] = { "SERVERALIASES", TVF_SPACE | TVF_EMPTY },
	[TV_MAX_WORKERS] = { "MAX_WORKERS", 0 },
	[TV_START_SERVERS] = { "START_SERVERS", 0 },
	[TV_MAX_CONNS] = { "MAX_CONNS", 0 },
	[TV_INCLUDE_CONF] = { "INCLUDE_CONF", TVF_SPACE },
};

/* A quote or backslash ends or escapes an Apache argument, '<' '>' open and
 * close sections, '$' '%' '`' '{' '}' start expansions in some directives. */
static const char forbidden_chars[] = "\"'\\<>$%`{}";

const char *template_var_name(enum tmpl_var v)
{
	return (unsigned)v < _TV_MAX ? var_table[v].name : NULL;
}

int template_var_lookup(const char *name, size_t len, enum tmpl_var *ret)
{
	for (unsigned i = 0; i < _TV_MAX; i++)
		if (strlen(var_table[i].name) == len && memcmp(var_table[i].name, name, len) == 0) {
			*ret = (enum tmpl_var)i;
			return 0;
		}
	return -ENOENT;
}

unsigned template_max_workers(const struct tmpl_sizing_in *in)
{
	uint64_t w = TMPL_WORKERS_DEFAULT;

	if (in->has_tasks)
		w = in->tasks > TMPL_TASKS_MARGIN ? in->tasks - TMPL_TASKS_MARGIN : 1;
	if (in->has_memory && in->worker_memory > 0) {
		uint64_t m = in->memory > TMPL_MEMORY_RESERVE
				     ? (in->memory - TMPL_MEMORY_RESERVE) / in->worker_memory
				     : 0;

		if (m < w)
			w = m;
	}
	if (w > TMPL_WORKERS_DEFAULT)
		w = TMPL_WORKERS_DEFAULT;
	return w < 1 ? 1 : (unsigned)w;
}

void template_sizing_in(const struct mpj_tenant *t, const struct mpj_profile *p,
			struct tmpl_sizing_in *ret)
{
	*ret = (struct tmpl_sizing_in){ .worker_memory = TMPL_WORKER_MEMORY_DEFAULT };
	ret->has_tasks = limits_get(t, p, LIMIT_TASKS, &ret->tasks);
	ret->has_memory = limits_get(t, p, LIMIT_MEMORY, &ret->memory);
	(void)limits_get(t, p, LIMIT_WORKER_MEMORY, &ret->worker_memory);
}

static bool value_ok(const char *s, unsigned flags)
{
	if (!*s)
		return flags & TVF_EMPTY;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n' ? !(flags & TVF_NEWLINE) : *p < 0x20 || *p == 0x7f)
			return false;
		if ((*p == ' ') && !(flags & TVF_SPACE))
			return false;
		if (strchr(forbidden_chars, *p))
			return false;
	}
	return true;
}

void template_vars_done(struct tmpl_vars *v)
{
	if (!v)
		return;
	for (unsigned i = 0; i < _TV_MAX; i++) {
		free(v->v[i]);
		v->v[i] = NULL;
	}
}

static char *join_listen(const struct mpj_tenant *t)
{
	char *s = xstrdup("");

	for (size_t i = 0; i < t->n_ports; i++) {
		char *n = xasprintf("%s%sListen 127.0.0.1:%u", s, i ? "\n" : "", t->ports[i]);

		free(s);
		s = n;
	}
	return s;
}

static char *join_aliases(char *const *hosts)
{
	char *s = xstrdup("");

	for (size_t i = 1; hosts && hosts[0] && hosts[i]; i++) {
		char *n = xasprintf("%s%s%s", s, i > 1 ? " " : "", hosts[i]);

		free(s);
		s = n;
	}
	return s;
}

int template_vars_init(const struct mpj_tenant *t, const struct mpj_profile *p,
		       const struct mpj_identity *id, struct tmpl_vars *ret, struct diag *diag)
{
	struct tmpl_vars v = { 0 };
	struct tmpl_sizing_in in;
	unsigned workers;

	if (t->n_ports == 0) {
		diag_set(diag, t->file, t->ports_line, "tenant `%s` has no port", t->name);
		return -EINVAL;
	}
	template_sizing_in(t, p, &in);
	workers = template_max_workers(&in);

	v.v[TV_TENANT] = xstrdup(t->name);
	v.v[TV_USER] = xstrdup(id->user);
	v.v[TV_GROUP] = xstrdup(id->group);
	v.v[TV_UID] = xasprintf("%u", (unsigned)id->uid);
	v.v[TV_GID] = xasprintf("%u", (unsigned)id->gid);
	v.v[TV_HOME] = xstrdup(id->jail_home);
	v.v[TV_PORT] = xasprintf("%u", t->ports[0]);
	v.v[TV_LISTEN] = join_listen(t);
	v.v[TV_SERVERNAME] = xstrdup(t->hostnames && t->hostnames[0] ? t->hostnames[0] : t->name);
	v.v[TV_SERVERALIASES] = join_aliases(t->hostnames);
	v.v[TV_MAX_WORKERS] = xasprintf("%u", workers);
	v.v[TV_START_SERVERS] = xasprintf("%u", workers < 2 ? workers : 2);
	v.v[TV_MAX_CONNS] =
		xasprintf("%u", in.has_memory ? TMPL_CONNS_MEMORY_LIMITED : TMPL_CONNS_DEFAULT);
	v.v[TV_INCLUDE_CONF] = t->allow_conf
				       ? xasprintf("IncludeOptional %s/conf/*.conf", id->jail_home)
				       : xstrdup("# tenant conf/ not included (allow_conf = no)");

	for (unsigned i = 0; i < _TV_MAX; i++) {
		if (value_ok(v.v[i], var_table[i].flags))
			continue;
		/* The values come from the tenant file and the host's account
		 * database; name the file the admin has to look at. */
		diag_set(diag, t->file,
			 i == TV_SERVERNAME || i == TV_SERVERALIASES ? t->hostnames_line : 0,
			 "value `%s` for template variable @%s@ contains a character that could "
			 "break an Apache directive (a quote, backslash, <, >, $, %%, `, braces, "
			 "a control character%s)",
			 v.v[i], var_table[i].name,
			 var_table[i].flags & TVF_SPACE ? "" : " or a blank");
		template_vars_done(&v);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

static bool is_name_start(char c) { return (c >= 'A' && c <= 'Z') || c == '_'; }
static bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

struct outbuf {
	char *s;
	size_t len, cap;
};

static void out_add(struct outbuf *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		while (o->len + n + 1 > o->cap)
			o->cap = o->cap ? 2 * o->cap : 4096;
		o->s = xrealloc_array(o->s, o->cap, 1);
	}
	memcpy(o->s + o->len, s, n);
	o->len += n;
	o->s[o->len] = '\0';
}

int template_render(const char *text, size_t len, const char *file, const struct tmpl_vars *v,
		    char **ret, size_t *ret_len, struct diag *diag)
{
	struct outbuf o = { 0 };
	unsigned line = 1;
	size_t i = 0;

	out_add(&o, "", 0);
	while (i < len) {
		const char *at = memchr(text + i, '@', len - i);
		size_t chunk = at ? (size_t)(at - (text + i)) : len - i;

		for (size_t k = 0; k < chunk; k++) {
			if (text[i + k] == '\0') {
				diag_set(diag, file, line, "template contains a NUL byte");
				goto fail;
			}
			line += text[i + k] == '\n';
		}
		out_add(&o, text + i, chunk);
		i += chunk;
		if (!at)
			break;

		/* At an '@'.  "@@" is a literal; otherwise NAME and a closing '@'. */
		if (i + 1 < len && text[i + 1] == '@') {
			out_add(&o, "@", 1);
			i += 2;
			continue;
		}
		size_t n = 0;
		while (i + 1 + n < len && is_name_char(text[i + 1 + n]))
			n++;
		if (n == 0 || !is_name_start(text[i + 1]) || i + 1 + n >= len ||
		    text[i + 1 + n] != '@') {
			diag_set(diag, file, line,
				 "stray `@` (write `@@` for a literal @, `@NAME@` for a variable)");
			goto fail;
		}
		enum tmpl_var var;
		if (template_var_lookup(text + i + 1, n, &var) < 0) {
			diag_set(diag, file, line, "unknown template variable `@%.*s@`", (int)n,
				 text + i + 1);
			goto fail;
		}
		out_add(&o, v->v[var], strlen(v->v[var]));
		i += n + 2;
	}
	*ret = o.s;
	if (ret_len)
		*ret_len = o.len;
	return 0;
fail:
	free(o.s);
	return -EINVAL;
}
