#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Names and outbound connections the way a hosted app needs them (issue 8):
# the system files (resolv.conf, hosts, services, protocols, localtime) come
# from the host at every launch, without a rebuild; nsswitch says
# `hosts: files dns`; the CA store verifies; `system-file` in a profile
# replaces a source, and a tenant-controlled source is refused.  Everything
# is read back from inside the jail.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd useradd unshare mount openssl getent perl

mpj_env
T=nm$$
PORT=$((PORT_BASE + 11))
mpj_tenant "$T" "$PORT" default
U=$(eval echo "\$USER_$T")
check "build a default tenant" mpj build "$T"
jx() { mpj exec "$T" -- "$@" 2>&1; }

# ---- resolv.conf, hosts, services, protocols, nsswitch ------------------
expect_eq "the jail's resolv.conf is the host's" "$(cat /etc/resolv.conf)" "$(jx cat /etc/resolv.conf)"
expect_match "nsswitch: hosts: files dns" '^hosts: files dns$' "$(jx cat /etc/nsswitch.conf)"
expect_match "nsswitch keeps passwd: files" '^passwd: files$' "$(jx cat /etc/nsswitch.conf)"
hosts=$(jx cat /etc/hosts)
expect_match "hosts: the jail's own name first" "^127\.0\.1\.1 $T$" "$(printf '%s\n' "$hosts" | head -2)"
first_host_line=$(grep -v '^#' /etc/hosts | grep . | head -1)
expect_match "hosts: then the host's lines" "^$(printf '%s' "$first_host_line" | sed 's/[.[\*^$]/\\&/g')$" "$hosts"
expect_match "getent hosts resolves the jail's name" "^127\.0\.1\.1 +$T" "$(jx getent hosts "$T")"
expect_match "getent services http" '^http +80/tcp' "$(jx getent services http)"
expect_match "getent protocols tcp" '^tcp +6' "$(jx getent protocols tcp)"

# ---- localtime ------------------------------------------------------------
expect_eq "/etc/localtime has the host's zone" "$(sha256sum /etc/localtime | cut -d' ' -f1)" \
	"$(jx sha256sum /etc/localtime | cut -d' ' -f1)"

