#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Outbound TCP from a jail in the shared network namespace (the profile's
# `connect` lines, a Landlock rule): two tenants A and B on loopback.  From
# inside A's jail: B's backend is EACCES, A's own port and a listed port
# outside port_range connect, by IP and by name (the jail's /etc/hosts);
# an unlisted host service is EACCES; UDP and unix sockets (DNS, the
# database socket) are not affected; TCP Fast Open does not get around it.
# There is no network here: "outbound HTTPS by name" is a TCP connect by
# name (`localhost`, from the jail's generated /etc/hosts) to a loopback
# listener on an allowed port: no DNS server, no TLS handshake.  (DNS itself,
# `hosts: files dns` with the host's resolv.conf, is names.sh.)
. "$(dirname "$0")/lib.sh"
require_root
require_cmd useradd python3 perl ss
[ -x "${MPJAIL_PROBE:-}" ] || skip_all "MPJAIL_PROBE not built"

mpj_env
# Throwaway listeners outside port_range (20000-29999) and outside the
# ephemeral range (32768-60999), on ports nobody listens on.
free_high_port() { free_port 61000 4000; }
ALLOWED=$(free_high_port) && HOSTSVC=$(free_high_port) && UDPPORT=$(free_high_port) ||
	{ echo "Bail out! no free port"; exit 1; }
PA=$PORT_BASE
PB=$((PORT_BASE + 1))
for p in "$PA" "$PB"; do
	[ -z "$(ss -Hltn "sport = :$p")" ] || { echo "Bail out! port $p is busy"; exit 1; }
done

mkdir -p "$T_DIR/pgsock"
chmod 0755 "$T_DIR/pgsock"
printf '[mpjail]\nport_range = 20000-29999\ndb_socket_dir = %s\n' "$T_DIR/pgsock" \
	>"$CONF/mpjail.conf"
# The default profile's list plus one port this test can listen on.
cat >"$CONF/profiles/netp.profile" <<-EOF
mpjail-profile 1
include default
connect $ALLOWED
db-socket
EOF
mpj_tenant a "$PA" netp
mpj_tenant b "$PB" netp
UA=$USER_a
install_probe a
P=/home/$UA/probe
check "build tenant a" mpj build a
check "build tenant b" mpj build b

ex=$(mpj explain a)
abi=$(printf '%s\n' "$ex" | sed -n 's/^landlock: *ABI \([0-9]*\);.*/\1/p')
if [ -z "$abi" ]; then
	printf '%s\n' "$ex" | grep '^landlock' | sed 's/^/# /'
	skip_all "the kernel's Landlock has no network rules (ABI < 4)"
fi
diag "Landlock ABI $abi"
expect_match "explain: connect lists the default ports, the extra one and the tenant's own" \
	"^connect: +TCP only to 25 53 80 443 465 587 5432 $PA $ALLOWED \(9 ports, own included\)" "$ex"
expect_match "explain: never into port_range but own; UDP and unix sockets unaffected" \
	"never to port_range 20000-29999 but the tenant's own ports; others: EACCES; UDP \(DNS\) and unix sockets \(PostgreSQL\) unaffected" "$ex"
js=$(mpj explain --json a)
expect_eq "explain --json: the connect plan" "False [[25, 25], [53, 53], [80, 80], [443, 443], [465, 465], [587, 587], [5432, 5432], [$PA, $PA], [$ALLOWED, $ALLOWED]] 9 True" \
	"$(printf '%s' "$js" | python3 -c 'import json,sys; l=json.load(sys.stdin)["landlock"]; c=l["connect"]; print(c["any_other"], c["ports"], c["n_ports"], l["enforced"])')"

# Root's listeners on the host: A's and B's backends (as their httpd would
# be), a listed port, an unlisted host service, a UDP echo, and a unix
# socket where PostgreSQL's would be.
python3 - "$PA" "$PB" "$ALLOWED" "$HOSTSVC" "$UDPPORT" "$T_DIR/pgsock/.s.PGSQL.5432" \
	"$T_DIR/ready" <<-'PY' &
import os, selectors, socket, sys
tcp = [int(p) for p in sys.argv[1:5]]
sel = selectors.DefaultSelector()
for p in tcp:
    for fam, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        s = socket.socket(fam)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((addr, p)); s.listen(16); sel.register(s, selectors.EVENT_READ, "tcp")
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", int(sys.argv[5]))); sel.register(u, selectors.EVENT_READ, "udp")
x = socket.socket(socket.AF_UNIX)
x.bind(sys.argv[6]); os.chmod(sys.argv[6], 0o777); x.listen(16)
sel.register(x, selectors.EVENT_READ, "tcp")
open(sys.argv[7], "w").close()
while True:
    for key, _ in sel.select():
        if key.data == "udp":
            data, peer = key.fileobj.recvfrom(512); key.fileobj.sendto(b"pong:" + data, peer)
        else:
            c, _ = key.fileobj.accept(); c.close()
