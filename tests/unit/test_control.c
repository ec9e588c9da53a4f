/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control protocol's pure parts: request parsing (every malformed
 * shape), response lines, the peer decision, the rate limiter, terminal
 * escaping and the status object (its string escaping: test_json.c); plus
 * one real round trip over a unix socket pair through ctl_reply(); the
 * supervisor's pid from /proc/locks. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "control/control.h"

static int parse(const char *s, enum ctl_verb *v) { return ctl_parse_request(s, strlen(s), v); }

Test(request, every_verb_round_trips)
{
	for (int i = 0; i < _CTL_VERB_MAX; i++) {
		char buf[CTL_REQ_MAX];
		enum ctl_verb v = _CTL_VERB_MAX;
		int n = ctl_format_request((enum ctl_verb)i, buf, sizeof buf);

		cr_assert_gt(n, 0);
		cr_assert_eq(ctl_parse_request(buf, (size_t)n, &v), 0, "%s", buf);
		cr_assert_eq(v, (enum ctl_verb)i);
	}
}

Test(request, exact_text)
{
	enum ctl_verb v;

	cr_assert_eq(parse("mpjail-ctl 1 status\n", &v), 0);
	cr_assert_eq(v, CTL_STATUS);
	cr_assert_eq(parse("mpjail-ctl 1 status-json\n", &v), 0);
	cr_assert_eq(v, CTL_STATUS_JSON);
	cr_assert_eq(parse("mpjail-ctl 1 restart\n", &v), 0);
	cr_assert_eq(v, CTL_RESTART);
	cr_assert_eq(parse("mpjail-ctl 1 reload\n", &v), 0);
	cr_assert_eq(v, CTL_RELOAD);
	cr_assert_eq(parse("mpjail-ctl 1 stop\n", &v), 0);
	cr_assert_eq(v, CTL_STOP);
}

Test(request, malformed_shapes)
{
	static const char *const bad[] = {
		"",                        /* empty */
		"\n",                      /* empty line */
		"mpjail-ctl 1 status",     /* no newline */
		"mpjail-ctl 1 status\r\n", /* CR */
		"mpjail-ctl 1 status \n",  /* trailing blank */
		" mpjail-ctl 1 status\n",  /* leading blank */
		"mpjail-ctl  1 status\n",  /* double space */
		"mpjail-ctl 1  status\n",
		"mpjail-ctl\t1 status\n", /* tab */
		"mpjail-ctl 1\n",         /* no verb */
		"mpjail-ctl 1 \n",        /* empty verb */
		"mpjail-ctl\n",
		"mpjail-ctl 1 status extra\n",              /* a fourth word */
		"mpjail-ctl 1 status\nmpjail-ctl 1 stop\n", /* two requests */
		"mpjail-ctl 1 status\n\n",                  /* bytes after the line */
		"MPJAIL-CTL 1 status\n",                    /* magic is case-sensitive */
		"mpjail 1 status\n",
		"GET / HTTP/1.0\n",
		"mpjail-ctl x status\n", /* version not a number */
		"mpjail-ctl -1 status\n",
		"mpjail-ctl +1 status\n",
		"mpjail-ctl 01 status\n", /* leading zero */
		"mpjail-ctl 1.0 status\n",
		"mpjail-ctl 99999999999999999999 status\n",
		"mpjail-ctl 1 st\xc3\xa4tus\n", /* non-ASCII */
		"mpjail-ctl 1 status\x7f\n",    /* DEL */
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		enum ctl_verb v = CTL_STOP;

		cr_assert_eq(parse(bad[i], &v), -EBADMSG, "case %zu: `%s`", i, bad[i]);
		cr_assert_eq(v, CTL_STOP, "output must be untouched on failure");
	}
}

Test(request, embedded_nul_is_malformed)
{
	static const char req[] = "mpjail-ctl 1 sta\0tus\n";
	enum ctl_verb v;

	cr_assert_eq(ctl_parse_request(req, sizeof req - 1, &v), -EBADMSG);
}

