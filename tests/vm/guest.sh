#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs inside the Debian 12 guest of tests/vm/run, as root, at every boot
# (vmtest.service of tests/vm/image.sh), from the read-only payload disk.
# Boot 1: the README's two commands on the fresh system, then the admin's
# install (docs/admin.md, literally), units, limits, reload, polkit, a
# private-network tenant; then enables mpjail.target and reboots.
# Boot 2: every tenant back, then `systemctl stop` leaves nothing.
# Each check prints "vmtest: ok|FAIL NAME"; the last line is the tally.
set -uo pipefail

PAY=/mnt/payload
STATE=/var/lib/vmtest
SRC=/root/mpjail
LOGS=/var/log/vmtest
mkdir -p "$STATE" "$LOGS"
# shellcheck source=/dev/null
[ -f "$PAY/config" ] && . "$PAY/config"
: "${VMTEST_TESTS=--suite unit --suite lint --suite fuzz}"
: "${VMTEST_INTEGRATION=privnet}"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
t0=$(date +%s)

say() { echo "vmtest: [$(($(date +%s) - t0))s] $*"; }
ok() {
	echo "ok $1" >>"$STATE/results"
	say "ok $1"
}
fail() {
	echo "FAIL $1" >>"$STATE/results"
	say "FAIL $1${2:+: $2}"
}
# step NAME CMD...: run CMD with its output in LOGS/NAME.log; on failure
# show the end of it.
step() {
	local name=$1
	shift
	say "start $name"
	if "$@" >"$LOGS/$name.log" 2>&1; then
		ok "$name"
	else
		local rc=$?
		tail -n 60 "$LOGS/$name.log" | sed "s/^/vmtest: $name| /"
		fail "$name" "exit $rc"
		return 1
	fi
}
# check NAME CMD...: like step, for short checks (output shown on failure).
check() { step "$@"; }

finish() {
	local p f
	p=$(grep -c '^ok ' "$STATE/results" 2>/dev/null)
	f=$(grep -c '^FAIL ' "$STATE/results" 2>/dev/null)
	say "boot $phase done"
	echo "vmtest: ${p:-0} passed, ${f:-0} failed"
	sync
	systemctl poweroff
	exit 0
}

# wait_for SECONDS CMD...: retry CMD once a second.
wait_for() {
	local n=$1
	shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 1
	done
}

port_of() { sed -n 's/^ports *= *\([0-9]*\).*/\1/p' "/etc/mpjail/tenants/$1.conf"; }
answers() { curl -fsS -o /dev/null --max-time 20 "http://127.0.0.1:$(port_of "$1")/"; }
# The tenant's instance cgroup below its unit (Delegate=yes).
instance_cg() {
	local unit
	unit=$(systemctl show -p ControlGroup --value "mpjail@$1.service")
	find "/sys/fs/cgroup$unit" -mindepth 3 -maxdepth 3 -type d -path "*/mpjail-*/$1/i-*" | head -n 1
}
leftovers() {
	local u
	for u in "$@"; do
		if pgrep -u "$u" >/dev/null; then
			echo "processes of $u left:"
			ps -o pid,user,cmd -u "$u"
			return 1
		fi
	done
	if find /sys/fs/cgroup -type d -name 'mpjail-*' | grep .; then
		echo "cgroups left (above)"
		return 1
	fi
}