PY
T_PIDS+=($!)
for _ in $(seq 50); do [ -e "$T_DIR/ready" ] && break; sleep 0.1; done
check "the test listeners are up" test -e "$T_DIR/ready"

# The probe prints "RESULT ok" or "RESULT ERRNO".
res() { printf '%s\n' "$1" | sed -n 's/^RESULT //p' | head -1; }
expect_eq "control: the host reaches B's backend" ok \
	"$(cd / && "$MPJAIL_PROBE" connect-tcp "$PB" | sed -n 's/^RESULT //p')"
expect_eq "control: the host reaches the unlisted host service" ok \
	"$(cd / && "$MPJAIL_PROBE" connect-tcp "$HOSTSVC" | sed -n 's/^RESULT //p')"

expect_eq "A's jail: connect to B's backend ($PB) is EACCES" EACCES \
	"$(res "$(mpj exec a -- "$P" connect-tcp "$PB")")"
expect_eq "A's jail: connect to its own port ($PA) works" ok \
	"$(res "$(mpj exec a -- "$P" connect-tcp "$PA")")"
expect_eq "A's jail: connect to the listed port $ALLOWED works" ok \
	"$(res "$(mpj exec a -- "$P" connect-tcp "$ALLOWED")")"
expect_eq "A's jail: connect to an unlisted host service ($HOSTSVC) is EACCES" EACCES \
	"$(res "$(mpj exec a -- "$P" connect-tcp "$HOSTSVC")")"

# Python in the jail: IPv6, TCP Fast Open (sendto with MSG_FASTOPEN connects
# without connect(): landlock-lsm/linux#41), UDP, the database socket.
inside=$(mpj exec a -- /usr/bin/python3 - "$PA" "$PB" "$ALLOWED" "$UDPPORT" <<-'PY'
import errno, socket, sys
pa, pb, allowed, udp = (int(p) for p in sys.argv[1:5])
def out(name, fn):
    try:
        fn(); print(name, "ok")
    except OSError as e:
        print(name, errno.errorcode.get(e.errno, e.errno))
def tcp6(port):
    with socket.socket(socket.AF_INET6) as s: s.connect(("::1", port))
def tfo(port):
    with socket.socket() as s:
        s.sendto(b"x", 0x20000000, ("127.0.0.1", port))  # MSG_FASTOPEN
        s.getpeername()
def udp_echo():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(3); s.connect(("127.0.0.1", udp)); s.send(b"ping")
        assert s.recv(64) == b"pong:ping"
def pg():
    with socket.socket(socket.AF_UNIX) as s: s.connect("/run/postgresql/.s.PGSQL.5432")
out("tcp6-b", lambda: tcp6(pb))
out("tcp6-own", lambda: tcp6(pa))
out("tfo-b", lambda: tfo(pb))
out("udp", udp_echo)
out("pg-unix", pg)
PY
)
expect_match "A's jail: IPv6 connect to B's backend is EACCES" "^tcp6-b EACCES$" "$inside"
expect_match "A's jail: IPv6 connect to its own port works" "^tcp6-own ok$" "$inside"
expect_match "A's jail: TCP Fast Open to B's backend is refused" "^tfo-b (EACCES|EPERM)$" "$inside"
expect_match "A's jail: UDP to an unlisted port still works (DNS is UDP)" "^udp ok$" "$inside"
expect_match "A's jail: the database's unix socket still connects" "^pg-unix ok$" "$inside"

# By name, as customer code opens an outbound HTTPS connection (LWP,
# IO::Socket::SSL sit on IO::Socket::INET): resolved through the jail's
# /etc/hosts (nsswitch `hosts: files dns`, files first), then connected.
byname() {
	mpj exec a -- /usr/bin/perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(PeerAddr => $ARGV[0], Proto => "tcp", Timeout => 3);
		print $s ? "CONNECTED\n" : "FAILED $!\n"' "$1"
}
expect_eq "A's jail: perl connects by name to the allowed port" CONNECTED \
	"$(byname "localhost:$ALLOWED")"
expect_match "A's jail: perl by name to B's backend is refused" "^FAILED Permission denied" \
	"$(byname "localhost:$PB")"

# A profile may not open port_range: refused before anything starts.
printf 'mpjail-profile 1\ninclude default\nconnect %s\n' "$PB" >"$CONF/profiles/netbad.profile"
sed -i 's/^profile = .*/profile = netbad/' "$CONF/tenants/a.conf"
out=$(mpj exec a -- /bin/true 2>&1)
expect_eq "a profile that lists B's port: exec exits 100" 100 "$?"
expect_match "... naming the profile line and port_range" \
	"netbad.profile:3: connect: \`$PB\` reaches into port_range 20000-29999" "$out"
sed -i 's/^profile = .*/profile = netp/' "$CONF/tenants/a.conf"

expect_eq "no process of the tenant is left" "" "$(pgrep -u "$UA" || true)"
done_testing
