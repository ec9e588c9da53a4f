/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The client side of the control socket: find the tenant's supervisor (its
 * socket under RUN, or /run/mpjail/control inside a jail), ask, and print
 * the answer with every control byte made inert for a terminal. */
#define _GNU_SOURCE
#include <pwd.h>
#include <sys/stat.h>

#include "config/tenant.h"
#include "control/control.h"
#include "jail/stage.h"

/* Inside a jail there is no CONFIG, and RUN/NAME is bound at /run/mpjail. */
static bool in_jail(const struct mpj_paths *p)
{
	struct stat st;

	return stat(p->config_dir, &st) < 0 && errno == ENOENT &&
	       lstat(CTL_JAIL_SOCKET, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* The one tenant whose account is uid, by host NSS. */
static int tenant_for_uid(const struct mpj_paths *paths, const char *cmd, uid_t uid, char **ret)
{
	struct mpj_tenant **v = NULL;
	struct diag d = { 0 };
	size_t n = 0, found = 0, which = 0;
	int r;

	r = tenant_load_all(paths, &v, &n, &d);
	if (r < 0) {
		diag_print(&d);
		diag_clear(&d);
		return r;
	}
	for (size_t i = 0; i < n; i++) {
		struct passwd *pw = getpwnam(v[i]->user);

		if (pw && pw->pw_uid == uid) {
			if (found++ == 0)
				which = i;
			else
				fprintf(stderr,
					"mpjail %s: uid %u runs both `%s` and `%s`: name the tenant\n",
					cmd, (unsigned)uid, v[which]->name, v[i]->name);
		}
	}
	if (found == 1)
		*ret = xstrdup(v[which]->name);
	else if (found == 0)
		fprintf(stderr, "mpjail %s: no tenant in %s/tenants runs as uid %u\n", cmd,
			paths->config_dir, (unsigned)uid);
	tenant_free_all(v, n);
	return found == 1 ? 0 : -ESRCH;
}

int ctl_client(const struct mpj_paths *paths, const char *cmd, enum ctl_verb verb,
	       const char *tenant)
{
	_cleanup_free_ char *name = tenant ? xstrdup(tenant) : NULL, *path = NULL;
	_cleanup_free_ char *msg = NULL, *body = NULL, *safe_msg = NULL, *safe_body = NULL;
	int code, r;

	if (in_jail(paths)) {
		path = xstrdup(CTL_JAIL_SOCKET);
		if (!name)
			name = xstrdup("this jail");
	} else {
		if (!name && getuid() == 0) {
			fprintf(stderr,
				"mpjail %s: root must name the tenant\nTry 'mpjail %s --help'.\n",
				cmd, cmd);
			return EXIT_MPJ_CONFIG;
		}
		if (!name && tenant_for_uid(paths, cmd, getuid(), &name) < 0)
			return EXIT_MPJ_CONFIG;
		path = xasprintf("%s/%s/%s", paths->run_dir, name, CTL_SOCKET_NAME);
	}

	r = ctl_request(path, verb, CTL_CLIENT_TIMEOUT_S, &code, &msg, &body);
	switch (r) {
	case 0:
		break;
	case -ENOENT:
	case -ECONNREFUSED:
		fprintf(stderr, "mpjail %s: tenant %s is not running (no control socket at %s)\n",
			cmd, name, path);
		return CTL_EXIT_NOT_RUNNING;
	case -ETIMEDOUT:
		fprintf(stderr, "mpjail %s: %s: no answer from the supervisor within %d s\n", cmd,
			name, CTL_CLIENT_TIMEOUT_S);
		return EXIT_MPJ_FAILURE;
	case -EBADMSG:
		fprintf(stderr, "mpjail %s: %s: %s does not speak the mpjail control protocol\n",
			cmd, name, path);
		return EXIT_MPJ_FAILURE;
	default:
		fprintf(stderr, "mpjail %s: %s: %s: %s\n", cmd, name, path, strerror(-r));
		return EXIT_MPJ_FAILURE;
	}
	/* The body may quote the tenant's own bytes (a reload's config test
	 * prints what the tenant's Perl and conf/ make it print), and this
	 * runs in an admin's terminal: no escape sequence gets through. */
	safe_msg = ctl_text_for_terminal(msg, strlen(msg));
	safe_body = ctl_text_for_terminal(body, strlen(body));
	if (code == 0) {
		fputs(safe_body, stdout);
		return fflush(stdout) == 0 ? EXIT_MPJ_OK : EXIT_MPJ_FAILURE;
	}
	fprintf(stderr, "mpjail %s: %s: %s\n", cmd, name, safe_msg);
	fputs(safe_body, stderr);
	return EXIT_MPJ_FAILURE;
}