Test(request, wrong_version)
{
	enum ctl_verb v;

	cr_assert_eq(parse("mpjail-ctl 0 status\n", &v), -EPROTONOSUPPORT);
	cr_assert_eq(parse("mpjail-ctl 2 status\n", &v), -EPROTONOSUPPORT);
	/* Version before shape: a newer client is told why, whatever it sent. */
	cr_assert_eq(parse("mpjail-ctl 2 status with args\n", &v), -EPROTONOSUPPORT);
	cr_assert_eq(ctl_code_for_parse_error(-EPROTONOSUPPORT), CTL_E_VERSION);
}

Test(request, unknown_verb)
{
	enum ctl_verb v;

	cr_assert_eq(parse("mpjail-ctl 1 shutdown\n", &v), -ENOENT);
	cr_assert_eq(parse("mpjail-ctl 1 STATUS\n", &v), -ENOENT);
	cr_assert_eq(parse("mpjail-ctl 1 status-jsonx\n", &v), -ENOENT);
	cr_assert_eq(ctl_code_for_parse_error(-ENOENT), CTL_E_UNKNOWN_VERB);
}

Test(request, length_bound)
{
	char buf[CTL_REQ_MAX + 2];
	enum ctl_verb v;
	size_t prefix = strlen("mpjail-ctl 1 ");

	/* Exactly CTL_REQ_MAX bytes: the length is fine, the verb unknown. */
	memset(buf, 'a', sizeof buf);
	memcpy(buf, "mpjail-ctl 1 ", prefix);
	buf[CTL_REQ_MAX - 1] = '\n';
	cr_assert_eq(ctl_parse_request(buf, CTL_REQ_MAX, &v), -ENOENT);
	/* One more: too long, before anything else is looked at. */
	buf[CTL_REQ_MAX - 1] = 'a';
	buf[CTL_REQ_MAX] = '\n';
	cr_assert_eq(ctl_parse_request(buf, CTL_REQ_MAX + 1, &v), -EMSGSIZE);
	cr_assert_eq(ctl_code_for_parse_error(-EMSGSIZE), CTL_E_TOO_LONG);
	cr_assert_eq(ctl_code_for_parse_error(-EBADMSG), CTL_E_BAD_REQUEST);
}

Test(request, format_refuses_small_buffer_and_bad_verb)
{
	char small[8];

	cr_assert_eq(ctl_format_request(CTL_STATUS, small, sizeof small), -ENOBUFS);
	cr_assert_eq(ctl_format_request(_CTL_VERB_MAX, small, sizeof small), -EINVAL);
}

Test(verbs, names_and_actions)
{
	enum ctl_verb v;

	cr_assert_eq(ctl_verb_from_name("reload", &v), 0);
	cr_assert_eq(v, CTL_RELOAD);
	cr_assert_eq(ctl_verb_from_name("nope", &v), -EINVAL);
	cr_assert_str_eq(ctl_verb_name(CTL_STATUS_JSON), "status-json");
	cr_assert(ctl_verb_is_action(CTL_RESTART));
	cr_assert(ctl_verb_is_action(CTL_RELOAD));
	cr_assert(ctl_verb_is_action(CTL_STOP));
	cr_assert_not(ctl_verb_is_action(CTL_STATUS));
	cr_assert_not(ctl_verb_is_action(CTL_STATUS_JSON));
}

