#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `network auto` (the shipped default): the host's network where the
# kernel's Landlock has network rules (ABI >= 4), a private one otherwise,
# never the host's without the rules.  On this kernel: explain shows the
# decision, a modperl tenant on `auto` serves through the supervisor's
# listener, and its port rules are in force (binding another port is
# EACCES, an unlisted host service is EACCES).  The private branch on a real
# kernel without the rules runs in User-mode Linux (Debian's user-mode-linux:
# 6.1, Landlock not built in), booted on the host's own filesystem like
# quota.sh's part 3: the same script and binaries, NETAUTO_PART=uml.  There:
# explain and check say auto -> private, `exec` runs in a network namespace
# of its own, `network shared` is refused.  `run` serving in a private
# network through the handed-in listener is privnet.sh's (host kernel): in
# UML the home skeleton cannot be copied onto hostfs as the tenant.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd useradd curl python3 ss /usr/sbin/apache2
shopt -s extglob

part_skip() {
	if [ "${MPJAIL_NO_SKIP:-0}" = 1 ]; then
		not_ok "cannot run: $* (MPJAIL_NO_SKIP=1 forbids skipping)"
	else
		T_NUM=$((T_NUM + 1))
		echo "ok $T_NUM # SKIP $*"
	fi
}

host_part() {
	mpj_env
	mkdir -p "$T_DIR/pgsock"
	chmod 0755 "$T_DIR/pgsock"
	printf '[mpjail]\nport_range = 20000-29999\ndb_socket_dir = %s\n' "$T_DIR/pgsock" >"$CONF/mpjail.conf"
	# The shipped modperl profile, which says nothing about the network: the
	# `network auto` of the shipped default applies.
	printf 'mpjail-profile 1\ninclude modperl\n' >"$CONF/profiles/automp.profile"
	printf 'mpjail-profile 1\ninclude modperl\nnetwork shared\n' >"$CONF/profiles/sharedmp.profile"
	T=na$$
	PORT=$((PORT_BASE + 11))
	OTHER=$((PORT_BASE + 12))
	HOSTSVC=$((PORT_BASE + 13))
	for p in "$PORT" "$OTHER" "$HOSTSVC"; do
		[ -z "$(ss -Hltn "sport = :$p")" ] || { echo "Bail out! port $p is busy"; exit 1; }
	done
	mpj_tenant "$T" "$PORT" automp
	mpj_tenant s "$((PORT_BASE + 14))" sharedmp
	U=$(eval echo "\$USER_$T")
	check "build a modperl tenant on the default profile's network auto" mpj build "$T"
	check "build a tenant with network shared" mpj build s

	ex=$(mpj explain "$T")
	abi=$(printf '%s\n' "$ex" | sed -n 's/^landlock: *ABI \([0-9]*\);.*/\1/p')
	if [ -z "$abi" ] || [ "$abi" -lt 4 ]; then
		part_skip "this kernel's Landlock has no network rules: the host part needs ABI >= 4"
		return
	fi
	expect_match "explain: network auto -> shared on this kernel" \
		"^network: +auto -> shared \(kernel Landlock ABI $abi has network rules\)$" "$ex"
	expect_match "explain: the host's network, ports guarded by Landlock" \
		"^namespaces: +mount pid ipc uts cgroup; network: the host's" "$ex"
	expect_match "explain: Landlock in force" '^landlock: +ABI [0-9]+; bind\(\) only to the ports above' "$ex"
	js=$(mpj explain --json "$T")
	expect_eq "explain --json: network, network_profile, decision, ABI" \
		"shared auto auto -> shared (kernel Landlock ABI $abi has network rules) $abi True" \
		"$(printf '%s' "$js" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["network"], d["network_profile"], d["network_decision"], d["landlock_abi"], d["landlock"]["enforced"])')"
	expect_match "explain of an explicit network shared says just that" '^network: +shared$' "$(mpj explain s)"
	out=$(mpj check "$T" s)
	expect_no_match "check: nothing about a private network on this kernel" 'private network|network auto' "$out"
	expect_match "check: host:landlock is not a FAIL" '^(OK|WARN) host:landlock: ABI' "$out"

	"$MPJAIL" run --config-dir "$CONF" --state-dir "$STATE" --run-dir "$RUN" \
		--data-dir "$MPJAIL_SRC" "$T" >"$T_DIR/run.log" 2>&1 &
	SV=$!
	T_PIDS+=("$SV")
	page() { curl -s -m 3 "http://127.0.0.1:$PORT/hello"; }
	answers() { page | grep -q "Hello from mpjail tenant $T"; }
	if wait_until 20 answers; then
		ok "the tenant on network auto serves on 127.0.0.1:$PORT"
	else
		not_ok "the tenant on network auto serves on 127.0.0.1:$PORT"
		while IFS= read -r line; do diag "run: $line"; done <"$T_DIR/run.log"
	fi
	expect_match "the supervisor logs the decision at start" \
		"network auto -> shared \(kernel Landlock ABI $abi has network rules\)" "$(cat "$T_DIR/run.log")"
	hpid=$(pgrep -u "$U" -o -f '^/usr/sbin/apache2 ')
	if [ -n "$hpid" ]; then
		check "httpd is in the host's network namespace" \
			test "$(readlink "/proc/$hpid/ns/net")" = "$(readlink /proc/self/ns/net)"
	else
		not_ok "httpd runs as the tenant"
	fi

	# The port rules are in force: in the host's network, only Landlock stops
	# a bind of another free port or a connect to an unlisted host service.
	python3 -m http.server --bind 127.0.0.1 "$HOSTSVC" >/dev/null 2>&1 &
	T_PIDS+=($!)
	wait_until 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$HOSTSVC" 2>/dev/null
	inside=$(mpj exec "$T" -- /usr/bin/python3 -c "
import socket
for port in ($OTHER, $PORT):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(('127.0.0.1', port)); print('BOUND', port)
    except OSError as e:
        print('BIND', port, e.errno)
for port in ($HOSTSVC, $PORT):
    s = socket.socket()
    try:
        s.connect(('127.0.0.1', port)); print('REACHED', port)
    except OSError as e:
        print('CONNECT', port, e.errno)")
	expect_match "a bind of another free port is refused (EACCES)" "^BIND $OTHER 13$" "$inside"
	expect_match "the tenant's own port is held by its supervisor (EADDRINUSE)" "^BIND $PORT 98$" "$inside"
	expect_match "an unlisted host service is refused (EACCES)" "^CONNECT $HOSTSVC 13$" "$inside"
	expect_match "the tenant's own port is reachable" "^REACHED $PORT$" "$inside"
	check "the other port was really free on the host" python3 -c "
import socket; s = socket.socket(); s.bind(('127.0.0.1', $OTHER))"

	kill -TERM "$SV"
	wait "$SV"
	expect_eq "the supervisor exits 0 on TERM" 0 "$?"
	check "no process of the tenant is left" test -z "$(pgrep -u "$U")"
}

# Inside User-mode Linux: a kernel without Landlock network rules.
uml_part() {
	local ex js out inside rc T=nu$$ PORT HOSTSVC
	mpj_env
	PORT=$((PORT_BASE + 21))
	HOSTSVC=$((PORT_BASE + 23))
	mkdir -p "$T_DIR/pgsock"
	chmod 0755 "$T_DIR/pgsock"
	printf '[mpjail]\nport_range = 20000-29999\ndb_socket_dir = %s\n' "$T_DIR/pgsock" >"$CONF/mpjail.conf"
	printf 'mpjail-profile 1\ninclude modperl\n' >"$CONF/profiles/automp.profile"
	printf 'mpjail-profile 1\ninclude modperl\nnetwork shared\n' >"$CONF/profiles/sharedmp.profile"
	mpj_tenant "$T" "$PORT" automp
	mpj_tenant s "$((PORT_BASE + 22))" sharedmp
	check "build a modperl tenant on network auto" mpj build "$T"
	check "build a tenant with network shared" mpj build s

	ex=$(mpj explain "$T")
	expect_match "explain: network auto -> private without Landlock network rules" \
		'^network: +auto -> private \((Landlock is not available: .*|kernel Landlock ABI [0-3] has no network rules)\)$' "$ex"
	expect_match "explain: a network namespace of its own" '^namespaces: +mount pid ipc uts cgroup net \(private' "$ex"
	expect_match "explain: the connect lines do not apply" \
		"^connect: +not restricted: .*the profile's \`connect\` lines do not apply" "$ex"
	js=$(mpj explain --json "$T")
	expect_eq "explain --json: network private from auto" "private auto None" \
		"$(printf '%s' "$js" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["network"], d["network_profile"], d["landlock"])')"
	out=$(mpj check "$T" s)
	expect_match "check: one WARN for the tenant on auto -> private" \
		"^WARN tenant:$T: network auto -> private .*no outbound TCP or UDP from the jail; PostgreSQL only over its unix socket" "$out"
	expect_eq "check: said once" 1 "$(printf '%s\n' "$out" | grep -c 'network auto -> private')"
	expect_match "check: host:landlock fails naming the tenant on network shared" \
		'^FAIL host:landlock: .*1 tenant with `network shared` cannot start.*: s$' "$out"

	# The jail's network is its own: a loopback listener of this (UML)
	# host is not there.
	python3 -m http.server --bind 127.0.0.1 "$HOSTSVC" >/dev/null 2>&1 &
	T_PIDS+=($!)
	wait_until 20 bash -c "exec 3<>/dev/tcp/127.0.0.1/$HOSTSVC" 2>/dev/null
	inside=$(timeout 120 "$MPJAIL" exec --config-dir "$CONF" --state-dir "$STATE" --run-dir "$RUN" \
		--data-dir "$MPJAIL_SRC" "$T" -- /usr/bin/python3 -c "
import os, socket
print('NETNS', os.readlink('/proc/self/ns/net'))
s = socket.socket()
try:
    s.connect(('127.0.0.1', $HOSTSVC)); print('REACHED')
except OSError as e:
    print('CONNECT', e.errno)")
	rc=$?
	expect_eq "exec of the auto tenant runs" 0 "$rc"
	expect_match "the host's loopback service is not in the jail's network (ECONNREFUSED)" '^CONNECT 111$' "$inside"
	expect_match "the jail reads its network namespace" '^NETNS net:\[[0-9]+\]$' "$inside"
	check "the jail's network namespace is not the host's" \
		test "$(printf '%s\n' "$inside" | sed -n 's/^NETNS //p')" != "$(readlink /proc/self/ns/net)"

	out=$(timeout 120 "$MPJAIL" exec --config-dir "$CONF" --state-dir "$STATE" --run-dir "$RUN" \
		--data-dir "$MPJAIL_SRC" s -- /bin/true 2>&1)
	expect_eq "explicit network shared is refused (exit 100)" 100 "$?"
	expect_match "... naming Landlock" 'Landlock' "$out"
}

# Boot User-mode Linux on the host's filesystem and report its TAP lines
# prefixed "uml:" (quota.sh does the same for quotas).
uml_boot() {
	local uml=$1 out line n=0
	out=$(mktemp -d /tmp/mpjail-netauto-uml.XXXXXX)
	T_CLEANUP+=("rm -rf '$out'")
	timeout 300 "$uml" mem=768M root=/dev/root rootfstype=hostfs rootflags=/ rw \
		init="$MPJAIL_SRC/tests/integration/uml-init.sh" con=null con0=fd:0,fd:1 \
		MPJAIL_UML_OUT="$out/tap" MPJAIL_UML_TEST="$MPJAIL_SRC/tests/integration/netauto.sh" \
		NETAUTO_PART=uml MPJAIL="$MPJAIL" MPJAIL_PROBE="$MPJAIL_PROBE" \
		MPJAIL_SRC="$MPJAIL_SRC" MPJAIL_NO_SKIP="${MPJAIL_NO_SKIP:-0}" \
		</dev/null >"$out/console" 2>&1
	if [ ! -s "$out/tap" ]; then
		not_ok "uml: the UML kernel ran nothing (exit $?): $(tail -3 "$out/console" | tr '\n' ' ')"
		return
	fi
	while IFS= read -r line; do
		case $line in
		"ok "*"# SKIP "*) part_skip "uml: ${line#*# SKIP }" ;;
		"ok "*) n=$((n + 1)); ok "uml: ${line#ok +([0-9]) - }" ;;
		"not ok "*) n=$((n + 1)); not_ok "uml: ${line#not ok +([0-9]) - }" ;;
		"#"*) echo "$line" ;;
		*) diag "uml: $line" ;;
		esac
	done <"$out/tap"
	[ "$n" -gt 0 ] || not_ok "uml: no results: $(tail -3 "$out/tap" | tr '\n' ' ')"
}

if [ "${NETAUTO_PART:-}" = uml ]; then
	uml_part
	done_testing
fi
host_part
if [ -x /usr/bin/linux.uml ]; then
	diag "the private branch on a kernel without Landlock network rules: User-mode Linux"
	uml_boot /usr/bin/linux.uml
else
	part_skip "auto -> private on a real kernel needs User-mode Linux (package user-mode-linux)"
fi
done_testing
