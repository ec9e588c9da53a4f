/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pure half of the control protocol: request parsing, response line
 * parsing, the peer decision and status rendering (the rate limiter is
 * base/ratelimit.c).  No
 * syscalls here, so all of it is unit-tested and the parser is fuzzed. */
#define _GNU_SOURCE
#include "control/control.h"

#include <inttypes.h>

#include "base/json.h"

static const char *const verb_names[_CTL_VERB_MAX] = {
	[CTL_STATUS] = "status",   [CTL_STATUS_JSON] = "status-json",
	[CTL_RESTART] = "restart", [CTL_RELOAD] = "reload",
	[CTL_STOP] = "stop",
};

static const char *const state_names[_CTL_STATE_MAX] = {
	[CTL_STATE_STARTING] = "starting",     [CTL_STATE_RUNNING] = "running",
	[CTL_STATE_RESTARTING] = "restarting", [CTL_STATE_STOPPING] = "stopping",
	[CTL_STATE_STOPPED] = "stopped",       [CTL_STATE_IDLE] = "idle",
};

const char *ctl_verb_name(enum ctl_verb v)
{
	return (unsigned)v < _CTL_VERB_MAX ? verb_names[v] : "?";
}

const char *ctl_state_name(enum ctl_state s)
{
	return (unsigned)s < _CTL_STATE_MAX ? state_names[s] : "?";
}

int ctl_verb_from_name(const char *s, enum ctl_verb *ret)
{
	for (size_t i = 0; i < _CTL_VERB_MAX; i++)
		if (strcmp(s, verb_names[i]) == 0) {
			*ret = (enum ctl_verb)i;
			return 0;
		}
	return -EINVAL;
}

bool ctl_verb_is_action(enum ctl_verb v)
{
	switch (v) {
	case CTL_RESTART:
	case CTL_RELOAD:
	case CTL_STOP:
		return true;
	case CTL_STATUS:
	case CTL_STATUS_JSON:
	case _CTL_VERB_MAX:
	default:
		return false;
	}
}

/* Cut the next word (up to a single space or the end) off *p. */
static const char *next_word(char **p)
{
	char *w = *p, *sp;

	if (!w)
		return NULL;
	sp = strchr(w, ' ');
	if (sp) {
		*sp = '\0';
		*p = sp + 1;
	} else
		*p = NULL;
	return w;
}

int ctl_parse_request(const char *buf, size_t n, enum ctl_verb *ret)
{
	char line[CTL_REQ_MAX];
	char *p = line;
	const char *magic, *version, *verb;
	unsigned v;

	if (n > CTL_REQ_MAX)
		return -EMSGSIZE;
	if (n == 0 || buf[n - 1] != '\n')
		return -EBADMSG;
	/* One line of printable ASCII and single spaces: no CR, tab, NUL or
	 * a second request smuggled after the first newline. */
	for (size_t i = 0; i + 1 < n; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c != ' ' && (c < 0x21 || c > 0x7e))
			return -EBADMSG;
	}
	memcpy(line, buf, n - 1);
	line[n - 1] = '\0';

	magic = next_word(&p);
	version = next_word(&p);
	if (!magic || strcmp(magic, CTL_MAGIC) != 0 || !version)
		return -EBADMSG;
	/* The version is checked before the rest, so a newer client gets
	 * "version not supported" whatever its request looks like. */
	if (parse_uint_range(version, 0, 1000000, &v) < 0)
		return -EBADMSG;
	if (v != CTL_VERSION)
		return -EPROTONOSUPPORT;
	verb = next_word(&p);
	if (!verb || !*verb || p) /* p: a fourth word, or a trailing space */
		return -EBADMSG;
	if (ctl_verb_from_name(verb, ret) < 0)
		return -ENOENT;
	return 0;
}

enum ctl_code ctl_code_for_parse_error(int err)
{
	switch (err) {
	case -EMSGSIZE:
		return CTL_E_TOO_LONG;
	case -EPROTONOSUPPORT:
		return CTL_E_VERSION;
	case -ENOENT:
		return CTL_E_UNKNOWN_VERB;
	case -EBADMSG:
	default:
		return CTL_E_BAD_REQUEST;
	}
}

int ctl_format_request(enum ctl_verb v, char *buf, size_t size)
{
	int n;

	if ((unsigned)v >= _CTL_VERB_MAX)
		return -EINVAL;
	n = snprintf(buf, size, "%s %d %s\n", CTL_MAGIC, CTL_VERSION, verb_names[v]);
	return n < 0 || (size_t)n >= size ? -ENOBUFS : n;
}

int ctl_parse_response_line(const char *line, int *ret_code, const char **ret_msg)
{
	char num[4];
	unsigned code;

	if (strcmp(line, "OK") == 0) {
		*ret_code = 0;
		*ret_msg = line + 2; /* "", inside line like every message */
		return 0;
	}
	if (!startswith(line, "ERR ") || strlen(line) < 8 || line[7] != ' ')
		return -EBADMSG;
	memcpy(num, line + 4, 3);
	num[3] = '\0';
	if (parse_uint_range(num, 100, 999, &code) < 0)
		return -EBADMSG;
	*ret_code = (int)code;
	*ret_msg = line + 8;
	return 0;
}

enum ctl_peer ctl_peer_check(uid_t peer, uid_t tenant_uid)
{
	if (peer == 0)
		return CTL_PEER_ROOT;
	/* tenant_uid 0 never happens (identity_resolve refuses it); if it
	 * did, it must not turn every caller into "the tenant". */
	if (tenant_uid != 0 && tenant_uid != (uid_t)-1 && peer == tenant_uid)
		return CTL_PEER_TENANT;
	return CTL_PEER_DENIED;
}

