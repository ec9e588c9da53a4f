/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Profiles: versioned, line-oriented, one directive per line (docs/style.md
 * P13, after minijail's config files).  A profile says what a jail
 * contains and may do; the tenant file says who runs it.  Directives are a
 * keyword table with argument counts; a directive that can only mean one
 * thing may appear once per file, and a later file (through `include`)
 * overrides an earlier one. */
#define _GNU_SOURCE
#include "config/profile.h"

#include <stdarg.h>
#include <sys/stat.h>

#include "config/files.h"
#include "config/ini.h"
#include "config/profile_internal.h"

const struct mpj_rlimit_desc mpj_rlimit_table[] = {
	{ "as", RLIMIT_AS, true },
	{ "core", RLIMIT_CORE, true },
	{ "cpu", RLIMIT_CPU, false },
	{ "data", RLIMIT_DATA, true },
	{ "fsize", RLIMIT_FSIZE, true },
	{ "locks", RLIMIT_LOCKS, false },
	{ "memlock", RLIMIT_MEMLOCK, true },
	{ "msgqueue", RLIMIT_MSGQUEUE, true },
	{ "nice", RLIMIT_NICE, false },
	{ "nofile", RLIMIT_NOFILE, false },
	{ "nproc", RLIMIT_NPROC, false },
	{ "rtprio", RLIMIT_RTPRIO, false },
	{ "sigpending", RLIMIT_SIGPENDING, false },
	{ "stack", RLIMIT_STACK, true },
};
const size_t mpj_rlimit_table_len = ARRAY_SIZE(mpj_rlimit_table);

const struct mpj_rlimit_desc *rlimit_lookup(const char *key)
{
	for (size_t i = 0; i < mpj_rlimit_table_len; i++)
		if (strcmp(mpj_rlimit_table[i].key, key) == 0)
			return &mpj_rlimit_table[i];
	return NULL;
}

/* ---- the profile object ---- */

struct mpj_profile *profile_new(const char *name)
{
	struct mpj_profile *p = xcalloc(1, sizeof(*p));

	p->name = xstrdup(name);
	p->network = NET_SHARED;
	p->copies = xcalloc(1, sizeof(char *));
	p->env = xcalloc(1, sizeof(char *));
	p->connect.files = xcalloc(1, sizeof(char *));
	p->sysfile_files = xcalloc(1, sizeof(char *));
	return p;
}

void profile_free(struct mpj_profile *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->file);
	free(p->hostname);
	for (size_t i = 0; i < p->n_binds; i++) {
		free(p->binds[i].src);
		free(p->binds[i].dst);
	}
	free(p->binds);
	for (size_t i = 0; i < p->n_tmpfs; i++)
		free(p->tmpfs[i].path);
	free(p->tmpfs);
	for (size_t i = 0; i < p->n_links; i++) {
		free(p->links[i].target);
		free(p->links[i].path);
	}
	free(p->links);
	for (size_t i = 0; i < p->n_dirs; i++)
		free(p->dirs[i].path);
	free(p->dirs);
	strv_free(p->copies);
	strv_free(p->env);
	free(p->seccomp);
	strv_free(p->command);
	free(p->home_skel);
	free(p->home_tmp);
	free(p->sendmail_host);
	free(p->sendmail_port);
	for (size_t i = 0; i < p->n_templates; i++) {
		free(p->templates[i].src);
		free(p->templates[i].dst);
	}
	free(p->templates);
	free(p->connect.spans);
	strv_free(p->connect.files);
	for (size_t i = 0; i < p->n_sysfiles; i++) {
		free(p->sysfiles[i].path);
		free(p->sysfiles[i].src);
	}
	free(p->sysfiles);
	strv_free(p->sysfile_files);
	free(p);
}

/* ---- parsing ---- */

int profile_fail(struct file_state *fs, struct diag *diag, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	diag_set(diag, fs->file, fs->line, "%s: %s", fs->directive, msg);
	return -EINVAL;
}

static int parse_stream(struct parse_ctx *ctx, FILE *f, const char *file, struct mpj_profile *into,
			unsigned depth, struct diag *diag);