# ---- the host changes, no rebuild: a private mount namespace of the test --
printf 'nameserver 192.0.2.53\noptions timeout:1\n' >"$T_DIR/resolv.new"
printf '192.0.2.77 changed.example.test\n' >"$T_DIR/hosts.new"
chmod 0644 "$T_DIR/resolv.new" "$T_DIR/hosts.new"
zone=/usr/share/zoneinfo/Asia/Tokyo
[ -f "$zone" ] || zone=$(find /usr/share/zoneinfo -type f -name 'Tokyo' | head -1)
changed=$(unshare -m --propagation private bash -c '
	mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /etc/hosts &&
	mount --bind "$3" "$(readlink -f /etc/localtime)" || exit 99
	shift 3
	"$@" cat /etc/resolv.conf /etc/hosts
	"$@" sh -c "date +%Z"
	"$@" getent hosts changed.example.test
	"$@" perl -e "print join(q(.), unpack(q(C4), scalar gethostbyname(q(changed.example.test)))), qq(\n)"
' - "$T_DIR/resolv.new" "$T_DIR/hosts.new" "$zone" \
	"$MPJAIL" exec --config-dir "$CONF" --state-dir "$STATE" --run-dir "$RUN" \
	--data-dir "$MPJAIL_SRC" "$T" -- 2>&1)
expect_match "a new launch sees the host's new resolv.conf (no build)" '^nameserver 192\.0\.2\.53$' "$changed"
expect_match "... and the host's new hosts file" '^192\.0\.2\.77 changed\.example\.test$' "$changed"
expect_match "... and the host's new time zone" '^JST$' "$changed"
expect_match "getent hosts resolves a name from the jail's /etc/hosts" '^192\.0\.2\.77 +changed\.example\.test' "$changed"
expect_match "Perl's gethostbyname resolves it too" '^192\.0\.2\.77$' "$changed"
expect_no_match "the host itself is untouched" '192\.0\.2\.53' "$(cat /etc/resolv.conf)"

# ---- /proc: meminfo and cpuinfo stay masked (subset=pid, docs/design.md) --
expect_match "/proc/meminfo is not in the jail's /proc (documented)" 'No such file' "$(jx cat /proc/meminfo)"
expect_match "ps still works (it reads /proc/PID)" 'PID' "$(jx ps -o pid,comm)"
expect_match "nproc works (sched_getaffinity)" '^[0-9]+$' "$(jx nproc)"

# ---- CA store: real verification inside the jail -------------------------
root_ca=$(find /usr/share/ca-certificates/mozilla -name '*.crt' | head -1)
if [ -z "$root_ca" ] || [ ! -d /etc/ssl/certs ]; then
	not_ok "the host has a CA store (ca-certificates)"
else
	expect_match "a public root verifies against the jail's /etc/ssl/certs" ': OK$' \
		"$(jx openssl verify -CApath /etc/ssl/certs "$root_ca")"
fi
PKI=$T_DIR/pki
mkdir -p "$PKI/ssl/certs"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PKI/ca.key" -out "$PKI/ca.pem" \
	-days 2 -subj "/CN=mpjail test CA $$" >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -keyout "$PKI/leaf.key" -out "$PKI/leaf.csr" \
	-subj "/CN=api.example.test" >/dev/null 2>&1
openssl x509 -req -in "$PKI/leaf.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" \
	-CAcreateserial -out "$PKI/leaf.pem" -days 1 >/dev/null 2>&1
cp "$PKI/ca.pem" "$PKI/ssl/certs/test-ca.pem"
cat "$PKI/ca.pem" >"$PKI/ssl/certs/ca-certificates.crt"
openssl rehash "$PKI/ssl/certs" >/dev/null 2>&1 || c_rehash "$PKI/ssl/certs" >/dev/null 2>&1
chmod -R go-w "$PKI"
chmod 0755 "$PKI" "$PKI/ssl" "$PKI/ssl/certs"
chmod 0644 "$PKI"/*.pem "$PKI/ssl/certs/"*.pem "$PKI/ssl/certs/ca-certificates.crt"
install -m 0644 -o "$U" "$PKI/leaf.pem" "$HOMES/$T/leaf.pem"
H=/home/$U
expect_match "the test CA's leaf does NOT verify against the host's store" 'error|unable' \
	"$(jx openssl verify -CApath /etc/ssl/certs "$H/leaf.pem")"

# ---- overrides in a profile ------------------------------------------------
printf 'passwd: files\ngroup: files\nhosts: files\n# admin nsswitch %s\n' "$$" >"$T_DIR/nsswitch.admin"
printf '192.0.2.10 api.example.test\n' >"$T_DIR/hosts.admin"
mkdir -p "$T_DIR/adm/sub"
printf 'nameserver 192.0.2.1\n' >"$T_DIR/adm/sub/resolv.real"
ln -s sub/resolv.real "$T_DIR/adm/resolv.conf"
chmod 0644 "$T_DIR/nsswitch.admin" "$T_DIR/hosts.admin" "$T_DIR/adm/sub/resolv.real"
cat >"$CONF/profiles/names.profile" <<EOF
mpjail-profile 1
include default
system-file /etc/nsswitch.conf $T_DIR/nsswitch.admin
system-file /etc/hosts $T_DIR/hosts.admin
system-file /etc/resolv.conf $T_DIR/adm/resolv.conf
system-file /etc/services none
ro-bind $PKI/ssl /etc/ssl
EOF
sed -i "s/^profile = .*/profile = names/" "$CONF/tenants/$T.conf"
check "build with the overriding profile" mpj build "$T"
expect_eq "system-file replaces nsswitch.conf" "$(cat "$T_DIR/nsswitch.admin")" "$(jx cat /etc/nsswitch.conf)"
expect_match "system-file replaces the host part of /etc/hosts" '^192\.0\.2\.10 api\.example\.test$' "$(jx cat /etc/hosts)"
expect_eq "... after the jail's own lines, without the host's" \
	"$(printf '127.0.0.1 localhost\n127.0.1.1 %s\n192.0.2.10 api.example.test' "$T")" "$(jx cat /etc/hosts)"
expect_match "getent hosts resolves the admin's name" '^192\.0\.2\.10 +api\.example\.test' "$(jx getent hosts api.example.test)"
expect_eq "system-file follows a root-owned symlink" "nameserver 192.0.2.1" "$(jx cat /etc/resolv.conf)"
expect_match "system-file ... none: no /etc/services" 'No such file' "$(jx cat /etc/services)"
expect_match "the admin's CA store verifies the test leaf" ': OK$' \
	"$(jx openssl verify -CApath /etc/ssl/certs "$H/leaf.pem")"
expect_match "... and curl's bundle path holds the test CA" 'BEGIN CERTIFICATE' \
	"$(jx cat /etc/ssl/certs/ca-certificates.crt)"

# A source the tenant controls is refused at launch (exit 100, FILE:LINE).
printf 'nameserver 203.0.113.9\n' >"$HOMES/$T/resolv.conf"
chown "$U" "$HOMES/$T/resolv.conf"
sed -i "s|^system-file /etc/resolv.conf .*|system-file /etc/resolv.conf $HOMES/$T/resolv.conf|" \
	"$CONF/profiles/names.profile"
out=$(mpj exec "$T" -- cat /etc/resolv.conf 2>&1)
rc=$?
expect_eq "a tenant-owned source: the launch is refused (exit 100)" 100 "$rc"
expect_match "... naming the profile line and the owner" 'names\.profile:5: .*not owned by root or a system account' "$out"
ln -sf /etc/hostname "$HOMES/$T/link.conf" && chown -h "$U" "$HOMES/$T/link.conf"
sed -i "s|^system-file /etc/resolv.conf .*|system-file /etc/resolv.conf $HOMES/$T/link.conf|" \
	"$CONF/profiles/names.profile"
out=$(mpj exec "$T" -- cat /etc/resolv.conf 2>&1)
expect_match "a tenant's symlink is never followed" 'not owned by root or a system account' "$out"
expect_match "check fails on it too, with FILE:LINE" 'FAIL .*names\.profile:5: system-file `/etc/resolv.conf`: .*not owned by root or a system account' \
	"$(mpj check "$T" 2>&1)"

# copy of a system file: refused before, now the documented precedence.
cat >"$CONF/profiles/names.profile" <<EOF
mpjail-profile 1
include default
copy /etc/nsswitch.conf
EOF
check "copy /etc/nsswitch.conf builds (precedence, not a conflict)" mpj build "$T"
expect_eq "... and the jail has the host's nsswitch.conf" "$(cat /etc/nsswitch.conf)" "$(jx cat /etc/nsswitch.conf)"
printf 'mpjail-profile 1\ninclude default\ncopy /etc/hosts\nsystem-file /etc/hosts none\n' \
	>"$CONF/profiles/names.profile"
out=$(mpj build "$T" 2>&1)
expect_match "copy and system-file of one path: refused with FILE:LINE" 'names\.profile:4: system-file: `/etc/hosts` is already set at line 3' "$out"

# ---- a real DNS lookup from inside: a throwaway resolver on 127.0.0.153 ----
# (any 127/8 address is on lo; UDP is not restricted by Landlock).  It knows
# one name, which is in no hosts file, so only `hosts: files dns` finds it.
cat >"$T_DIR/dns.py" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.153", 53))
print("ready", flush=True)
while True:
    q, peer = s.recvfrom(512)
    i = 12
    labels = []
    while q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode().lower())
        i += 1 + q[i]
    qtype = struct.unpack("!H", q[i + 1:i + 3])[0]
    question = q[12:i + 5]
    names = {"dns-only.example.test": "192.0.2.99", "api.example.test": "127.0.0.1"}
    name = ".".join(labels)
    known = name in names
    answer = b""
    if known and qtype == 1:
        answer = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(names[name])
    flags = 0x8180 if known else 0x8183
    hdr = q[:2] + struct.pack("!HHHHH", flags, 1, 1 if answer else 0, 0, 0)
    s.sendto(hdr + question + answer, peer)