Test(response, lines)
{
	const char *msg = NULL;
	int code = -1;

	cr_assert_eq(ctl_parse_response_line("OK", &code, &msg), 0);
	cr_assert_eq(code, 0);
	cr_assert_eq(ctl_parse_response_line("ERR 429 too many restarts: try again in 3 s", &code,
					     &msg),
		     0);
	cr_assert_eq(code, 429);
	cr_assert_str_eq(msg, "too many restarts: try again in 3 s");
	cr_assert_eq(ctl_parse_response_line("ok", &code, &msg), -EBADMSG);
	cr_assert_eq(ctl_parse_response_line("OK ", &code, &msg), -EBADMSG);
	cr_assert_eq(ctl_parse_response_line("ERR", &code, &msg), -EBADMSG);
	cr_assert_eq(ctl_parse_response_line("ERR 42 x", &code, &msg), -EBADMSG);
	cr_assert_eq(ctl_parse_response_line("ERR 4290 x", &code, &msg), -EBADMSG);
	cr_assert_eq(ctl_parse_response_line("ERR 099 x", &code, &msg), -EBADMSG);
	cr_assert_eq(ctl_parse_response_line("ERR abc x", &code, &msg), -EBADMSG);
	cr_assert_eq(ctl_parse_response_line("ERR 429", &code, &msg), -EBADMSG);
	cr_assert_eq(ctl_parse_response_line("HTTP/1.1 200 OK", &code, &msg), -EBADMSG);
}

Test(peer, decision)
{
	cr_assert_eq(ctl_peer_check(0, 21000), CTL_PEER_ROOT);
	cr_assert_eq(ctl_peer_check(21000, 21000), CTL_PEER_TENANT);
	cr_assert_eq(ctl_peer_check(21001, 21000), CTL_PEER_DENIED);
	cr_assert_eq(ctl_peer_check(65534, 21000), CTL_PEER_DENIED, "nobody");
	cr_assert_eq(ctl_peer_check(1000, 21000), CTL_PEER_DENIED);
	/* An unresolved tenant uid must not match anybody. */
	cr_assert_eq(ctl_peer_check((uid_t)-1, (uid_t)-1), CTL_PEER_DENIED);
	cr_assert_eq(ctl_peer_check(0, (uid_t)-1), CTL_PEER_ROOT);
}

Test(rate, burst_then_refill)
{
	struct ratelimit r;
	unsigned wait = 0;
	uint64_t t = 1000000;

	ratelimit_init(&r, 5, 12000, t);
	for (int i = 0; i < 5; i++)
		cr_assert(ratelimit_take(&r, t, &wait), "action %d of the burst", i + 1);
	cr_assert_not(ratelimit_take(&r, t, &wait));
	cr_assert_eq(wait, 12, "a full interval to wait, got %u", wait);
	cr_assert_not(ratelimit_take(&r, t + 11001, &wait));
	cr_assert_eq(wait, 1, "rounded up, never 0: got %u", wait);
	cr_assert(ratelimit_take(&r, t + 12000, &wait));
	cr_assert_not(ratelimit_take(&r, t + 12000, &wait));
}

Test(rate, idle_refills_to_the_burst_only)
{
	struct ratelimit r;
	unsigned wait;
	uint64_t t = 5;
	int n = 0;

	ratelimit_init(&r, 5, 12000, t);
	while (ratelimit_take(&r, t, &wait))
		n++;
	cr_assert_eq(n, 5);
	t += 24ULL * 3600 * 1000; /* a day later */
	n = 0;
	while (ratelimit_take(&r, t, &wait))
		n++;
	cr_assert_eq(n, 5, "credit capped at the burst, got %d", n);
	/* Overflow-safe for absurd gaps. */
	cr_assert(ratelimit_take(&r, UINT64_MAX, &wait));
}

Test(rate, clock_going_back_refills_nothing)
{
	struct ratelimit r;
	unsigned wait;

	ratelimit_init(&r, 1, 1000, 50000);
	cr_assert(ratelimit_take(&r, 50000, &wait));
	cr_assert_not(ratelimit_take(&r, 10, &wait));
	cr_assert_not(ratelimit_take(&r, 50999, &wait));
	cr_assert(ratelimit_take(&r, 51000, &wait));
}

