#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `mpjail check` and `mpjail explain` on a good setup and on broken ones: a
# port conflict between two tenant files, a tampered jail tree, planted
# setuid and device files, an unsafe home and credentials, limits that do not
# add up.  Every broken case is repaired afterwards and check is clean again.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd useradd python3 mknod

mpj_env
SUF=$(($$ % 100000))
GA=ga$SUF
GB=gb$SUF
mpj_tenant "$GA" "$PORT_BASE" default
mpj_tenant "$GB" "$((PORT_BASE + 1))" default
eval "UA=\$USER_$GA"
PY=$(command -v python3)
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
mkdir -m 0700 "$CONF/credentials/$GA"
printf 'Top-s3cret-%s\n' "$$" >"$CONF/credentials/$GA/db_password"
chmod 0600 "$CONF/credentials/$GA/db_password"
quiet() { "$@" >/dev/null; }
check "build $GA" quiet mpj build -q "$GA"
check "build $GB" quiet mpj build -q "$GB"
TREE=$STATE/jails/$GA/root
[ -d "$TREE/etc" ] || { echo "Bail out! no jail tree at $TREE"; exit 1; }

json() { "$PY" -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# ------------------------------------------------------------ good setup ---
out=$(mpj check)
expect_eq "check on a good setup exits 0" 0 "$?"
expect_no_match "no FAIL on a good setup" '^FAIL ' "$out"
expect_eq "every line is OK|WARN|FAIL <subject>: <text>" "" \
	"$(printf '%s\n' "$out" | grep -Ev '^(OK|WARN|FAIL) [^ ]+: ' || true)"
expect_match "registry is checked" '^OK registry: 2 of 2 tenant files loaded' "$out"
expect_match "the jail tree matches its manifest" "^OK tenant:$GA: jail tree matches its manifest" "$out"
expect_match "the home is checked" "^OK tenant:$GA: home .*no symlink on the path, owned by the tenant" "$out"
expect_match "credentials are checked" "^OK tenant:$GA: 1 credential file, root-only" "$out"
expect_match "the account is resolved" "^OK tenant:$GA: account $UA: uid $(id -u "$UA")" "$out"
expect_match "limits are summarised" "^OK tenant:$GA: limits: memory 512M, tasks 128, nofile 4096" "$out"
expect_match "a stopped tenant's port is free" "^OK tenant:$GA: port $PORT_BASE: free" "$out"
expect_match "memory is summed against RAM x overcommit" '^(OK|WARN) host:memory: memory limits of 2 tenants sum to 1024M' "$out"
expect_match "Landlock is reported" '^(OK|WARN|FAIL) host:landlock: ' "$out"
for s in fs.protected_symlinks fs.protected_hardlinks fs.protected_regular fs.protected_fifos \
	kernel.yama.ptrace_scope dev.tty.legacy_tiocsti kernel.unprivileged_bpf_disabled \
	vm.unprivileged_userfaultfd kernel.kptr_restrict kernel.dmesg_restrict fs.suid_dumpable \
	kernel.io_uring_disabled kernel.core_pattern; do
	expect_match "host setting $s is reported" "^(OK|WARN) host:$s: " "$out"
done
# A value that is wrong must be shown with the recommendation, a missing one
# as "not available": whatever this host has, each line is one of those.
expect_eq "each host WARN names the recommended value or says not available" "" \
	"$(printf '%s\n' "$out" | grep '^WARN host:[a-z]*\.' | grep -Ev 'recommended|not available' || true)"

only=$(mpj check "$GB")
expect_eq "check NAME exits 0" 0 "$?"
expect_no_match "check NAME leaves the other tenants' per-tenant checks out" "tenant:$GA: (home|jail tree|port)" "$only"
expect_match "check NAME checks that tenant" "^OK tenant:$GB: jail tree matches" "$only"

js=$(mpj check --json)
expect_eq "check --json exits 0" 0 "$?"
expect_eq "check --json: no fail" 0 "$(printf '%s' "$js" | json 'd["fail"]')"
expect_eq "check --json: one finding per text line" "$(printf '%s\n' "$out" | wc -l)" \
	"$(printf '%s' "$js" | json 'len(d["findings"])')"
expect_eq "check --json: findings carry level, subject, text" "OK registry" \
	"$(printf '%s' "$js" | json '" ".join([(f["level"], f["subject"]) for f in d["findings"] if f["subject"] == "registry"][0])')"

mpj check nosuchtenant >/dev/null 2>&1
expect_eq "check of an unknown tenant is a usage error (100)" 100 "$?"

# ------------------------------------------------------------- explain ---
ex=$(mpj explain "$GA")
expect_eq "explain exits 0" 0 "$?"
expect_match "explain: identity" "^identity: +user $UA, uid $(id -u "$UA"), gid $(id -g "$UA")" "$ex"
expect_match "explain: namespaces" '^namespaces: +mount pid ipc uts cgroup' "$ex"
expect_match "explain: capabilities all dropped" '^capabilities: none' "$ex"
expect_match "explain: /usr is a recursive read-only bind" '^  /usr +bind-ro +ro,nosuid,nodev,rec +/usr$' "$ex"
expect_match "explain: the home is bound nosuid,nodev" "^  /home/$UA +home +nosuid,nodev +$HOMES/$GA\$" "$ex"
expect_match "explain: /proc is hidepid" '^  /proc +proc +nosuid,nodev,noexec +proc hidepid=invisible' "$ex"
expect_match "explain: the secrets tmpfs is planned" '^  /run/secrets +secrets +ro,nosuid,nodev,noexec' "$ex"
expect_match "explain: rlimit core 0 0" '^  core +0 0$' "$ex"
expect_match "explain: rlimit nofile from the limits" '^  nofile +4096 4096$' "$ex"
expect_match "explain: cgroup memory" '^  memory +512M$' "$ex"
expect_match "explain: cgroup location" "/$MPJ_GROUP/$GA/i-PID\$" "$ex"
expect_match "explain: ports" "^ports: +$PORT_BASE\$" "$ex"
expect_match "explain: Landlock" '^landlock: +ABI [0-9]+; bind\(\) only to the ports above' "$ex"
expect_match "explain: seccomp groups" '^  group sockets: ' "$ex"
expect_match "explain: credential names" '^credentials: +db_password ' "$ex"
expect_no_match "explain never shows a credential's content" "Top-s3cret" "$ex"
expect_match "explain: command" '^command: +/bin/sh$' "$ex"
expect_match "explain: environment" '^  PATH=/usr/local/bin:/usr/bin:/bin$' "$ex"

ej=$(mpj explain --json "$GA")
expect_eq "explain --json exits 0" 0 "$?"
expect_no_match "explain --json never shows a credential's content" "Top-s3cret" "$ej"
expect_eq "explain --json: identity" "$UA $(id -u "$UA") $(id -g "$UA")" \
	"$(printf '%s' "$ej" | json '"%s %d %d" % (d["identity"]["user"], d["identity"]["uid"], d["identity"]["gid"])')"
expect_eq "explain --json: namespaces and network" "mount pid ipc uts cgroup shared" \
	"$(printf '%s' "$ej" | json '" ".join(d["namespaces"] + [d["network"]])')"
expect_eq "explain --json: /usr mount" "bind-ro ro,nosuid,nodev True" \
	"$(printf '%s' "$ej" | json '" ".join([m["kind"] + " " + ",".join(m["flags"]) + " " + str(m["recursive"]) for m in d["mounts"] if m["target"] == "/usr"])')"
expect_eq "explain --json: capabilities empty, no_new_privs" "0 True" \
	"$(printf '%s' "$ej" | json '"%d %s" % (sum(len(v) for k, v in d["capabilities"].items() if k != "no_new_privs"), d["capabilities"]["no_new_privs"])')"
expect_eq "explain --json: rlimit core" "0 0" \
	"$(printf '%s' "$ej" | json '" ".join(["%d %d" % (r["soft"], r["hard"]) for r in d["rlimits"] if r["name"] == "core"])')"
expect_eq "explain --json: cgroup memory, swap, tasks" "536870912 0 128" \
	"$(printf '%s' "$ej" | json '"%d %d %d" % (d["cgroup"]["memory"], d["cgroup"]["swap"], d["cgroup"]["tasks"])')"
expect_eq "explain --json: ports and no holder" "[$PORT_BASE] []" \
	"$(printf '%s' "$ej" | json '"%s %s" % (d["ports"], d["port_holders"])')"
check "explain --json: Landlock ABI >= 4" test "$(printf '%s' "$ej" | json 'd["landlock"]["abi"]')" -ge 4
expect_match "explain --json: seccomp groups with rules" "sockets" \
	"$(printf '%s' "$ej" | json '" ".join(g["name"] for g in d["seccomp"]["groups"] if g["rules"])')"
expect_eq "explain --json: credentials are names" "['db_password']" \
	"$(printf '%s' "$ej" | json 'd["credentials"]')"
expect_eq "explain --json: command" "['/bin/sh']" "$(printf '%s' "$ej" | json 'd["command"]')"
expect_match "explain --json: environment" "PATH=/usr/local/bin" "$(printf '%s' "$ej" | json 'd["environment"]')"
mpj explain nosuchtenant >/dev/null 2>&1
expect_eq "explain of an unknown tenant exits 100" 100 "$?"

# ------------------------------------------------- broken: port conflict ---
mpj_tenant "gc$SUF" "$PORT_BASE" default
out=$(mpj check)
expect_eq "a port conflict between two tenant files fails check (1)" 1 "$?"
expect_match "the conflict names both files and the port" \
	"^FAIL registry: .*tenants/gc$SUF.conf:5: .*$PORT_BASE.*tenants/$GA.conf" "$out"
rm -f "$CONF/tenants/gc$SUF.conf"
check "check is clean again without the conflicting file" quiet mpj check

# ----------------------------------------------- broken: tampered tree ---
echo 'intruder:x:0:0::/:/bin/sh' >>"$TREE/etc/passwd"
out=$(mpj check "$GA")
expect_eq "a tampered jail tree file fails check (1)" 1 "$?"
expect_match "check reports the hash mismatch" \
	"^FAIL tenant:$GA: jail tree \`/etc/passwd\`: content changed: sha256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}" "$out"
chmod 0666 "$TREE/etc/group"
out=$(mpj check "$GA")
expect_match "check reports a changed mode" "^FAIL tenant:$GA: jail tree \`/etc/group\`: mode 0666, the manifest says 0644" "$out"
rm "$TREE/etc/hostname"
mkdir "$TREE/extra-dir"
ln -sfn /home "$TREE/var/run"
out=$(mpj check "$GA")
expect_match "check reports a missing entry" "^FAIL tenant:$GA: jail tree \`/etc/hostname\`: in the manifest but missing" "$out"
expect_match "check reports an extra entry" "^FAIL tenant:$GA: jail tree \`/extra-dir\`: directory not in the manifest" "$out"
expect_match "check reports a changed symlink" "^FAIL tenant:$GA: jail tree \`/var/run\`: symlink to \`/home\`, the manifest says \`/run\`" "$out"
check "rebuild $GA" quiet mpj build -q "$GA"
check "check is clean after the rebuild" quiet mpj check "$GA"

# ------------------------------------------ broken: setuid and devices ---
install -o root -g root -m 4755 /bin/true "$TREE/usr-suid"
mknod -m 0666 "$TREE/dev-null" c 1 3
out=$(mpj check "$GA")
expect_eq "a planted setuid file fails check (1)" 1 "$?"
expect_match "check names the setuid file" "^FAIL tenant:$GA: jail tree \`/usr-suid\`: setuid file \\(mode 4755\\)" "$out"
expect_match "check names the device node" "^FAIL tenant:$GA: jail tree \`/dev-null\`: a char device" "$out"
expect_match "the planted files are also not in the manifest" "^FAIL tenant:$GA: jail tree \`/usr-suid\`: file not in the manifest" "$out"
ej=$(mpj check --json "$GA")
check "check --json counts the failures" test "$(printf '%s' "$ej" | json 'd["fail"]')" -ge 4
check "rebuild $GA removes them" quiet mpj build -q "$GA"
check "check is clean after the rebuild" quiet mpj check "$GA"

# ------------------------------------- broken: home, credentials, limits ---
chmod 0757 "$HOMES/$GA"
chmod 0644 "$CONF/credentials/$GA/db_password"
out=$(mpj check "$GA")
expect_eq "a world-writable home and readable credential fail check" 1 "$?"
expect_match "check names the world-writable home" "^FAIL tenant:$GA: home .* is writable by everyone \\(mode 0757\\)" "$out"
expect_match "check names the credential file" "^FAIL tenant:$GA: credential \`.*/db_password\` must be a root-owned regular file" "$out"
chmod 0750 "$HOMES/$GA"
chmod 0600 "$CONF/credentials/$GA/db_password"
mv "$HOMES/$GB" "$HOMES/$GB.real"
ln -s "$HOMES/$GB.real" "$HOMES/$GB"
out=$(mpj check "$GB")
expect_match "a home that is a symlink fails" "^FAIL tenant:$GB: .*tenants/$GB.conf:3: home .* is or passes through a symlink" "$out"
rm "$HOMES/$GB"
mv "$HOMES/$GB.real" "$HOMES/$GB"

mpj_tenant gd "$((PORT_BASE + 3))" modperl $'[limits]\nmemory = 32M\ntasks = 6\nnofile = 128'
out=$(mpj check gd)
expect_match "check warns about memory below 64M for mod_perl" '^WARN tenant:gd: memory 32M is below 64M' "$out"
expect_match "check warns about tasks below the httpd margin" '^WARN tenant:gd: tasks 6 leaves no room for MaxRequestWorkers 1' "$out"
expect_match "check warns about nofile below 256" '^WARN tenant:gd: nofile 128 is below 256' "$out"
expect_match "an unbuilt tree fails" "^FAIL tenant:gd: jail tree .* not built: run \`mpjail build gd\`" "$out"
rm -f "$CONF/tenants/gd.conf"

echo 'overcommit = 1' >>"$CONF/mpjail.conf"
out=$(mpj check)
expect_match "memory limits above RAM x overcommit warn" \
	'^WARN host:memory: memory limits of 2 tenants sum to 1024M; .* x overcommit 1% = .*exhaust the host' "$out"
sed -i '/^overcommit = 1$/d' "$CONF/mpjail.conf"

printf '[mpjail]\nport_range = nonsense\n' >"$CONF/mpjail.conf.new"
mv "$CONF/mpjail.conf" "$CONF/mpjail.conf.good"
mv "$CONF/mpjail.conf.new" "$CONF/mpjail.conf"
msg=$(mpj check 2>&1)
expect_eq "a broken mpjail.conf is a configuration error (100)" 100 "$?"
expect_match "the error names the file and line" 'mpjail.conf:2: .*nonsense' "$msg"
mv "$CONF/mpjail.conf.good" "$CONF/mpjail.conf"
check "check is clean at the end" quiet mpj check
done_testing
