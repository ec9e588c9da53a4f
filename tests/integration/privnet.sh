#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `network private`: the tenant's httpd runs in its own network namespace
# (for hosts whose kernel lacks Landlock network rules, or by choice).  The
# launcher binds the tenant's port on the host and hands the socket in; the
# bind shim makes Apache adopt it.  The server is reachable from the host on
# its port, and nothing of the host's network is reachable from it.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd useradd curl python3 /usr/sbin/apache2

mpj_env
mkdir -p "$T_DIR/pgsock"
chmod 0755 "$T_DIR/pgsock"
printf '[mpjail]\nport_range = 20000-29999\ndb_socket_dir = %s\n' "$T_DIR/pgsock" >"$CONF/mpjail.conf"
printf 'mpjail-profile 1\ninclude modperl\nnetwork private\n' >"$CONF/profiles/privmp.profile"
T=pn$$
PORT=$((PORT_BASE + 7))
mpj_tenant "$T" "$PORT" privmp
U=$(eval echo "\$USER_$T")
UID_T=$(id -u "$U")
check "build a modperl tenant with network private" mpj build "$T"

"$MPJAIL" run --config-dir "$CONF" --state-dir "$STATE" --run-dir "$RUN" \
	--data-dir "$MPJAIL_SRC" "$T" >"$T_DIR/run.log" 2>&1 &
SV=$!
T_PIDS+=("$SV")
page() { curl -s -m 3 "http://127.0.0.1:$PORT/hello"; }
answers() { page | grep -q "Hello from mpjail tenant $T"; }
if wait_until 20 answers; then
	ok "the server answers on the host's 127.0.0.1:$PORT"
else
	not_ok "the server answers on the host's 127.0.0.1:$PORT"
	while IFS= read -r line; do diag "run: $line"; done <"$T_DIR/run.log"
fi
expect_match "as the tenant's uid" "uid $UID_T" "$(page)"
# mod_perl sets $0, so httpd's comm is "/usr/sbin/apach": match the command line.
httpd_parent() { pgrep -u "$U" -o -f '^/usr/sbin/apache2 '; }
hpid=$(httpd_parent)
[ -n "$hpid" ] || { not_ok "httpd runs as the tenant"; done_testing; }
ok "httpd runs as the tenant (pid $hpid)"
netns_host=$(readlink /proc/self/ns/net)
expect_match "httpd is in a network namespace of its own" '^net:' "$(readlink "/proc/$hpid/ns/net")"
check "... not the host's" test "$(readlink "/proc/$hpid/ns/net")" != "$netns_host"
expect_match "httpd serves the socket handed in (fd 7 is a listening socket)" '^socket:' \
	"$(readlink "/proc/$hpid/fd/7")"
check "the jail's pid 1 does not hold the listener" \
	test -z "$(for f in /proc/$(ps -o ppid= -p "$hpid" | tr -d ' ')/fd/*; do readlink "$f"; done |
		grep -F "$(readlink "/proc/$hpid/fd/7")")"

# A graceful restart keeps the adopted listener and the same parent.
kill -USR1 "$SV"
sleep 1
check "after a graceful restart it still answers" wait_until 10 answers
expect_eq "the same httpd parent (graceful)" "$hpid" "$(httpd_parent)"

# Nothing of the host's network from inside: a loopback listener on the host.
hostport=$((PORT_BASE + 51))
python3 -m http.server --bind 127.0.0.1 "$hostport" >/dev/null 2>&1 &
T_PIDS+=($!)
wait_until 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$hostport" 2>/dev/null
inside=$(mpj exec "$T" -- /usr/bin/python3 -c "
import socket
for port in ($hostport, $PORT):
    s = socket.socket()
    try:
        s.connect(('127.0.0.1', port)); print('REACHED', port)
    except OSError as e:
        print('REFUSED', port, e.strerror)")
expect_match "a host loopback service is unreachable from the jail" "^REFUSED $hostport" "$inside"
expect_no_match "nothing outside was reached" '^REACHED' "$inside"

# A TERM stops it all; the port is free again on the host.
kill -TERM "$SV"
wait "$SV"
expect_eq "the supervisor exits 0 on TERM" 0 "$?"
check "no process of the tenant is left" test -z "$(pgrep -u "$U")"
check "the port is free again" python3 -c "
import socket; s = socket.socket(); s.bind(('127.0.0.1', $PORT))"
done_testing