Test(rate, log_counts_what_it_suppresses)
{
	struct ratelimit r;
	uint64_t dropped = 99;

	ratelimit_init(&r, 2, 1000, 0);
	cr_assert(ratelimit_log(&r, 0, &dropped));
	cr_assert_eq(dropped, 0);
	cr_assert(ratelimit_log(&r, 0, &dropped));
	for (int i = 0; i < 7; i++)
		cr_assert_not(ratelimit_log(&r, 10, &dropped), "line %d over the burst", i);
	cr_assert_not(ratelimit_log(&r, 999, &dropped));
	cr_assert(ratelimit_log(&r, 1000, &dropped), "one line's credit back after 1 s");
	cr_assert_eq(dropped, 8, "the 8 lines refused meanwhile, got %llu",
		     (unsigned long long)dropped);
	cr_assert(ratelimit_log(&r, 2000, &dropped));
	cr_assert_eq(dropped, 0, "the count starts again");
}

static void term_case_n(const char *in, size_t n, const char *want)
{
	char *got = ctl_text_for_terminal(in, n);

	cr_assert_str_eq(got, want, "in `%s`", want);
	free(got);
}

/* The length of a literal, embedded NULs included. */
#define term_case(in, want) term_case_n(in, sizeof(in) - 1, want)

Test(terminal, escapes_everything_a_terminal_acts_on)
{
	term_case("Syntax OK\n\tindented\n", "Syntax OK\n\tindented\n");
	term_case("", "");
	/* OSC title, BEL, clear screen, CR overwrite, backspace, DEL */
	term_case("\x1b]0;owned\x07", "\\x1b]0;owned\\x07");
	term_case("\x1b[2J\rSyntax OK\b\x7f", "\\x1b[2J\\x0dSyntax OK\\x08\\x7f");
	/* 8-bit CSI raw, and as UTF-8 U+009B; other UTF-8 kept */
	term_case("\x9b\x32J", "\\x9b2J");
	term_case("\xc2\x9b\x32J caf\xc3\xa9", "\\xc2\\x9b2J caf\xc3\xa9");
	/* invalid or truncated UTF-8, and a NUL inside the length */
	term_case("\xff\xc3", "\\xff\\xc3");
	term_case("a\0b", "a\\x00b");
}

Test(status, json_all_known)
{
	static const unsigned ports[] = { 8001, 8002 };
	struct ctl_status st = {
		.tenant = "alice",
		.state = CTL_STATE_RUNNING,
		.pid = 4242,
		.have_uptime = true,
		.uptime_s = 61,
		.restarts = 2,
		.last_exit = "killed by signal 9 (KILL) (out of memory: \"oom\")",
		.last_error = "line one\nline two",
		.ports = ports,
		.n_ports = 2,
		.have_events = true,
		.events = { .memory_current = 1024,
			    .memory_max = 536870912,
			    .pids_current = 5,
			    .pids_max = UINT64_MAX },
		.have_quota = true,
		.quota = { .space = 4096, .space_limit = 8388608, .inodes = 12 },
	};
	char *j = ctl_status_json(&st);

	cr_assert_str_eq(j,
			 "{\"tenant\":\"alice\",\"state\":\"running\",\"pid\":4242,\"uptime_s\":61,"
			 "\"restarts\":2,\"last_exit\":\"killed by signal 9 (KILL) (out of memory: "
			 "\\\"oom\\\")\",\"last_error\":\"line one\\nline two\","
			 "\"ports\":[8001,8002],\"memory\":{\"current\":1024,"
			 "\"max\":536870912},\"tasks\":{\"current\":5,\"max\":null},"
			 "\"disk\":{\"current\":4096,\"max\":8388608},"
			 "\"inodes\":{\"current\":12,\"max\":null}}\n");
	free(j);
}

Test(status, json_unknowns_are_null)
{
	struct ctl_status st = { .tenant = "bob", .state = CTL_STATE_STOPPED };
	char *j = ctl_status_json(&st);

	cr_assert_str_eq(j,
			 "{\"tenant\":\"bob\",\"state\":\"stopped\",\"pid\":null,\"uptime_s\":null,"
			 "\"restarts\":0,\"last_exit\":null,\"last_error\":null,\"ports\":[],\"memory\":{\"current\":null,"
			 "\"max\":null},\"tasks\":{\"current\":null,\"max\":null},"
			 "\"disk\":{\"current\":null,\"max\":null},"
			 "\"inodes\":{\"current\":null,\"max\":null}}\n");
	free(j);
}