char *ctl_text_for_terminal(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		abort();
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		size_t n = utf8_len(p + i, len - i);

		if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f)) {
			fputc(c, f);
			i++;
		} else if (c >= 0x80 && n > 0 && !utf8_is_c1(p + i, n)) {
			fwrite(p + i, 1, n, f);
			i += n;
		} else {
			fprintf(f, "\\x%02x", c);
			i++;
		}
	}
	if (fclose(f) != 0)
		abort();
	return buf;
}

/* A counter, or null: unknown, or (for limits) the kernel's "max". */
static void json_counter(FILE *f, bool known, uint64_t v)
{
	json_u64(f, known && v != UINT64_MAX, v);
}

char *ctl_status_json(const struct ctl_status *st)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	bool ev = st->have_events;

	if (!f)
		abort();
	fputs("{\"tenant\":", f);
	json_string(f, st->tenant);
	fputs(",\"state\":", f);
	json_string(f, ctl_state_name(st->state));
	fputs(",\"pid\":", f);
	json_counter(f, st->pid > 0, (uint64_t)(st->pid > 0 ? st->pid : 0));
	fputs(",\"uptime_s\":", f);
	json_counter(f, st->have_uptime, st->uptime_s);
	fprintf(f, ",\"restarts\":%u,\"last_exit\":", st->restarts);
	json_string(f, st->last_exit);
	fputs(",\"last_error\":", f);
	json_string(f, st->last_error);
	fputs(",\"ports\":[", f);
	for (size_t i = 0; i < st->n_ports; i++)
		fprintf(f, "%s%u", i ? "," : "", st->ports[i]);
	fputs("],\"memory\":{\"current\":", f);
	json_counter(f, ev, st->events.memory_current);
	fputs(",\"max\":", f);
	json_counter(f, ev, st->events.memory_max);
	fputs("},\"tasks\":{\"current\":", f);
	json_counter(f, ev, st->events.pids_current);
	fputs(",\"max\":", f);
	json_counter(f, ev, st->events.pids_max);
	fputs("},\"disk\":{\"current\":", f);
	json_counter(f, st->have_quota, st->quota.space);
	fputs(",\"max\":", f);
	json_counter(f, st->have_quota && st->quota.space_limit, st->quota.space_limit);
	fputs("},\"inodes\":{\"current\":", f);
	json_counter(f, st->have_quota, st->quota.inodes);
	fputs(",\"max\":", f);
	json_counter(f, st->have_quota && st->quota.inodes_limit, st->quota.inodes_limit);
	fputs("}}\n", f);
	if (fclose(f) != 0)
		abort();
	return buf;
}

static void text_bytes(FILE *f, uint64_t v)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double d = (double)v;
	size_t u = 0;

	while (d >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		d /= 1024;
		u++;
	}
	if (u == 0)
		fprintf(f, "%" PRIu64 " B", v);
	else
		fprintf(f, "%.1f %s", d, units[u]);
}

static void text_uptime(FILE *f, uint64_t s)
{
	if (s >= 86400)
		fprintf(f, "%" PRIu64 "d ", s / 86400);
	if (s >= 3600)
		fprintf(f, "%" PRIu64 "h ", s / 3600 % 24);
	if (s >= 60)
		fprintf(f, "%" PRIu64 "m ", s / 60 % 60);
	fprintf(f, "%" PRIu64 "s", s % 60);
}

/* "last error:" and its lines, each indented. */
static void text_last_error(FILE *f, const char *s)
{
	fputs("last error:", f);
	for (const char *nl; *s; s = nl ? nl + 1 : s + strlen(s)) {
		nl = strchr(s, '\n');
		fprintf(f, "\n  %.*s", (int)(nl ? (size_t)(nl - s) : strlen(s)), s);
	}
	fputc('\n', f);
}

char *ctl_status_text(const struct ctl_status *st)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	fprintf(f, "tenant %s: %s", st->tenant, ctl_state_name(st->state));
	if (st->state == CTL_STATE_IDLE)
		fputs(" (idle_stop: no server; the first connection starts it)", f);
	if (st->pid > 0)
		fprintf(f, ", host pid %d", (int)st->pid);
	if (st->have_uptime) {
		fputs(", up ", f);
		text_uptime(f, st->uptime_s);
	}
	fprintf(f, "\nrestarts: %u\nlast exit: %s\n", st->restarts,
		st->last_exit ? st->last_exit : "none");
	if (st->last_error)
		text_last_error(f, st->last_error);
	fputs("ports:", f);
	for (size_t i = 0; i < st->n_ports; i++)
		fprintf(f, " %u", st->ports[i]);
	if (st->n_ports == 0)
		fputs(" none", f);
	fputc('\n', f);
	if (st->have_events) {
		fputs("memory: ", f);
		text_bytes(f, st->events.memory_current);
		if (st->events.memory_max != UINT64_MAX) {
			fputs(" of ", f);
			text_bytes(f, st->events.memory_max);
		}
		fprintf(f, "\ntasks: %" PRIu64, st->events.pids_current);
		if (st->events.pids_max != UINT64_MAX)
			fprintf(f, " of %" PRIu64, st->events.pids_max);
		fputc('\n', f);
	}
	if (st->have_quota) {
		fputs("disk: ", f);
		text_bytes(f, st->quota.space);
		if (st->quota.space_limit) {
			fputs(" of ", f);
			text_bytes(f, st->quota.space_limit);
		}
		fprintf(f, "\ninodes: %" PRIu64, st->quota.inodes);
		if (st->quota.inodes_limit)
			fprintf(f, " of %" PRIu64, st->quota.inodes_limit);
		fputc('\n', f);
	}
	if (fclose(f) != 0)
		abort();
	return buf;
}
