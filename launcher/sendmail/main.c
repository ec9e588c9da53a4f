/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mpjail-sendmail: /usr/sbin/sendmail inside a jail whose profile says
 * `sendmail HOST:PORT` (docs/config.md).  Customers' applications pipe a
 * message into sendmail; this hands it to the host's mail server over SMTP
 * at the relay address the build wrote into SM_RELAY_FILE, and exits with the
 * sysexits code the caller expects.  It runs as the tenant, with nothing
 * the tenant's own code could not do over a socket itself. */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sysexits.h>
#include <unistd.h>

#include "sendmail/sendmail_msg.h"

#define MSG_MAX (32u << 20) /* what one message may be */
#define IO_TIMEOUT_S 60

static _Noreturn void die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("sendmail: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

/* stdin up to EOF, or up to a lone "." line unless dot_ok. */
static char *read_message(bool dot_ok, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap), *line = NULL;
	size_t lcap = 0;
	ssize_t k;

	if (!buf)
		die(EX_OSERR, "out of memory");
	while ((k = getline(&line, &lcap, stdin)) > 0) {
		if (!dot_ok && (strcmp(line, ".\n") == 0 || strcmp(line, ".\r\n") == 0))
			break;
		if (n + (size_t)k > MSG_MAX)
			die(EX_DATAERR, "message larger than %u MiB", MSG_MAX >> 20);
		if (n + (size_t)k > cap) {
			cap = cap * 2 > n + (size_t)k ? cap * 2 : n + (size_t)k;
			buf = realloc(buf, cap);
			if (!buf)
				die(EX_OSERR, "out of memory");
		}
		memcpy(buf + n, line, (size_t)k);
		n += (size_t)k;
	}
	free(line);
	if (ferror(stdin))
		die(EX_IOERR, "reading the message: %s", strerror(errno));
	*len = n;
	return buf;
}

struct smtp {
	FILE *in;
	int fd;
	const char *relay;
};

static void smtp_send(struct smtp *s, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof buf)
		die(EX_SOFTWARE, "SMTP command too long");
	if (send(s->fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
		die(EX_TEMPFAIL, "relay %s: %s", s->relay, strerror(errno));
}

/* The reply's code; 4xx is "try again later", 5xx "refused". */
static int smtp_reply(struct smtp *s, const char *what, int want)
{
	char line[1024];
	int code = 0;

	do {
		if (!fgets(line, sizeof line, s->in))
			die(EX_TEMPFAIL, "relay %s closed the connection after %s", s->relay, what);
		code = atoi(line);
	} while (strlen(line) > 3 && line[3] == '-');
	if (code / 100 != want / 100) {
		line[strcspn(line, "\r\n")] = '\0';
		die(code >= 500 ? EX_UNAVAILABLE : EX_TEMPFAIL, "relay %s refused %s: %s", s->relay,
		    what, line);
	}
	return code;
}

static int connect_relay(const char *host, const char *port, const char *relay)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
	int fd = -1, r = getaddrinfo(host, port, &hints, &ai);

	if (r != 0)
		die(EX_TEMPFAIL, "relay %s: %s", relay, gai_strerror(r));
	for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0)
			continue;
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		if (connect(fd, a->ai_addr, a->ai_addrlen) < 0) {
			r = errno;
			(void)close(fd);
			fd = -1;
			errno = r;
		}
	}
	freeaddrinfo(ai);
	if (fd < 0)
		die(EX_TEMPFAIL, "cannot connect to the relay %s: %s", relay, strerror(errno));
	return fd;
}