/* last_exit quotes what the jail printed: it goes through the one JSON
 * writer, C1 controls and invalid UTF-8 included. */
Test(status, json_escapes_tenant_bytes)
{
	struct ctl_status st = { .tenant = "bob",
				 .state = CTL_STATE_STOPPED,
				 .last_exit = "x\xc2\x9b\x32J\xff\t" };
	char *j = ctl_status_json(&st);

	cr_assert(strstr(j, ",\"last_exit\":\"x\\u009b2J\\ufffd\\t\","), "%s", j);
	free(j);
}

Test(status, state_names)
{
	static const char *const want[] = { "starting", "running", "restarting",
					    "stopping", "stopped", "idle" };

	cr_assert_eq(ARRAY_SIZE(want), _CTL_STATE_MAX);
	for (int i = 0; i < _CTL_STATE_MAX; i++)
		cr_assert_str_eq(ctl_state_name((enum ctl_state)i), want[i]);
}

Test(status, text)
{
	static const unsigned ports[] = { 8001 };
	struct ctl_status st = {
		.tenant = "alice",
		.state = CTL_STATE_RUNNING,
		.pid = 77,
		.have_uptime = true,
		.uptime_s = 3723,
		.ports = ports,
		.n_ports = 1,
		.have_events = true,
		.events = { .memory_current = 3 << 20,
			    .memory_max = UINT64_MAX,
			    .pids_current = 4,
			    .pids_max = 64 },
	};
	char *t = ctl_status_text(&st);

	cr_assert_str_eq(t, "tenant alice: running, host pid 77, up 1h 2m 3s\n"
			    "restarts: 0\nlast exit: none\nports: 8001\n"
			    "memory: 3.0 MiB\ntasks: 4 of 64\n");
	free(t);
	st.have_quota = true;
	st.quota = (struct quota_usage){
		.space = 1536, .space_limit = 4 << 20, .inodes = 9, .inodes_limit = 64
	};
	t = ctl_status_text(&st);
	cr_assert(strstr(t, "\ndisk: 1.5 KiB of 4.0 MiB\ninodes: 9 of 64\n"), "%s", t);
	free(t);
}

/* ctl_reply() over a real socket pair: the header is one line even when
 * a message carries a newline, and the body follows verbatim. */
Test(wire, reply_over_socketpair)
{
	int sv[2];
	char buf[256] = { 0 };
	ssize_t n;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	ctl_reply(sv[0], CTL_E_CONFIGTEST, "bad\nconfig", "line 1\nline 2\n");
	close(sv[0]);
	n = read(sv[1], buf, sizeof buf - 1);
	cr_assert_gt(n, 0);
	cr_assert_str_eq(buf, "ERR 422 bad config\nline 1\nline 2\n");
	close(sv[1]);

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	ctl_reply(sv[0], 0, NULL, NULL);
	close(sv[0]);
	memset(buf, 0, sizeof buf);
	n = read(sv[1], buf, sizeof buf - 1);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(buf, "OK\n");
	close(sv[1]);
}

/* ---- the server socket: needs root (RUN/NAME must be root's) ---- */

static void need_root(void)
{
	if (geteuid() == 0)
		return;
	if (getenv("MPJAIL_NO_SKIP") && strcmp(getenv("MPJAIL_NO_SKIP"), "1") == 0)
		cr_assert_fail(
			"MPJAIL_NO_SKIP=1: this test needs root to create root-owned run directories");
	cr_skip_test("needs root to create root-owned run directories");
}

static char *mkrun(void)
{
	char tmpl[] = "/tmp/mpjail-ctl-test.XXXXXX";
	char *d = mkdtemp(tmpl);

	cr_assert_not_null(d);
	cr_assert_eq(chmod(d, 0755), 0);
	return xasprintf("%s/run", d);
}