refused() { ! "$@"; }
# ran_tests LOG: meson ran at least one test there, and skipped none (its
# summary lines end in blanks).
ran_tests() {
	grep -E '^(Ok|Skipped): ' "$1"
	grep -Eq '^Ok: +[1-9]' "$1" && grep -Eq '^Skipped: +0 *$' "$1"
}
# list_skips: the Criterion tests that skip here, with their reasons
# ("Test is disabled" is only the filter), on the console.
list_skips() {
	local t
	for t in build/tests/test_{cgroup,config,control,filter,landlock,portcheck,sysfiles}; do
		[ -x "$t" ] || continue
		MPJAIL_NO_SKIP=0 "$t" --verbose 2>&1 | grep '^\[SKIP\]' | grep -v 'Test is disabled' |
			sed "s|^|vmtest: skip: ${t##*/}: |"
	done
	true
}
no_restarts() { [ "$(systemctl show -p NRestarts --value "mpjail@$1")" = 0 ]; }
same_main_pid() { [ "$(systemctl show -p MainPID --value "mpjail@$1")" = "$2" ]; }
bob_limits() {
	local cg t
	cg=$(instance_cg bob)
	[ -n "$cg" ] || {
		echo "no instance cgroup below $(systemctl show -p ControlGroup --value mpjail@bob)"
		return 1
	}
	# The limits sit on the TENANT node, shared by every instance of the
	# tenant (docs/limits.md); the instance holds the processes.
	t=${cg%/*}
	echo "$cg"
	head "$t/memory.max" "$t/pids.max" "$t/cpu.max" "$cg/cgroup.procs"
	[ "$(cat "$t/memory.max")" = 209715200 ] &&
		[ "$(cat "$t/pids.max")" = 30 ] &&
		[ "$(cut -d' ' -f1 "$t/cpu.max")" = 50000 ] &&
		grep -q . "$cg/cgroup.procs"
}
is_idle() { mpjail status "$1" | grep -q "^tenant $1: idle"; }
has_jail() { [ -n "$(instance_cg "$1")" ]; }
no_jail() { ! pgrep -u "$1" >/dev/null && [ -z "$(instance_cg "$1")" ]; }
oom_reported() {
	local out rc=0
	out=$(mpjail exec "$1" -- perl -e 'my @a; push @a, q(x) x 1048576 while 1' 2>&1) || rc=$?
	echo "rc=$rc: $out"
	[ "$rc" = 137 ] && grep -q "out of memory" <<<"$out"
}

phase=$(cat "$STATE/phase" 2>/dev/null || echo 1)
echo "$phase" >"$STATE/phase"
say "boot $phase on $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo)"

if [ "$phase" = 1 ]; then
	# The host side's facts the tests rely on.
	check cgroup2-only sh -c '[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]'
	check systemd-pid1 sh -c '[ "$(cat /proc/1/comm)" = systemd ]'

	rm -rf "$SRC"
	cp -a "$PAY/src" "$SRC"
	cd "$SRC" || exit 1
	say "checkout $(cat "$PAY/commit" 2>/dev/null)"

	# The README's two commands, as a new admin runs them.
	step quickstart ./scripts/quickstart
	step quickstart-stop ./scripts/quickstart --stop
	# The unit tests may skip here, loudly, and only what the guest lacks:
	# Landlock ABI 4 (6.1 has 2).  The skips are listed.
	# shellcheck disable=SC2086 # VMTEST_TESTS is a list of meson test args
	step scripts-test env MPJAIL_NO_SKIP=0 ./scripts/test --no-suite vm $VMTEST_TESTS
	list_skips
	# A selection that matches nothing passes in meson: count what ran.
	check scripts-test-ran ran_tests "$LOGS/scripts-test.log"
	# The real-cgroup tests on pure v2 with systemd's controllers: each
	# worker asks systemd for a delegated scope of its own, so none may skip.
	step cgroup-real env MPJAIL_NO_SKIP=1 build/tests/test_cgroup --verbose \
		--filter 'cgroup_real/*'
	if [ -n "$VMTEST_INTEGRATION" ]; then
		# shellcheck disable=SC2086 # a list of test names
		step integration env MPJAIL_NO_SKIP=1 \
			meson test -C build --print-errorlogs $VMTEST_INTEGRATION
		check integration-ran ran_tests "$LOGS/integration.log"
	fi

	# The admin's install, literally as docs/admin.md writes it.
	./scripts/doc-commands docs/admin.md install >"$STATE/install.sh" || fail doc-commands
	step install bash -e "$STATE/install.sh"
	check alice-active systemctl is-active mpjail@alice.service
	check alice-answers answers alice
	# Type=notify: READY=1 came from the supervisor (MainPID), not a child.
	check alice-no-restarts no_restarts alice
	# exec from a cgroup shared with others (this service, like a login
	# session): mpjail asks systemd for a scope of its own first.
	check exec-from-shell sh -c '[ "$(mpjail exec alice -- id -un)" = alice ]'

	# A second tenant with known limits and a private network.
	id bob >/dev/null 2>&1 || useradd -m -d /srv/bob -s /usr/sbin/nologin bob
	cat >/etc/mpjail/tenants/bob.conf <<-EOF
		[tenant]
		user = bob
		home = /srv/bob
		profile = vmprivate
		ports = 20102

		[limits]
		memory = 200M
		tasks = 30
		cpu_quota = 50
	EOF
	cat >/etc/mpjail/profiles/vmprivate.profile <<-EOF
		mpjail-profile 1
		include modperl
		network private
	EOF
	check bob-build mpjail build bob
	check bob-start systemctl enable --now mpjail@bob.service
	check bob-answers wait_for 60 answers bob
	check bob-limits-v2 bob_limits
	# An allocation past the limit is killed by the memcg, and said so.
	check oom-reported oom_reported bob

	# Reload: a new generation, same supervisor.
	pid=$(systemctl show -p MainPID --value mpjail@alice)
	check alice-reload systemctl reload mpjail@alice.service
	check alice-reload-same-pid same_main_pid alice "$pid"
	check alice-after-reload answers alice
	# The tenant's own restart over the control socket, and systemctl
	# through the polkit rule after a tenant's stop.
	check alice-self-restart runuser -u alice -- mpjail restart alice
	check alice-after-self-restart wait_for 60 answers alice
	check alice-self-stop runuser -u alice -- mpjail stop alice
	check alice-polkit-start runuser -u alice -- systemctl start mpjail@alice.service
	check alice-after-polkit wait_for 60 answers alice
	check bob-cannot-restart-alice refused runuser -u bob -- systemctl restart mpjail@alice.service

	# Scale to zero under systemd on cgroup v2 (issue 10): active while
	# idle (READY=1 with no jail), the first request starts the jail in
	# the unit's delegated cgroup, idle again after idle_stop.
	id carol >/dev/null 2>&1 || useradd -m -d /srv/carol -s /usr/sbin/nologin carol
	printf '[tenant]\nuser = carol\nhome = /srv/carol\nports = 20103\nidle_stop = 10s\n' \
		>/etc/mpjail/tenants/carol.conf
	check carol-build mpjail build carol
	check carol-start systemctl enable --now mpjail@carol.service
	check carol-idle wait_for 30 is_idle carol
	check carol-no-jail-while-idle no_jail carol
	check carol-cold-start answers carol
	check carol-jail-in-unit-cgroup has_jail carol
	check carol-idle-again wait_for 60 is_idle carol
	check carol-no-jail-after-idle-stop wait_for 20 no_jail carol

	check target-enable systemctl enable mpjail.target
	echo 2 >"$STATE/phase"
	say "rebooting"
	sync
	systemctl reboot
	exit 0
fi

if [ "$phase" = 2 ]; then
	check back-alice wait_for 180 answers alice
	check back-bob wait_for 180 answers bob
	check back-carol-idle wait_for 180 is_idle carol
	check back-carol-answers answers carol
	check stop-target systemctl stop mpjail.target
	check stopped-inactive refused systemctl is-active mpjail@alice.service mpjail@bob.service \
		mpjail@carol.service
	check nothing-left leftovers alice bob carol
	echo 3 >"$STATE/phase"
	finish
fi
finish