/* The message as SMTP DATA: CRLF line ends, a leading "." doubled. */
static void send_data(struct smtp *s, const char *msg, size_t len)
{
	char *out = malloc(len * 2 + 8);
	size_t o = 0;

	if (!out)
		die(EX_OSERR, "out of memory");
	for (size_t i = 0; i < len; i++) {
		if ((i == 0 || msg[i - 1] == '\n') && msg[i] == '.')
			out[o++] = '.';
		if (msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r'))
			out[o++] = '\r';
		out[o++] = msg[i];
	}
	if (o > 0 && out[o - 1] != '\n') {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	memcpy(out + o, ".\r\n", 3);
	o += 3;
	for (size_t off = 0; off < o;) {
		ssize_t k = send(s->fd, out + off, o - off, MSG_NOSIGNAL);

		if (k <= 0)
			die(EX_TEMPFAIL, "relay %s: %s", s->relay, strerror(errno));
		off += (size_t)k;
	}
	free(out);
}

int main(int argc, char **argv)
{
	static char hrcpt[SM_MAX_RCPTS][SM_ADDR_MAX + 1];
	char err[256], host[256], port[16], relay[300], me[256] = "localhost";
	char relay_text[512] = "", sender[SM_ADDR_MAX + 1];
	struct sm_opts o;
	struct smtp s;
	struct passwd *pw = getpwuid(getuid());
	size_t len, n_h = 0;
	FILE *f;
	char *msg;
	int r;

	if (sm_parse_args(argc, argv, &o, err, sizeof err) < 0)
		die(EX_USAGE, "%s", err);
	f = fopen(SM_RELAY_FILE, "re");
	if (!f || !fgets(relay_text, sizeof relay_text, f) ||
	    sm_parse_relay(relay_text, host, sizeof host, port, sizeof port) < 0)
		die(EX_CONFIG, "%s: no relay configured (the profile's `sendmail HOST:PORT`)",
		    SM_RELAY_FILE);
	fclose(f);
	(void)snprintf(relay, sizeof relay, "%s:%s", host, port);
	(void)gethostname(me, sizeof me - 1);
	if (o.sender && *o.sender)
		(void)snprintf(sender, sizeof sender, "%s", o.sender);
	else if (o.sender)
		sender[0] = '\0'; /* -f "": the null sender, for bounces */
	else
		(void)snprintf(sender, sizeof sender, "%s@%s", pw ? pw->pw_name : "nobody", me);

	msg = read_message(o.dot_ok, &len);
	if (o.from_headers) {
		r = sm_header_rcpts(msg, len, hrcpt, SM_MAX_RCPTS);
		if (r == -E2BIG)
			die(EX_DATAERR, "more than %d recipients", SM_MAX_RCPTS);
		if (r < 0)
			die(EX_DATAERR, "an address in To:, Cc: or Bcc: is not valid");
		n_h = (size_t)r;
		sm_drop_bcc(msg, &len);
	}
	if (n_h + o.n_rcpts == 0)
		die(EX_USAGE, "no recipients (give addresses, or -t to read To:/Cc:/Bcc:)");
	if (n_h + o.n_rcpts > SM_MAX_RCPTS)
		die(EX_DATAERR, "more than %d recipients", SM_MAX_RCPTS);

	s.relay = relay;
	s.fd = connect_relay(host, port, relay);
	s.in = fdopen(dup(s.fd), "r");
	if (!s.in)
		die(EX_OSERR, "fdopen: %s", strerror(errno));
	smtp_reply(&s, "the connection", 220);
	smtp_send(&s, "EHLO %s\r\n", me);
	smtp_reply(&s, "EHLO", 250);
	smtp_send(&s, "MAIL FROM:<%s>\r\n", sender);
	smtp_reply(&s, "the sender", 250);
	for (size_t i = 0; i < n_h + o.n_rcpts; i++) {
		smtp_send(&s, "RCPT TO:<%s>\r\n", i < n_h ? hrcpt[i] : o.rcpts[i - n_h]);
		smtp_reply(&s, "a recipient", 250);
	}
	smtp_send(&s, "DATA\r\n");
	smtp_reply(&s, "DATA", 354);
	send_data(&s, msg, len);
	smtp_reply(&s, "the message", 250);
	smtp_send(&s, "QUIT\r\n");
	free(msg);
	return EX_OK;
}