static void rmrun(const char *run)
{
	char *cmd =
		xasprintf("rm -rf --one-file-system '%.*s'", (int)(strrchr(run, '/') - run), run);

	(void)!system(cmd);
	free(cmd);
}

Test(server, open_serve_close)
{
	struct ctl_server srv, srv2;
	struct diag d = { 0 };
	struct stat st;
	char *run, *p;
	uid_t uid;
	pid_t pid;
	int fd, cfd;

	need_root();
	run = mkrun();
	cr_assert_eq(ctl_server_open(run, "alice", &srv, &d), 0, "%s", d.msg);
	cr_assert_eq(lstat(srv.sock_path, &st), 0);
	cr_assert(S_ISSOCK(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0666, "mode %o", st.st_mode & 07777);
	cr_assert_eq(stat(srv.dir_path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0755);
	cr_assert_eq(st.st_uid, 0);

	/* A second supervisor for the same tenant is refused by the lock. */
	cr_assert_eq(ctl_server_open(run, "alice", &srv2, &d), -EBUSY);
	cr_assert_not_null(strstr(d.msg, "already supervises"), "%s", d.msg);
	diag_clear(&d);

	/* Accept reports the peer's credentials as the kernel saw them. */
	cr_assert_eq(ctl_server_accept(&srv, &fd, &uid, &pid), -EAGAIN);
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		cfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		strcpy(sa.sun_path, srv.sock_path);
		cr_assert_eq(connect(cfd, (struct sockaddr *)&sa, sizeof sa), 0);
	}
	cr_assert_eq(ctl_server_accept(&srv, &fd, &uid, &pid), 0);
	cr_assert_eq(uid, 0);
	cr_assert_eq(pid, getpid());
	close(fd);
	close(cfd);

	cr_assert_eq(ctl_server_write_status(&srv, "{\"x\":1}\n", 4242), 0);
	p = xasprintf("%s/%s", srv.dir_path, CTL_STATUS_NAME);
	cr_assert_eq(stat(p, &st), 0);
	/* The tenant's group reads it; other users do not (the socket
	 * refuses them the same status). */
	cr_assert_eq(st.st_mode & 07777, 0640);
	cr_assert_eq(st.st_uid, 0);
	cr_assert_eq(st.st_gid, 4242);
	free(p);

	p = xstrdup(srv.sock_path);
	ctl_server_close(&srv);
	cr_assert_eq(lstat(p, &st), -1, "the socket is removed on close");
	free(p);
	rmrun(run);
	free(run);
}

Test(server, stale_socket_is_replaced_and_client_sees_not_running)
{
	struct ctl_server srv;
	struct diag d = { 0 };
	char *run, *msg = NULL, *body = NULL;
	int code, fd;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	need_root();
	run = mkrun();
	cr_assert_eq(ctl_server_open(run, "bob", &srv, &d), 0, "%s", d.msg);
	/* Simulate a SIGKILLed supervisor: socket file left, nobody listening. */
	strcpy(sa.sun_path, srv.sock_path);
	close(srv.listen_fd);
	srv.listen_fd = -1;
	cr_assert_eq(ctl_request(srv.sock_path, CTL_STATUS, 2, &code, &msg, &body), -ECONNREFUSED);
	ctl_server_close(&srv); /* listen_fd -1: leaves the file, as a crash would */
	cr_assert_eq(ctl_server_open(run, "bob", &srv, &d), 0, "%s", d.msg);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0, "the new socket listens");
	close(fd);
	ctl_server_close(&srv);
	cr_assert_eq(ctl_request(sa.sun_path, CTL_STATUS, 2, &code, &msg, &body), -ENOENT);
	rmrun(run);
	free(run);
}