static int open_profile(const struct mpj_paths *paths, const char *name, FILE **ret,
			char **ret_path, struct diag *diag)
{
	/* The administrator's profiles shadow the shipped ones. */
	const char *dirs[] = { paths->config_dir, paths->data_dir };
	_cleanup_free_ char *tried = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *path = NULL;
		FILE *f = NULL;
		int r;

		if (!dirs[i])
			continue;
		path = xasprintf("%s/profiles/%s.profile", dirs[i], name);
		r = config_open(path, true, &f, diag);
		if (r < 0)
			return r;
		if (f) {
			*ret = f;
			*ret_path = TAKE_PTR(path);
			return 0;
		}
		if (!tried)
			tried = TAKE_PTR(path);
		else {
			char *both = xasprintf("%s or %s", tried, path);

			free(tried);
			tried = both;
		}
	}
	diag_set(diag, NULL, 0, "profile `%s` not found (looked for %s)", name,
		 tried ? tried : "nothing: no directories");
	return -ENOENT;
}

/* Read profile NAME as a nested file of the one being parsed (or as the top
 * file when fs is NULL). */
int profile_include(struct parse_ctx *ctx, struct file_state *fs, const char *name,
		    struct mpj_profile *p, unsigned depth, struct diag *diag)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *path = NULL;
	struct stat st;
	int r;

	r = open_profile(ctx->paths, name, &f, &path, diag);
	if (r < 0) {
		/* Say where the include was, keeping the looked-for paths. */
		if (fs && diag && diag->msg && !diag->file) {
			_cleanup_free_ char *msg = TAKE_PTR(diag->msg);

			return profile_fail(fs, diag, "%s", msg);
		}
		return r;
	}
	if (fstat(fileno(f), &st) < 0)
		return negerrno();
	for (unsigned i = 0; i < ctx->n_stack; i++)
		if (ctx->stack[i].dev == st.st_dev && ctx->stack[i].ino == st.st_ino) {
			_cleanup_free_ char *chain = xstrdup("");

			for (unsigned j = i; j < ctx->n_stack; j++) {
				char *next = xasprintf("%s%s -> ", chain, ctx->stack[j].file);

				free(chain);
				chain = next;
			}
			return profile_fail(fs, diag, "include cycle: %s%s", chain, path);
		}
	ctx->stack[ctx->n_stack++] = (struct include_frame){
		.dev = st.st_dev,
		.ino = st.st_ino,
		.file = path,
	};
	if (!fs && !p->file)
		p->file = xstrdup(path); /* the top file, for diagnostics */
	r = parse_stream(ctx, f, path, p, depth, diag);
	ctx->n_stack--;
	return r;
}

static int run_directive(struct file_state *fs, char *line, struct diag *diag)
{
	_cleanup_strv_ char **words = split_words(line);
	const struct directive *d;
	size_t n = strv_length(words) - 1;
	char *rest[2] = { NULL, NULL };

	fs->directive = words[0];
	d = directive_find(words[0]);
	if (!d) {
		diag_set(diag, fs->file, fs->line, "unknown directive `%s`", words[0]);
		return -EINVAL;
	}
	if (d->rest_of_line) {
		/* The words after the keyword, blanks between them kept. */
		rest[0] = strstrip(line + strcspn(line, " \t"));
		n = *rest[0] ? 1 : 0;
	}
	if (n < d->min_args || n > d->max_args) {
		if (d->min_args == d->max_args)
			return profile_fail(fs, diag, "takes %u argument%s, got %zu: `%s`",
					    d->min_args, d->min_args == 1 ? "" : "s", n, line);
		if (d->max_args == DIRECTIVE_MANY_ARGS)
			return profile_fail(fs, diag, "takes at least %u argument%s, got %zu",
					    d->min_args, d->min_args == 1 ? "" : "s", n);
		return profile_fail(fs, diag, "takes %u to %u arguments, got %zu: `%s`",
				    d->min_args, d->max_args, n, line);
	}
	if (d->once != ONCE_NONE) {
		if (fs->once[d->once])
			return profile_fail(fs, diag, "given twice in one file (first at line %u)",
					    fs->once[d->once]);
		fs->once[d->once] = fs->line;
	}
	return d->fn(fs, d->rest_of_line ? rest : words + 1, n, diag);
}

