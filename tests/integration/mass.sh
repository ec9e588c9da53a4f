#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Many tenants at once (docs/design.md, "cgroup names and the shared-parent
# lock", "Stopping many tenants at once"):
#  1. concurrency: several tenants' `mpjail exec` launch and tear down in
#     parallel loops (two loops on one tenant) for CONC_SECONDS; not one
#     launch may fail, and no cgroup of the installation is left after;
#  2. mass start and stop: MASS_TENANTS supervisors (`mpjail run`, modperl
#     profile) started at once, all answering; then all TERMed at once, as a
#     host shutdown does: every stop graceful (no "did not stop" SIGKILL),
#     every supervisor exits 0, nothing of any tenant is left;
#  3. bounded: a server that ignores TERM is SIGKILLed by the stop clock
#     (--stop-timeout 2: at most 3 x 2 s after the signal).
# Figures (times, load) go to the TAP output as diagnostics.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd useradd curl python3 pgrep
[ -x /usr/sbin/apache2 ] || skip_all "needs apache2 (run ./scripts/test to install it)"
[ -e /usr/lib/apache2/modules/mod_perl.so ] || skip_all "needs libapache2-mod-perl2"

N=${MASS_TENANTS:-50}
CONC_SECONDS=${CONC_SECONDS:-20}
mpj_env
mkdir -m 0755 "$T_DIR/pgsock" # the modperl profile's db_socket_dir: empty
echo "db_socket_dir = $T_DIR/pgsock" >>"$CONF/mpjail.conf"
[ $((PORT_BASE + N)) -lt 30000 ] || PORT_BASE=$((29999 - N))
O=(--config-dir "$CONF" --state-dir "$STATE" --run-dir "$RUN" --data-dir "$MPJAIL_SRC")