PY
python3 "$T_DIR/dns.py" >"$T_DIR/dns.log" 2>&1 &
T_PIDS+=("$!")
for _ in $(seq 50); do grep -q ready "$T_DIR/dns.log" && break; sleep 0.1; done
printf 'nameserver 127.0.0.153\noptions timeout:2 attempts:2\n' >"$T_DIR/resolv.dns"
chmod 0644 "$T_DIR/resolv.dns"
printf 'mpjail-profile 1\ninclude default\nsystem-file /etc/resolv.conf %s\n' "$T_DIR/resolv.dns" \
	>"$CONF/profiles/names.profile"
check "build with a resolv.conf naming the test resolver" mpj build "$T"
expect_match "getent hosts resolves a name only DNS knows" '^192\.0\.2\.99 +dns-only\.example\.test' \
	"$(jx getent hosts dns-only.example.test)"
expect_match "Perl's gethostbyname asks DNS too" '^192\.0\.2\.99$' \
	"$(jx perl -e 'my $a = gethostbyname(q(dns-only.example.test)); print $a ? join(q(.), unpack(q(C4), $a)) : q(none), qq(\n)')"
expect_match "an unknown name fails (NXDOMAIN), nothing made up" '^none$' \
	"$(jx perl -e 'my $a = gethostbyname(q(nothere.example.test)); print $a ? join(q(.), unpack(q(C4), $a)) : q(none), qq(\n)')"

