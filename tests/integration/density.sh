#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Density (issue 10, docs/design.md "Density"): a thousand tenants on one
# box, none started.  DENSITY_TENANTS (default 1000) modperl tenants whose
# accounts come from one newusers(8) call (useradd would take ~85 s), then,
# with a soft open-file limit of 256, far below the one descriptor per
# tenant `build --all` holds (each home, open from phase 1 to phase 2; it
# failed here with EMFILE until mpjail raised its soft limit to the hard
# one; with the usual soft 1024 it would fail just above 1000 tenants):
#  - `mpjail build --all` builds every jail;
#  - `mpjail check` audits them all: every tenant file loaded, no port or
#    host-name conflict, every tree matches its manifest, no FAIL; and a
#    port shared by two of the thousand is found;
#  - `mpjail frontend` (apache and nginx) writes one map line and one
#    backend per tenant, with the right port for a sample of them.
# Figures (times) go to the TAP output as diagnostics; the only time asserted
# is a generous bound on `check`.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd newusers chpasswd useradd python3
[ -x /usr/sbin/apache2 ] || skip_all "needs apache2 (run ./scripts/test to install it)"

N=${DENSITY_TENANTS:-1000}
mpj_env
mpj_no_db
[ $((PORT_BASE + N)) -lt 30000 ] || PORT_BASE=$((29999 - N))
now_ms() { date +%s%3N; }
ulimit -Sn 256
diag "soft RLIMIT_NOFILE of every command: $(ulimit -Sn)"

t0=$(now_ms)
mpj_tenants_batch d "$N" "$PORT_BASE" modperl
expect_eq "$N tenant accounts and files (newusers)" "$N" "$(ls "$CONF/tenants" | wc -l)"
t1=$(now_ms)
diag "accounts: $((t1 - t0)) ms"

# ----------------------------------------------------------------- build ---
mpj build -q --all >"$T_DIR/build.log" 2>&1
rc=$?
t2=$(now_ms)
expect_eq "build --all of $N tenants" 0 "$rc"
[ "$rc" = 0 ] || diag "$(tail -20 "$T_DIR/build.log")"
diag "build --all: $((t2 - t1)) ms ($(((t2 - t1) * 1000 / N)) us per tenant)"
expect_eq "$N jail trees" "$N" "$(find "$STATE/jails" -mindepth 1 -maxdepth 1 -type d -name 'd*' | wc -l)"
expect_eq "$N trees reported new" "$N" "$(grep -c '^d[0-9]*: tree .* new)' "$T_DIR/build.log")"

# ----------------------------------------------------------------- check ---
t0=$(now_ms)
mpj check >"$T_DIR/check.log" 2>&1
rc=$?
t1=$(now_ms)
diag "check: $((t1 - t0)) ms for $N tenants"
expect_eq "check of $N tenants exits 0" 0 "$rc"
expect_match "the registry: every file loaded, no conflict" \
	"^OK registry: $N of $N tenant files loaded; no shared port, host name, user or home" \
	"$(grep '^[A-Z]* registry' "$T_DIR/check.log")"
expect_eq "no FAIL" "" "$(grep '^FAIL' "$T_DIR/check.log" | head -5)"
expect_eq "every tree matches its manifest" "$N" \
	"$(grep -c '^OK tenant:d[0-9]*: jail tree matches its manifest' "$T_DIR/check.log")"
expect_eq "every port seen free" "$N" "$(grep -c '^OK tenant:d[0-9]*: port [0-9]*: free' "$T_DIR/check.log")"
check "check within 180 s" test $((t1 - t0)) -lt 180000
mpj check --json >"$T_DIR/check.json" 2>/dev/null
check "check --json parses" python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$T_DIR/check.json"

# One more tenant on the port of the middle one: the conflict is found
# among the thousand.
mid=$(((N + 1) / 2))
mpj_tenant dup $((PORT_BASE + mid)) modperl
mpj check >"$T_DIR/check-dup.log" 2>&1
rc=$?
expect_eq "check with a shared port exits 1" 1 "$rc"
expect_match "the shared port is named" "^FAIL registry.*$((PORT_BASE + mid))" "$(cat "$T_DIR/check-dup.log")"
rm -f "$CONF/tenants/dup.conf"

# -------------------------------------------------------------- frontend ---
t0=$(now_ms)
mpj frontend -q --output "$T_DIR/fe" >"$T_DIR/fe.log" 2>&1
rc=$?
t1=$(now_ms)
diag "frontend (apache): $((t1 - t0)) ms"
expect_eq "frontend (apache) exits 0" 0 "$rc"
expect_eq "hosts.map: one line per tenant" "$N" "$(grep -cv '^#' "$T_DIR/fe/hosts.map")"
expect_eq "backends.conf: one worker per tenant" "$N" "$(grep -c '^<Proxy ' "$T_DIR/fe/backends.conf")"
sample=""
want=""
for i in 1 "$mid" "$N"; do
	sample+="$(grep "^d$i\.example\.test " "$T_DIR/fe/hosts.map") "
	want+="d$i.example.test $((PORT_BASE + i)) "
done
expect_eq "hosts.map: the right port (first, middle, last)" "$want" "$sample"
mpj frontend -q --format nginx --output "$T_DIR/fe-nginx" >"$T_DIR/fe-nginx.log" 2>&1
expect_eq "frontend (nginx) exits 0" 0 "$?"
expect_eq "nginx: one upstream per tenant" "$N" "$(cat "$T_DIR"/fe-nginx/* | grep -c '^upstream mpjail_')"
expect_eq "nginx: one map line per tenant" "$N" "$(cat "$T_DIR"/fe-nginx/* | grep -c $'^\td[0-9]*\\.example\\.test mpjail_')"
done_testing
