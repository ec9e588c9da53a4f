#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `mpjail build`: tree contents, modes, owners and manifest; atomic rebuilds
# (a failed build leaves the old tree byte-identical and nothing aside); the
# home skeleton copied as the tenant without overwriting; symlinked homes
# refused; tenant-planted symlinks and hard links never written through.
. "$MPJAIL_SRC/tests/integration/lib.sh"

require_root
require_cmd find sha256sum setpriv
mpj_env

# A private data dir (the shipped profiles and skel plus test templates), so
# a broken template never touches the source tree.
DATA=$T_DIR/data
mkdir -p "$DATA"
cp -a "$MPJAIL_SRC/profiles" "$MPJAIL_SRC/skel" "$DATA/"
chown -R root:root "$DATA"
chmod -R go-w "$DATA"
mkdir -p "$DATA/skel/test"
printf 'ok @TENANT@\n' >"$DATA/skel/test/good.in"
printf 'line one\nline two @TENANT@\nListen @NOPE@\n' >"$DATA/skel/test/bad.in"
chmod 0644 "$DATA/skel/test/"*.in

mpjd() {
	local cmd=$1
	shift
	"$MPJAIL" "$cmd" --config-dir "$CONF" --state-dir "$STATE" --run-dir "$RUN" \
		--data-dir "$DATA" "$@"
}

# snapshot DIR...: owner, mode, size, mtime and content hash of everything.
snapshot() {
	find "$@" -printf '%p %U %G %m %s %T@\n' 2>/dev/null | LC_ALL=C sort
	find "$@" -type f -exec sha256sum {} + 2>/dev/null | LC_ALL=C sort
}