# ---- an HTTPS API called by name, its certificate verified ----------------
# The name comes from DNS (the test resolver), the server is on loopback
# with a certificate from a test CA the app names (the host's CA store is
# the host's: the test does not touch it), the port is in `connect`.
HP=$((30000 + RANDOM % 2000))
(
	cd "$T_DIR" || exit 1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
		-subj "/CN=mpjail test CA" 2>/dev/null &&
		openssl req -newkey rsa:2048 -nodes -keyout api.key -out api.csr \
			-subj "/CN=api.example.test" 2>/dev/null &&
		printf 'subjectAltName=DNS:api.example.test\n' >api.ext &&
		openssl x509 -req -in api.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-out api.pem -days 2 -extfile api.ext 2>/dev/null
) || not_ok "making the test certificates"
cat >"$T_DIR/https.py" <<'PY2'
import http.server, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"api ok\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[2], sys.argv[3])
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("ready", flush=True)
srv.serve_forever()
PY2
python3 "$T_DIR/https.py" "$HP" "$T_DIR/api.pem" "$T_DIR/api.key" >"$T_DIR/https.log" 2>&1 &
T_PIDS+=("$!")
for _ in $(seq 50); do grep -q ready "$T_DIR/https.log" && break; sleep 0.1; done
install -o "$(stat -c %U "$HOMES/$T")" -m 0644 "$T_DIR/ca.pem" "$HOMES/$T/ca.pem"
printf 'mpjail-profile 1\ninclude default\nsystem-file /etc/resolv.conf %s\nconnect %s\n' \
	"$T_DIR/resolv.dns" "$HP" >"$CONF/profiles/names.profile"
check "build with the test resolver and the API's port in connect" mpj build "$T"
get_api='use HTTP::Tiny; my $r = HTTP::Tiny->new(verify_SSL => 1,
	SSL_options => { SSL_ca_file => "$ENV{HOME}/ca.pem" })->get(shift);
	print $r->{success} ? $r->{content} : "failed: $r->{status} $r->{content}\n"'
expect_eq "HTTP::Tiny in the jail: GET https://api.example.test:$HP/, certificate verified" \
	"api ok" "$(jx perl -e "$get_api" "https://api.example.test:$HP/")"
expect_match "... and a name the certificate does not carry is refused" \
	'failed: 599 .*(certificate|verif|hostname)' \
	"$(jx perl -e "$get_api" "https://127.0.0.1:$HP/")"

# ---- network private: DNS cannot work; explain and check say so -----------
printf 'mpjail-profile 1\ninclude default\nnetwork private\nsystem-file /etc/resolv.conf %s\n' \
	"$T_DIR/resolv.new" >"$CONF/profiles/names.profile"
check "build with network private" mpj build "$T"
expect_match "explain: DNS unreachable in a private network" 'dns: .*UNREACHABLE' "$(mpj explain "$T" 2>&1)"
expect_match "check warns about it" "DNS: UNREACHABLE" "$(mpj check 2>&1)"

done_testing