now_ms() { date +%s%3N; }
# cg_group_dirs: this installation's group in every hierarchy below our cgroup.
cg_group_dirs() {
	local line path
	while IFS= read -r line; do
		path=${line#*:*:}
		find /sys/fs/cgroup -maxdepth 12 -type d -path "*${path%/}/$MPJ_GROUP" 2>/dev/null
	done </proc/self/cgroup | sort -u
}

t0=$(now_ms)
for i in $(seq "$N"); do
	mpj_tenant "m$i" $((PORT_BASE + i)) modperl || break
done
expect_eq "$N tenant accounts and files" "$N" "$(ls "$CONF/tenants" | wc -l)"
t1=$(now_ms)
mpj build -q --all >"$T_DIR/build.log" 2>&1
rc=$?
expect_eq "build --all of $N tenants" 0 "$rc"
[ "$rc" = 0 ] || diag "$(tail -20 "$T_DIR/build.log")"
t2=$(now_ms)
diag "accounts: $((t1 - t0)) ms; build --all: $((t2 - t1)) ms ($(((t2 - t1) / N)) ms per tenant)"

# ------------------------------------------------------ 1. concurrency ---
# exec_loop NAME TAG: launch NAME's jail until the deadline; one line per
# failure (exit status and message) in $T_DIR/conc-TAG.fail.
exec_loop() {
	local name=$1 tag=$2 end=$3 n=0 rc out
	: >"$T_DIR/conc-$tag.fail"
	while [ "$(now_ms)" -lt "$end" ]; do
		out=$("$MPJAIL" exec "${O[@]}" "$name" -- /bin/true 2>&1)
		rc=$?
		n=$((n + 1))
		[ "$rc" = 0 ] || printf 'exit %s: %s\n' "$rc" "$out" >>"$T_DIR/conc-$tag.fail"
	done
	echo "$n" >"$T_DIR/conc-$tag.n"
}
end=$(($(now_ms) + CONC_SECONDS * 1000))
loops=()
# Tenants m1, m1, m2, m3 (fewer when N < 3).
exec_loop m1 a "$end" & loops+=($!)
exec_loop m1 b "$end" & loops+=($!)
exec_loop "m$((1 % N + 1))" c "$end" & loops+=($!)
exec_loop "m$((2 % N + 1))" d "$end" & loops+=($!)
wait "${loops[@]}"
total=0
for tag in a b c d; do total=$((total + $(cat "$T_DIR/conc-$tag.n"))); done
fails=$(cat "$T_DIR"/conc-*.fail)
diag "concurrency: $total launches in $CONC_SECONDS s by 4 parallel loops (3 tenants)"
check "the loops did launch" test "$total" -gt 20
expect_eq "no launch failed while others started and tore down" "" "$fails"
expect_eq "no cgroup of the installation is left" "" "$(cg_group_dirs)"

# ------------------------------------------------- 2. mass start, stop ---
declare -A SV
t0=$(now_ms)
for i in $(seq "$N"); do
	"$MPJAIL" run "${O[@]}" "m$i" >>"$T_DIR/run-m$i.log" 2>&1 &
	SV[$i]=$!
	T_PIDS+=($!)
done
answering=0
deadline=$(($(now_ms) + 30000 + N * 1000))
while [ "$(now_ms)" -lt "$deadline" ]; do
	answering=0
	for i in $(seq "$N"); do
		grep -q "ready: 127.0.0.1:$((PORT_BASE + i)) answers" "$T_DIR/run-m$i.log" &&
			answering=$((answering + 1))
	done
	[ "$answering" = "$N" ] && break
	sleep 0.5
done
t1=$(now_ms)
expect_eq "all $N supervisors report their server ready" "$N" "$answering"
if [ "$answering" != "$N" ]; then
	shown=0
	for i in $(seq "$N"); do
		grep -q "ready: " "$T_DIR/run-m$i.log" && continue
		diag "m$i, not ready:" "$(tail -n 4 "$T_DIR/run-m$i.log")"
		shown=$((shown + 1))
		[ "$shown" -lt 5 ] || break
	done
fi
diag "mass start: $N tenants answering after $((t1 - t0)) ms; load: $(cut -d' ' -f1-3 /proc/loadavg)"
ok200=0
for i in $(seq "$N"); do
	[ "$(curl -s -o /dev/null --max-time 10 -w '%{http_code}' "http://127.0.0.1:$((PORT_BASE + i))/hello")" = 200 ] &&
		ok200=$((ok200 + 1))
done
expect_eq "every tenant serves /hello" "$N" "$ok200"
procs=0
for i in $(seq "$N"); do
	eval "u=\$USER_m$i"
	procs=$((procs + $(pgrep -c -u "$u" || true)))
done
diag "processes of the $N tenants: $procs"

# A host shutdown: every supervisor TERMed at once.
t0=$(now_ms)
for i in $(seq "$N"); do kill -TERM "${SV[$i]}"; done
bad_exit=()
for i in $(seq "$N"); do
	wait "${SV[$i]}"
	rc=$?
	[ "$rc" = 0 ] || bad_exit+=("m$i:$rc")
done
t1=$(now_ms)
diag "mass stop: all $N supervisors exited after $((t1 - t0)) ms"
expect_eq "every supervisor exits 0 after TERM" "" "${bad_exit[*]}"
killed=$(grep -l "did not stop within" "$T_DIR"/run-m*.log 2>/dev/null | wc -l)
expect_eq "every stop graceful: no SIGKILL at the stop timeout" 0 "$killed"
[ "$killed" = 0 ] || diag "$(grep -h "did not stop within\|stopping\|exited\|killed" "$T_DIR"/run-m*.log | head -20)"
left=0
for i in $(seq "$N"); do
	eval "u=\$USER_m$i"
	left=$((left + $(pgrep -c -u "$u" || true)))
done
expect_eq "no process of any tenant is left" 0 "$left"
expect_eq "no cgroup of the installation is left" "" "$(cg_group_dirs)"
# ------------------------------------------- 3. a stop is still bounded ---
mpj_tenant stub $((PORT_BASE + N + 1)) stubborn
printf 'mpjail-profile 1\ninclude default\ncommand /bin/sh /home/%s/stub.sh\n' "$USER_stub" \
	>"$CONF/profiles/stubborn.profile"
printf 'trap "" TERM INT HUP\necho up\nwhile :; do sleep 1; done\n' >"$HOMES/stub/stub.sh"
mpj build -q stub >/dev/null 2>&1
expect_eq "build the stubborn tenant" 0 "$?"
"$MPJAIL" run "${O[@]}" --stop-timeout 2 stub >>"$T_DIR/run-stub.log" 2>&1 &
sv=$!
T_PIDS+=($sv)
for _ in $(seq 100); do grep -q "^up" "$T_DIR/run-stub.log" 2>/dev/null && break; sleep 0.1; done
t0=$(now_ms)
kill -TERM "$sv"
for _ in $(seq 150); do kill -0 "$sv" 2>/dev/null || break; sleep 0.1; done
t1=$(now_ms)
check "the supervisor of a server ignoring TERM ends" bash -c "! kill -0 $sv 2>/dev/null"
wait "$sv" 2>/dev/null
diag "stubborn server: SIGKILL and exit $((t1 - t0)) ms after TERM (stop timeout 2 s, cap 6 s)"
check "within the cap (6 s) and a margin" test $((t1 - t0)) -lt 9000
expect_match "the log says why" "did not stop within 2 s \\([0-9]+ s since the signal, [0-9]+ s of them waiting for a CPU\\): SIGKILL" "$(cat "$T_DIR/run-stub.log")"
expect_eq "nothing of the stubborn tenant is left" "" "$(pgrep -u "$USER_stub" || true)"
done_testing