static bool is_comment(const char *s) { return *s == '\0' || *s == '#'; }

static int parse_version(struct file_state *fs, char *line, struct diag *diag)
{
	_cleanup_strv_ char **w = split_words(line);
	unsigned v;

	if (strv_length(w) != 2 || strcmp(w[0], "mpjail-profile") != 0) {
		diag_set(diag, fs->file, fs->line,
			 "the first line must be `mpjail-profile %d`, got `%s`",
			 MPJ_PROFILE_VERSION, line);
		return -EINVAL;
	}
	if (parse_uint_range(w[1], MPJ_PROFILE_VERSION, MPJ_PROFILE_VERSION, &v) < 0) {
		diag_set(diag, fs->file, fs->line,
			 "unsupported profile version `%s`: this mpjail reads version %d", w[1],
			 MPJ_PROFILE_VERSION);
		return -EINVAL;
	}
	return 0;
}

static int parse_stream(struct parse_ctx *ctx, FILE *f, const char *file, struct mpj_profile *into,
			unsigned depth, struct diag *diag)
{
	struct conf_reader r;
	struct file_state fs = {
		.ctx = ctx,
		.p = into,
		.file = file,
		.depth = depth,
	};
	bool versioned = false;
	int ret;

	conf_reader_init(&r, f, file);
	while ((ret = conf_reader_next(&r, diag)) > 0) {
		char *s = strstrip(r.buf);

		fs.line = r.line;
		if (is_comment(s))
			continue;
		if (!versioned) {
			ret = parse_version(&fs, s, diag);
			versioned = true;
		} else
			ret = run_directive(&fs, s, diag);
		if (ret < 0)
			break;
	}
	if (ret == 0 && !versioned) {
		diag_set(diag, file, 0, "empty profile: the first line must be `mpjail-profile %d`",
			 MPJ_PROFILE_VERSION);
		ret = -EINVAL;
	}
	strv_free(fs.names);
	free(fs.name_lines);
	return ret;
}

int profile_parse(FILE *f, const char *file, const struct mpj_paths *paths,
		  struct mpj_profile *into, unsigned depth, struct diag *diag)
{
	struct parse_ctx ctx = { .paths = paths };
	struct stat st;

	if (depth > MPJ_MAX_INCLUDE_DEPTH) {
		diag_set(diag, file, 0, "nested more than %d includes deep", MPJ_MAX_INCLUDE_DEPTH);
		return -EINVAL;
	}
	/* A stream without a file (fmemopen) cannot be part of a cycle. */
	if (fileno(f) >= 0 && fstat(fileno(f), &st) == 0)
		ctx.stack[ctx.n_stack++] = (struct include_frame){
			.dev = st.st_dev,
			.ino = st.st_ino,
			.file = (char *)file,
		};
	return parse_stream(&ctx, f, file, into, depth, diag);
}

int profile_load(const struct mpj_paths *paths, const char *name, struct mpj_profile **ret,
		 struct diag *diag)
{
	struct parse_ctx ctx = { .paths = paths };
	struct mpj_profile *p;
	int r;

	if (!valid_name(name)) {
		diag_set(diag, NULL, 0, "invalid profile name `%s`", name);
		return -EINVAL;
	}
	p = profile_new(name);
	r = profile_include(&ctx, NULL, name, p, 0, diag);
	if (r == 0 && !p->seccomp) {
		/* Fail closed: a jail without a syscall filter is not a jail. */
		diag_set(diag, p->file, 0,
			 "profile `%s` names no seccomp policy (add `seccomp default`)", name);
		r = -EINVAL;
	}
	if (r < 0) {
		profile_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

bool profile_runs_httpd(const struct mpj_profile *p)
{
	static const char *const names[] = { "apache2", "httpd" };
	const char *base;

	if (!p || !p->command || !p->command[0])
		return false;
	base = strrchr(p->command[0], '/');
	base = base ? base + 1 : p->command[0];
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(base, names[i]) == 0)
			return true;
	return false;
}
