/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli/help.h"

#include <string.h>

#include "base/util.h"

/* clang-format off */
#define COMMON                                                                       \
	"\nCommon options:\n"                                                        \
	"  --config-dir DIR   configuration (default /etc/mpjail)\n"                 \
	"  --state-dir DIR    built jails (default /var/lib/mpjail)\n"               \
	"  --run-dir DIR      control sockets and status (default /run/mpjail)\n"    \
	"  --data-dir DIR     shipped profiles/ and skel/ (default " MPJAIL_DATADIR ")\n" \
	"  -v, --verbose      debug messages;  -q, --quiet  warnings and errors only\n" \
	"  -h, --help         this text\n"                                            \
	"The common options go before or after the command (`mpjail --config-dir DIR\n" \
	"status` = `mpjail status --config-dir DIR`); a --*-dir given twice is an error.\n"

#define EXITS                                                                          \
	"\nExit status: 0 ok; 100 usage or configuration error (nothing changed);\n"  \
	"111 a setup stage failed (named in the message); 126 command not executable;\n" \
	"127 command not found; 128+N command killed by signal N; otherwise the\n"       \
	"command's own status.\n"

#define CTL_COMMON                                                                    \
	"\nAsks the supervisor (`mpjail run NAME`) over RUN/NAME/control.  Without\n"   \
	"NAME: the tenant whose account you are (looked up in CONFIG/tenants); inside\n" \
	"a jail: that jail's supervisor (/run/mpjail/control).  Root may name any\n"    \
	"tenant; a tenant only itself.  No setuid bit: the supervisor checks who\n"     \
	"connects.  A tenant's restarts, reloads and stops share a limit of 5 a minute.\n"
#define CTL_EXITS                                                                      \
	"\nExit status: 0 done; 1 refused or failed (the reason is printed); 3 the\n"   \
	"tenant is not running (no control socket); 100 usage or configuration error.\n"