Test(server, refuses_unsafe_directories)
{
	struct ctl_server srv;
	struct diag d = { 0 };
	char *run, *dir, *target;

	need_root();
	run = mkrun();
	/* RUN/NAME with the wrong mode. */
	cr_assert_eq(mkdir(run, 0755), 0);
	dir = xasprintf("%s/carol", run);
	cr_assert_eq(mkdir(dir, 0700), 0);
	cr_assert_eq(ctl_server_open(run, "carol", &srv, &d), -EPERM);
	cr_assert_not_null(strstr(d.msg, "0755"), "%s", d.msg);
	diag_clear(&d);
	/* RUN/NAME owned by someone else. */
	cr_assert_eq(chmod(dir, 0755), 0);
	cr_assert_eq(chown(dir, 65534, 65534), 0);
	cr_assert_eq(ctl_server_open(run, "carol", &srv, &d), -EPERM);
	diag_clear(&d);
	/* RUN/NAME a symlink to elsewhere. */
	cr_assert_eq(rmdir(dir), 0);
	target = xasprintf("%s/elsewhere", run);
	cr_assert_eq(mkdir(target, 0755), 0);
	cr_assert_eq(symlink(target, dir), 0);
	cr_assert_lt(ctl_server_open(run, "carol", &srv, &d), 0);
	diag_clear(&d);
	/* RUN writable by others. */
	cr_assert_eq(chmod(run, 0777), 0);
	cr_assert_eq(ctl_server_open(run, "dave", &srv, &d), -EPERM);
	cr_assert_not_null(strstr(d.msg, "run directory"), "%s", d.msg);
	diag_clear(&d);
	free(target);
	free(dir);
	rmrun(run);
	free(run);
}

Test(supervisor, flock_in_proc_locks)
{
	static const char text[] = "1: POSIX  ADVISORY  WRITE 100 00:1f:777 0 EOF\n"
				   "2: FLOCK  ADVISORY  WRITE 200 00:1f:778 0 EOF\n"
				   "2: -> FLOCK  ADVISORY  WRITE 300 00:1f:777 0 EOF\n"
				   "3: FLOCK  ADVISORY  WRITE 400 08:01:777 0 EOF\n"
				   "4: FLOCK  ADVISORY  WRITE 500 00:1f:777 0 EOF\n";
	pid_t pid = 0;

	/* The POSIX lock, the other inode, the waiter and the other device
	 * are not it. */
	cr_assert_eq(ctl_locks_find_flock(text, 0, 0x1f, 777, &pid), 0);
	cr_assert_eq(pid, 500);
	cr_assert_eq(ctl_locks_find_flock(text, 8, 1, 777, &pid), 0);
	cr_assert_eq(pid, 400);
	cr_assert_eq(ctl_locks_find_flock(text, 0, 0x1f, 779, &pid), -ESRCH);
	cr_assert_eq(ctl_locks_find_flock("", 0, 0x1f, 777, &pid), -ESRCH);
	cr_assert_eq(ctl_locks_find_flock("garbage\n\n", 0, 0x1f, 777, &pid), -ESRCH);
}

/* The real kernel: our own flock on a directory is found, and nobody's
 * on a directory without one. */
Test(supervisor, real_flock)
{
	char dir[] = "/tmp/mpjail-ctl-XXXXXX", *sub;
	pid_t pid = 0;
	int fd;

	cr_assert_not_null(mkdtemp(dir));
	cr_assert(asprintf(&sub, "%s/t1", dir) > 0);
	cr_assert_eq(mkdir(sub, 0700), 0);
	cr_assert_eq(ctl_supervisor_pid(dir, "t1", &pid), -ESRCH);
	cr_assert_eq(ctl_supervisor_pid(dir, "nosuch", &pid), -ESRCH);
	fd = open(sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0);
	cr_assert_eq(ctl_supervisor_pid(dir, "t1", &pid), 0);
	cr_assert_eq(pid, getpid());
	cr_assert_eq(ctl_supervisor_pid(dir, "../t1", &pid), -EINVAL);
	(void)close(fd);
	(void)rmdir(sub);
	(void)rmdir(dir);
	free(sub);
}