# Our own manifest from find(1), for trees without special characters in
# names: TYPE MODE UID GID SHA|-|TARGET PATH.
manifest_of() {
	local root=$1 p rel
	find "$root" -mindepth 0 | while IFS= read -r p; do
		rel=${p#"$root"}
		[ -z "$rel" ] && rel=/
		if [ -L "$p" ]; then
			printf 'l %04o %s %s %s %s\n' "0$(stat -c %a "$p")" "$(stat -c %u "$p")" \
				"$(stat -c %g "$p")" "$(readlink "$p")" "$rel"
		elif [ -d "$p" ]; then
			printf 'd %04o %s %s - %s\n' "0$(stat -c %a "$p")" "$(stat -c %u "$p")" \
				"$(stat -c %g "$p")" "$rel"
		else
			printf 'f %04o %s %s %s %s\n' "0$(stat -c %a "$p")" "$(stat -c %u "$p")" \
				"$(stat -c %g "$p")" "$(sha256sum <"$p" | cut -d' ' -f1)" "$rel"
		fi
	done | LC_ALL=C sort
}

no_aside() { ! ls -A "$STATE/jails" | grep -q '\.new-'; }

# ---- usage ----
out=$(mpj build 2>&1); rc=$?
expect_eq "no tenant name: usage error 100" 100 "$rc"
out=$(mpj build --all alice 2>&1); rc=$?
expect_eq "--all with names: usage error 100" 100 "$rc"
out=$(mpj build 'Bad/Name' 2>&1); rc=$?
expect_eq "invalid tenant name: 100" 100 "$rc"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$MPJAIL" build \
	--config-dir "$CONF" --state-dir "$STATE" alice 2>&1); rc=$?
expect_eq "not root: 100" 100 "$rc"
expect_match "not root: says so" "must be run as root" "$out"

# ---- a tree with the default profile ----
mpj_tenant alice "$PORT_BASE" default
U=$USER_alice
UID_A=$(id -u "$U")
out=$(mpj build alice 2>&1); rc=$?
expect_eq "build alice (default profile) succeeds" 0 "$rc"
expect_match "one-line summary" "^alice: tree .*/jails/alice \([0-9]+ entries, new\)" "$out"
J=$STATE/jails/alice
R=$J/root
expect_eq "STATE, jails, tree are root:root 0755" "0:0:755 0:0:755 0:0:755 0:0:755" \
	"$(stat -c %u:%g:%a "$STATE" "$STATE/jails" "$J" "$R" | xargs)"
for d in usr proc dev tmp run run/secrets home "home/$U" dev/shm run/lock etc; do
	check "mount point /$d is a root-owned 0755 directory" \
		test "$(stat -c %F:%u:%g:%a "$R/$d" 2>/dev/null)" = "directory:0:0:755"
done
expect_eq "/bin -> usr/bin" "usr/bin" "$(readlink "$R/bin")"
expect_eq "/var/run -> /run" "/run" "$(readlink "$R/var/run")"
expect_match "passwd has the tenant with the jail home" \
	"^$U:x:$UID_A:[0-9]+:$U:/home/$U:" "$(cat "$R/etc/passwd")"
expect_match "group has the tenant's group" ":x:$(id -g "$U"):$U\$" "$(cat "$R/etc/group")"
expect_eq "hosts" "$(printf '127.0.0.1 localhost\n127.0.1.1 alice')" "$(cat "$R/etc/hosts")"
expect_eq "nsswitch: files, hosts also dns" "$(printf 'passwd: files\ngroup: files\nhosts: files dns')" \
	"$(cat "$R/etc/nsswitch.conf")"
expect_eq "hostname" "alice" "$(cat "$R/etc/hostname")"
expect_eq "no setuid/setgid files, no device nodes, fifos or sockets" "" \
	"$(find "$R" \( -perm /6000 -o -type b -o -type c -o -type p -o -type s \) -print)"
expect_eq "nothing owned by anyone but root" "" "$(find "$R" \( ! -uid 0 -o ! -gid 0 \) -print)"
expect_eq "files are 0644" "" "$(find "$R" -type f ! -perm 0644 -print)"
expect_eq "directories are 0755" "" "$(find "$R" -type d ! -perm 0755 -print)"
expect_eq "manifest matches the tree" "$(manifest_of "$R")" "$(LC_ALL=C sort "$J/manifest")"
expect_eq "manifest is root:root 0644" "0:0:644" "$(stat -c %u:%g:%a "$J/manifest")"
check "seccomp filter stored beside the tree" test -s "$J/seccomp.bpf"
check "no .new dirs left" no_aside

# ---- rebuild: atomic swap, deterministic ----
before_manifest=$(cat "$J/manifest")
ino_before=$(stat -c %i "$J")
out=$(mpj build alice 2>&1); rc=$?
expect_eq "rebuild succeeds" 0 "$rc"
expect_match "rebuild replaced the tree" "entries, replaced\)" "$out"
expect_eq "rebuild gives the same manifest" "$before_manifest" "$(cat "$J/manifest")"
check "rebuild swapped in a new directory" test "$(stat -c %i "$J")" != "$ino_before"
check "no .new dirs after the rebuild" no_aside

# ---- failing rebuilds leave the old tree byte-identical ----
snap=$(snapshot "$STATE")
cat >"$CONF/profiles/broken.profile" <<PROFILE_END
mpjail-profile 1
include default
template test/good.in /etc/good.conf
template test/bad.in /etc/bad.conf
PROFILE_END
sed -i 's/^profile = .*/profile = broken/' "$CONF/tenants/alice.conf"
out=$(mpjd build alice 2>&1); rc=$?
expect_eq "unknown template variable: exit 100" 100 "$rc"
expect_match "names template file:line and the variable" "test/bad.in:3: .*@NOPE@" "$out"
expect_eq "old tree byte-identical after a config error" "$snap" "$(snapshot "$STATE")"
check "no .new dirs after a config error" no_aside

# A template others may write is refused like any other configuration.
printf 'mpjail-profile 1\ninclude default\ntemplate test/good.in /etc/good.conf\n' \
	>"$CONF/profiles/gw.profile"
sed -i 's/^profile = .*/profile = gw/' "$CONF/tenants/alice.conf"
chmod 0666 "$DATA/skel/test/good.in"
out=$(mpjd build alice 2>&1); rc=$?
expect_eq "group/other-writable template: exit 100" 100 "$rc"
expect_match "names the template" "test/good.in: writable by group or others" "$out"
expect_eq "old tree untouched by a refused template" "$snap" "$(snapshot "$STATE")"
chmod 0644 "$DATA/skel/test/good.in"
out=$(mpjd build alice 2>&1); rc=$?
expect_eq "rendered template in the tree" "ok alice" "$(cat "$STATE/jails/alice/root/etc/good.conf")"
sed -i 's/^profile = .*/profile = default/' "$CONF/tenants/alice.conf"
mpj build alice >/dev/null 2>&1
snap=$(snapshot "$STATE")

# A failure while writing: STATE on a small tmpfs, filled up.
SMALL=$T_DIR/small
mkdir -p "$SMALL"
if mount -t tmpfs -o size=256k,mode=0755 mpjail-test "$SMALL"; then
	T_CLEANUP+=("umount -l '$SMALL'")
	mpjs() { "$MPJAIL" build --config-dir "$CONF" --state-dir "$SMALL" --data-dir "$DATA" "$@"; }
	mpjs alice >/dev/null 2>&1
	check "build on the small tmpfs" test -f "$SMALL/jails/alice/manifest"
	dd if=/dev/zero of="$SMALL/fill" bs=4k >/dev/null 2>&1
	ssnap=$(snapshot "$SMALL/jails/alice")
	out=$(mpjs alice 2>&1); rc=$?
	expect_eq "disk full while writing: exit 111" 111 "$rc"
	expect_match "names the failing path" "jails/\.alice\.new-.*: No space left" "$out"
	expect_eq "old tree intact after a write failure" "$ssnap" "$(snapshot "$SMALL/jails/alice")"
	check "half-built tree removed" test -z "$(ls -A "$SMALL/jails" | grep '\.new-')"
	rm -f "$SMALL/fill"
	umount "$SMALL"
else
	not_ok "cannot mount a tmpfs for the disk-full test"
fi

# STATE/jails writable by others: refused, nothing changed.
chmod 0775 "$STATE/jails"
out=$(mpj build alice 2>&1); rc=$?
expect_eq "group-writable STATE/jails: exit 111" 111 "$rc"
expect_match "says why" "jails.*Operation not permitted" "$out"
chmod 0755 "$STATE/jails"
expect_eq "tree untouched by the refused build" "$snap" "$(snapshot "$STATE")"

# Port conflict in ANOTHER tenant's file: building alice is refused.
mpj_tenant zed "$PORT_BASE" default
out=$(mpj build alice 2>&1); rc=$?
expect_eq "port conflict across tenants: exit 100" 100 "$rc"
expect_match "names the port" "$PORT_BASE" "$out"
expect_eq "tree untouched by a registry error" "$snap" "$(snapshot "$STATE")"
rm -f "$CONF/tenants/zed.conf"

# ---- home skeleton, as the tenant ----
mpj_tenant bob "$((PORT_BASE + 1))" modperl "allow_conf = yes"
U=$USER_bob
HB=$HOMES/bob
mkdir -p "$HB/htdocs"
printf 'my own page\n' >"$HB/htdocs/index.html"
chown -R "$U:$U" "$HB/htdocs"
out=$(mpjd build bob 2>&1); rc=$?
expect_eq "build bob (modperl profile, home skeleton) succeeds" 0 "$rc"
expect_eq "existing tenant file not overwritten" "my own page" "$(cat "$HB/htdocs/index.html")"
check "skeleton file created" test -f "$HB/perl/startup.pl"
expect_eq "every home entry belongs to the tenant" "" \
	"$(find "$HB" \( ! -user "$U" -o ! -group "$U" \) -print)"
expect_eq "no setuid/setgid or group/other-writable entry in the home" "" \
	"$(find "$HB" -perm /6022 ! -type l -print)"
C=$STATE/jails/bob/root/etc/apache2/httpd.conf
expect_match "httpd.conf rendered: Listen" "^Listen 127.0.0.1:$((PORT_BASE + 1))\$" "$(cat "$C")"
expect_match "httpd.conf rendered: conf/ included" "^IncludeOptional /home/$U/conf/\*\.conf\$" \
	"$(cat "$C")"
expect_no_match "httpd.conf: no @VAR@ left" "@[A-Z_]+@" "$(cat "$C")"
expect_eq "copied host file is identical" "$(sha256sum </etc/mime.types)" \
	"$(sha256sum <"$STATE/jails/bob/root/etc/mime.types")"
out=$(mpjd build bob 2>&1); rc=$?
expect_match "second build keeps everything" "0 created, [0-9]+ kept, 0 skipped" "$out"

# A missing home is created, owned by the tenant, 0750.
mpj_tenant carol "$((PORT_BASE + 2))" modperl
rmdir "$HOMES/carol"
out=$(mpjd build carol 2>&1); rc=$?
expect_eq "build with a missing home succeeds" 0 "$rc"
expect_eq "created home: tenant-owned 0750" "$USER_carol:750" "$(stat -c %U:%a "$HOMES/carol")"
check "created home got the skeleton" test -f "$HOMES/carol/htdocs/index.html"
# A new home is filled by root while only root can enter it, then handed
# over (docs/design.md "A new home is filled without a child"): the same
# entries, types and modes as the skeleton, every one the tenant's.
listing() { (cd "$1" && find . -mindepth 1 -printf '%P %y %m\n' | LC_ALL=C sort); }
expect_eq "created home: the skeleton's entries, types and modes" \
	"$(listing "$DATA/skel/home/modperl")" "$(listing "$HOMES/carol")"
expect_eq "created home: every entry the tenant's" "" \
	"$(find "$HOMES/carol" \( ! -user "$USER_carol" -o ! -group "$USER_carol" \) -print)"
expect_match "created home: reported as created" "home $HOMES/carol \(created\): [1-9][0-9]* created, 0 kept" "$out"
out=$(mpjd build carol 2>&1); rc=$?
expect_match "created home: a rebuild keeps it all" "0 created, [0-9]+ kept, 0 skipped" "$out"
# A complete home needs no child; one entry gone, and the child puts it back.
rm "$HOMES/carol/htdocs/index.html"
out=$(mpjd build carol 2>&1); rc=$?
expect_match "a removed skeleton file is copied again" "1 created, [0-9]+ kept, 0 skipped" "$out"
expect_eq "the copy is the tenant's" "$USER_carol" "$(stat -c %U "$HOMES/carol/htdocs/index.html")"

# ---- refused homes: exit 100, nothing built ----
etc_list() { find /etc -maxdepth 1 -printf '%p %U %G %m\n' | LC_ALL=C sort; }
mpj_tenant dave "$((PORT_BASE + 3))" modperl
rmdir "$HOMES/dave"
ln -s /etc "$HOMES/dave"
etc_snap=$(etc_list)
out=$(mpjd build dave 2>&1); rc=$?
expect_eq "home that is a symlink to /etc: exit 100" 100 "$rc"
expect_match "says it is a symlink" "dave.conf: home .* symlink" "$out"
check "nothing built for dave" test ! -e "$STATE/jails/dave"
check "/etc got no skeleton files" test ! -e /etc/htdocs -a ! -e /etc/index.html
expect_eq "/etc owners and modes unchanged" "$etc_snap" "$(etc_list)"
rm -f "$HOMES/dave"

# Through a symlinked parent.
mkdir -p "$T_DIR/real"
chmod 0755 "$T_DIR/real"
ln -s "$T_DIR/real" "$T_DIR/linked"
mkdir "$T_DIR/real/dave"
chown "$USER_dave:$USER_dave" "$T_DIR/real/dave"
sed -i "s|^home = .*|home = $T_DIR/linked/dave|" "$CONF/tenants/dave.conf"
out=$(mpjd build dave 2>&1); rc=$?
expect_eq "home through a symlinked parent: exit 100" 100 "$rc"
check "nothing built for dave" test ! -e "$STATE/jails/dave"
check "nothing copied into the real directory" test -z "$(ls -A "$T_DIR/real/dave")"

# A home owned by someone else.
sed -i "s|^home = .*|home = $T_DIR/real/dave|" "$CONF/tenants/dave.conf"
chown root:root "$T_DIR/real/dave"
out=$(mpjd build dave 2>&1); rc=$?
expect_eq "home not owned by the tenant: exit 100" 100 "$rc"
expect_match "names the owner problem" "owned by uid 0" "$out"
rm -f "$CONF/tenants/dave.conf"

# ---- tenant-planted symlinks and hard links inside the home ----
mpj_tenant eve "$((PORT_BASE + 4))" modperl
U=$USER_eve
HE=$HOMES/eve
OUT=$T_DIR/outside
mkdir -p "$OUT/dir"
printf 'root secret\n' >"$OUT/rootfile"
printf 'root hard\n' >"$OUT/hardfile"
chmod 0644 "$OUT/rootfile" "$OUT/hardfile"
ln -s /etc "$HE/htdocs"                     # a whole skeleton dir -> /etc
mkdir "$HE/perl"
ln -s "$OUT/rootfile" "$HE/perl/startup.pl" # a skeleton file -> root's file
ln -s "$OUT/dir" "$HE/perl/Mpjail"          # a skeleton dir -> root's dir
mkdir "$HE/conf"
ln "$OUT/hardfile" "$HE/conf/README"        # a hard link to root's file
chown -h "$U:$U" "$HE/htdocs" "$HE/perl" "$HE/perl/startup.pl" "$HE/perl/Mpjail" "$HE/conf"
out_snap=$(snapshot "$OUT")
etc_snap=$(etc_list)
out=$(mpjd build eve 2>&1); rc=$?
expect_eq "build with planted links succeeds" 0 "$rc"
expect_match "warns about the skipped symlinked dir" "warning: .*perl/Mpjail" "$out"
expect_eq "nothing outside the home written or chowned" "$out_snap" "$(snapshot "$OUT")"
check "/etc got no index.html" test ! -e /etc/index.html
expect_eq "/etc owners and modes unchanged" "$etc_snap" "$(etc_list)"
expect_eq "hard-linked file keeps root's content" "root hard" "$(cat "$OUT/hardfile")"
expect_eq "symlinked skeleton dir stays empty" "" "$(ls -A "$OUT/dir")"
check "planted symlinks still there" test -L "$HE/htdocs" -a -L "$HE/perl/startup.pl"
check "unaffected skeleton parts created" test -f "$HE/logs/.keep"

# ---- the skeleton is configuration: root-owned, writable by nobody else ----
# Its files land in every new home and startup.pl runs in that tenant's
# httpd: a skeleton another user can write is code injected into other
# tenants' jails, refused like a writable template (docs/threats.md T36).
SK=$DATA/skel/home/modperl
snap=$(snapshot "$STATE" "$HE")
chmod 0666 "$SK/perl/startup.pl"
out=$(mpjd build eve 2>&1); rc=$?
expect_eq "other-writable skeleton file: exit 100" 100 "$rc"
expect_match "names the skeleton file" "skel/home/modperl/perl/startup.pl.*(writable|root-owned)" "$out"
chmod 0644 "$SK/perl/startup.pl"
chown "$USER_eve" "$SK/perl/Mpjail/Hello.pm"
out=$(mpjd build eve 2>&1); rc=$?
expect_eq "skeleton file owned by a tenant: exit 100" 100 "$rc"
expect_match "names it" "perl/Mpjail/Hello.pm" "$out"
chown root "$SK/perl/Mpjail/Hello.pm"
chmod 0777 "$SK/htdocs"
out=$(mpjd build eve 2>&1); rc=$?
expect_eq "other-writable skeleton directory: exit 100" 100 "$rc"
chmod 0755 "$SK/htdocs"
chmod 0775 "$SK"
out=$(mpjd build eve 2>&1); rc=$?
expect_eq "group-writable skeleton root: exit 100" 100 "$rc"
chmod 0755 "$SK"
expect_eq "refused skeletons changed nothing" "$snap" "$(snapshot "$STATE" "$HE")"

# ---- the tenant stops the copying child (it runs with the tenant's uid) ----
# A SIGSTOPped child must not hang `mpjail build` (and with --all every
# tenant after this one): the copy is abandoned and the build says so.
mpj_tenant fay "$((PORT_BASE + 5))" modperl
HF=$HOMES/fay
UID_F=$(id -u "$USER_fay")
STOPPER_END=$T_DIR/stopper.end
(cd / && exec setpriv --reuid="$UID_F" --regid="$(id -g "$USER_fay")" --clear-groups \
	--no-new-privs /usr/bin/python3 -c '
import os, signal, sys, time
me, end = os.getpid(), time.time() + 120
while time.time() < end and not os.path.exists(sys.argv[1]):
    for d in os.listdir("/proc"):
        if d.isdigit() and int(d) != me:
            try:
                os.kill(int(d), signal.SIGSTOP)  # only our own uid is allowed
            except OSError:
                pass
' "$STOPPER_END") &
STOPPER=$!
T_PIDS+=("$STOPPER")
# 2000 more skeleton files keep the copying child alive for tens of ms, so
# the sweep over the tenant's pids meets it in most attempts.  The stock
# skeleton is copied in well under a millisecond: catching it was luck,
# and 40 attempts caught nothing once (2026-12-07).
mkdir -m 0755 "$SK/bulk"
for i in $(seq 2000); do printf 'x\n' >"$SK/bulk/f$i"; done
hung=0 stopped=0
for i in $(seq 40); do
	find "$HF" -mindepth 1 -delete
	out=$(timeout 15 "$MPJAIL" build --config-dir "$CONF" --state-dir "$STATE" \
		--run-dir "$RUN" --data-dir "$DATA" fay 2>&1)
	rc=$?
	# A build that timed out leaves its stopped child behind: end it.
	for p in $(pgrep -u "$UID_F"); do [ "$p" != "$STOPPER" ] && kill -KILL "$p"; done 2>/dev/null
	if [ "$rc" = 124 ]; then hung=$((hung + 1)); break; fi
	if [ "$rc" = 111 ] && printf '%s\n' "$out" | grep -q 'stopped'; then
		stopped=$((stopped + 1))
		[ "$stopped" -ge 3 ] && break
	fi
done
touch "$STOPPER_END"
wait "$STOPPER" 2>/dev/null
rm -r "$SK/bulk"
echo "# the stop was seen in $stopped of $i builds"
expect_eq "a stopped copying child never hangs the build" 0 "$hung"
check "the stop was seen and reported (exit 111)" test "$stopped" -ge 1
expect_eq "no process of the tenant left behind" "" "$(pgrep -u "$UID_F")"

# ---- the copying child's uid change leaves the tenant no moment to read it ----
# The change to the tenant's uid makes a process "dumpable" as
# fs.suid_dumpable says, until the child sets it back to 0; with 1, the
# tenant's login could open the child's memory (a copy of root's, every
# tenant's plan in it) in between.  mpjail-window stops the child at every
# syscall from its setresuid() to that prctl() and tries that as the tenant
# (docs/build.md).
witness_before() { find "$HF" -mindepth 1 -delete; }
witness_uid_change "the copying child" "$UID_F" "$(id -g "$USER_fay")" "$MPJAIL" build \
	--config-dir "$CONF" --state-dir "$STATE" --run-dir "$RUN" --data-dir "$DATA" fay
unset -f witness_before
check "the home was filled as the tenant" test "$(stat -c %u "$HF/htdocs")" = "$UID_F"
rm -f "$CONF/tenants/fay.conf"

# ---- template values cannot inject Apache directives, end to end ----
# Host names and user names come from the tenant file; the parser allows
# only [a-z0-9.-] host names and [a-z_][a-z0-9_-]* user names, and the
# renderer refuses quotes, backslashes, <, >, $, %, `, braces and blanks.
C=$STATE/jails/bob/root/etc/apache2/httpd.conf
# set_tenant_key FILE KEY VALUE: replace KEY's line, VALUE taken literally.
set_tenant_key() {
	grep -v "^$2 = " "$1" >"$1.new"
	printf '%s = %s\n' "$2" "$3" >>"$1.new"
	mv "$1.new" "$1"
}
directives() { grep -Ev '^[[:space:]]*(#|$)' "$1" | awk '{print $1}' | LC_ALL=C sort | uniq -c; }
conf_snap=$(cat "$C")
base_directives=$(directives "$C")
TB=$CONF/tenants/bob.conf
cp "$TB" "$T_DIR/bob.conf.orig"
for bad in 'x.test"' 'x.test>' '"x.test' 'x.test</Directory>' 'x.test$x' 'x.test%{x}' \
	'x.test`id`' 'x.test\' 'x.test{a}' "x.test'" 'X.TEST' 'x_y.test' 'x.test;Include'; do
	set_tenant_key "$TB" hostnames "bob.example.test $bad"
	out=$(mpjd build bob 2>&1); rc=$?
	expect_eq "host name \`$bad\` refused (exit 100)" 100 "$rc"
	expect_match "names the tenant file:line" "bob.conf:[0-9]+: .*host name" "$out"
	check "quotes the value \`$bad\`" grep -qF -- "\`$bad\`" <<<"$out"
done
for bad in 'root"' 'a b' 'a>' 'A'; do
	set_tenant_key "$TB" user "$bad"
	out=$(mpjd build bob 2>&1); rc=$?
	expect_eq "user name \`$bad\` refused (exit 100)" 100 "$rc"
done
cp "$T_DIR/bob.conf.orig" "$TB"
expect_eq "refused names left httpd.conf as it was" "$conf_snap" "$(cat "$C")"
set_tenant_key "$TB" hostnames "bob.example.test www.bob.example.test b-2.example.test"
out=$(mpjd build bob 2>&1); rc=$?
expect_eq "several host names build" 0 "$rc"
expect_eq "several host names add no directive" "$base_directives" "$(directives "$C")"
expect_eq "ServerName is the first host name" "ServerName bob.example.test" \
	"$(grep '^ServerName' "$C")"
cp "$T_DIR/bob.conf.orig" "$TB"

# ---- --all ----
# Asides left by a build killed midway are removed (one pass for the whole
# batch); anything else in jails/ is not ours to remove.
mkdir -p "$STATE/jails/.alice.new-Ab3dE9/root" "$STATE/jails/.keep-me" \
	"$STATE/jails/.Bad.new-Ab3dE9"
out=$(mpjd build --all 2>&1); rc=$?
expect_eq "--all builds every tenant" 0 "$rc"
expect_eq "--all: one summary line per tenant" "$(ls "$CONF/tenants" | wc -l)" \
	"$(printf '%s\n' "$out" | grep -c ': tree ')"
check "a stale aside is removed" test ! -e "$STATE/jails/.alice.new-Ab3dE9"
check "a directory that is no aside is left alone" test -d "$STATE/jails/.keep-me"
check "a name no tenant can have is left alone" test -d "$STATE/jails/.Bad.new-Ab3dE9"
rmdir "$STATE/jails/.keep-me" "$STATE/jails/.Bad.new-Ab3dE9"
check "--all leaves no aside" no_aside
# A host file the profile copies is read once for all its tenants: each
# tree still holds the whole file.
for t in bob carol; do
	check "$t: copied mime.types is the host's" cmp -s /etc/mime.types \
		"$STATE/jails/$t/root/etc/mime.types"
done
# One tenant's failure in the batch leaves the others built: carol's tree
# made immutable, so that the swap fails for her alone.
if chattr +i "$STATE/jails/carol" 2>/dev/null; then
	T_CLEANUP+=("chattr -i '$STATE/jails/carol'")
	csnap=$(snapshot "$STATE/jails/carol")
	before=$(stat -c %Y "$STATE/jails/bob/manifest")
	sleep 1.1
	out=$(mpjd build --all 2>&1); rc=$?
	chattr -i "$STATE/jails/carol"
	expect_eq "--all with one swap failing: exit 111" 111 "$rc"
	expect_match "--all: the failing tenant is named" "carol.*renameat2" "$out"
	expect_eq "--all: her previous tree unchanged" "$csnap" "$(snapshot "$STATE/jails/carol")"
	check "--all: the others still built" \
		test "$(stat -c %Y "$STATE/jails/bob/manifest")" -gt "$before"
	expect_eq "--all: a summary line for every other tenant" \
		"$(($(ls "$CONF/tenants" | wc -l) - 1))" "$(printf '%s\n' "$out" | grep -c ': tree ')"
	check "--all: no aside left after a failed swap" no_aside
else
	not_ok "chattr +i on $STATE/jails/carol failed: the filesystem has no immutable flag"
fi

done_testing