static const struct {
	const char *cmd, *text;
} texts[] = {
	{ NULL,
	  "Usage: mpjail [COMMON OPTIONS] COMMAND [OPTIONS] [ARGS]\n"
	  "\n"
	  "Run each hosting customer's Apache + mod_perl in its own jail.\n"
	  "\n"
	  "Admin commands (root):\n"
	  "  build NAME|--all        create or refresh a tenant's jail tree\n"
	  "  exec NAME [--] CMD...   run CMD inside the tenant's jail\n"
	  "  run NAME                start and supervise the tenant's httpd (init units)\n"
	  "  check [NAME]            audit configuration, ports, limits and jail trees\n"
	  "  explain NAME            show the policy in force for a tenant\n"
	  "  frontend                write the frontend's host -> backend maps\n"
	  "\n"
	  "Tenant self-service (the tenant's own uid, or root with NAME):\n"
	  "  status [NAME] [--json]  restart [NAME]  reload [NAME]  stop [NAME]\n"
	  "\n"
	  "  mpjail COMMAND --help   help for one command;  mpjail --version\n"
	  "  See mpjail(8) for files, profiles and exit codes.\n" COMMON EXITS },
	{ "build",
	  "Usage: mpjail build [OPTIONS] NAME...\n"
	  "       mpjail build [OPTIONS] --all\n"
	  "\n"
	  "Create or refresh STATE/jails/NAME from the profile and skel/: root-owned\n"
	  "directories and mount points, a generated /etc, the rendered httpd.conf and\n"
	  "a manifest.  The new tree is built aside and swapped in atomically: a failure\n"
	  "leaves the old tree intact.  The tenant's home gets the skeleton's files only\n"
	  "where they are absent, created as the tenant; symlinks and hard links placed\n"
	  "by the tenant are never followed.\n"
	  "\n"
	  "  --all   every tenant in CONFIG/tenants\n" COMMON EXITS },
	{ "exec",
	  "Usage: mpjail exec [OPTIONS] NAME [--] CMD [ARG...]\n"
	  "\n"
	  "Run CMD inside tenant NAME's jail, as the tenant, through the full launch\n"
	  "pipeline (namespaces, read-only system mounts, pivot_root, rlimits, cgroup,\n"
	  "capabilities dropped, Landlock, seccomp).  stdin, stdout and stderr pass\n"
	  "through; the jail has no controlling terminal.  The jail tree must have been\n"
	  "built with `mpjail build NAME`.\n"
	  "\n"
	  "  --timings   after the jail ends, print on stderr the wall time in\n"
	  "              microseconds of each launch step, parent and child:\n"
	  "              `mpjail timing parent|child|total NAME US`\n" COMMON EXITS },
	{ "run",
	  "Usage: mpjail run [OPTIONS] NAME\n"
	  "\n"
	  "Start tenant NAME's server (the profile's command, httpd for mod_perl) in its\n"
	  "jail and supervise it in the foreground: forward TERM INT HUP USR1 WINCH,\n"
	  "log early stderr, restart on crash with back-off, serve the control socket.\n"
	  "\n"
	  "  --no-restart   exit when the server exits (the init system restarts)\n"
	  "  --stop-timeout SECONDS  time the server may run to stop before SIGKILL; time\n"
	  "                 it waits for a CPU does not count, up to 3x (default 10)\n"
	  "  --ready-timeout SECONDS how long to wait for the port to answer (default 30)\n"
	  "  --timings      print each start's launch steps on stderr, as exec --timings\n"
	  "                 does, up to the verdict\n" COMMON EXITS },
	{ "check",
	  "Usage: mpjail check [OPTIONS] [--json] [NAME...]\n"
	  "\n"
	  "Audit the registry (port conflicts, ranges, host names), each tenant's limits,\n"
	  "the jail trees against their manifests, and the host's security settings.\n"
	  "One line per finding: OK|WARN|FAIL SUBJECT: TEXT (--json: one JSON object).\n"
	  "Exit 0 when nothing is wrong, 1 when a problem was found, 100 on a config error.\n"
	  COMMON },
	{ "explain",
	  "Usage: mpjail explain [OPTIONS] [--json] NAME\n"
	  "\n"
	  "Print the effective policy for a tenant: identity, namespaces, mounts,\n"
	  "capabilities, rlimits, cgroup limits, ports, seccomp groups, credentials.\n" COMMON },
	{ "frontend",
	  "Usage: mpjail frontend [OPTIONS] [--format apache|nginx] [--output DIR]\n"
	  "\n"
	  "Write the frontend's host -> backend map from the tenant registry: for Apache\n"
	  "a RewriteMap text file (hosts.map) and proxy workers (backends.conf); for nginx\n"
	  "a map and upstreams (mpjail-nginx.conf).  Files are replaced atomically.\n" COMMON },
	{ "status",
	  "Usage: mpjail status [OPTIONS] [--json] [NAME]\n"
	  "\n"
	  "Show the tenant's server: state, host pid of the jail's pid 1, uptime,\n"
	  "restarts, why it last exited, ports, memory and tasks against their limits.\n"
	  "\n"
	  "  --json   one JSON object (fields in docs/control.md)\n" CTL_COMMON COMMON CTL_EXITS },
	{ "restart",
	  "Usage: mpjail restart [OPTIONS] [NAME]\n"
	  "\n"
	  "Stop the tenant's jail (TERM, SIGKILL after the stop timeout) and start a\n"
	  "new one at once; returns when the new server answers on its port.\n"
	  CTL_COMMON COMMON CTL_EXITS },
	{ "reload",
	  "Usage: mpjail reload [OPTIONS] [NAME]\n"
	  "\n"
	  "Test the configuration in an identical jail (the profile's command with -t\n"
	  "appended); if it fails, print the test's output and leave the running server\n"
	  "alone; else make httpd restart gracefully (USR1): no request is lost and new\n"
	  "Perl code goes live.  Credentials are re-synced first (password rotation).\n"
	  CTL_COMMON COMMON CTL_EXITS },
	{ "stop",
	  "Usage: mpjail stop [OPTIONS] [NAME]\n"
	  "\n"
	  "Stop gracefully (in-flight requests finish; SIGKILL after the stop timeout)\n"
	  "and end the supervisor with status 0, so the init system does not restart it.\n"
	  CTL_COMMON COMMON CTL_EXITS },
};
/* clang-format on */

const char *help_text(const char *cmd)
{
	for (size_t i = 1; cmd && i < ARRAY_SIZE(texts); i++)
		if (strcmp(texts[i].cmd, cmd) == 0)
			return texts[i].text;
	return texts[0].text;
}
