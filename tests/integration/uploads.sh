#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Uploads and temporary files in a real mod_perl tenant (docs/config.md
# home-tmp; docs/apache.md "Temporary files and uploads").  A customer's
# ModPerl::Registry script using Debian's CGI.pm receives a 70 MB multipart
# upload, larger than the jail's 64M /tmp: CGI.pm spools it in TMPDIR, which
# is /var/tmp = HOME/tmp, on disk and in the home's quota.  Files there
# survive a restart; a full /tmp is an error the app sees; a link or a
# foreign directory planted at HOME/tmp stops the launch.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd useradd curl apache2 head
perl -MCGI -e1 2>/dev/null || skip_all "needs CGI.pm (libcgi-pm-perl; ./scripts/deps installs it)"

mpj_env
mpj_no_db
P=$PORT_BASE
mpj_tenant up "$P" modperl "allow_conf = yes"
# shellcheck disable=SC2154 # set by mpj_tenant through eval
U=$USER_up
H=$HOMES/up
quiet() { "$@" >/dev/null 2>&1; }

check "build" quiet mpj build up
# explain changes nothing: HOME/tmp does not exist yet and is not made.
out=$(mpj explain up 2>&1)
expect_match "explain shows HOME/tmp at /var/tmp" \
	"/var/tmp +home-tmp +nosuid,nodev,noexec +$H/tmp \\(missing: made by the launch\\)" "$out"
check "explain does not create HOME/tmp" test ! -e "$H/tmp"

# The customer's upload, as they would deploy it: a Registry script.
install -d -o "$U" -g "$U" "$H/cgi"
cat >"$H/conf/registry.conf" <<EOF
Alias /cgi/ /home/$U/cgi/
<Directory /home/$U/cgi>
	Require all granted
</Directory>
<Location /cgi/>
	SetHandler perl-script
	PerlResponseHandler ModPerl::Registry
	PerlOptions +ParseHeaders
	Options +ExecCGI
</Location>
EOF
cat >"$H/cgi/upload.pl" <<'EOF'
use strict;
use warnings;
use CGI;
my $q = CGI->new;
my $fh = $q->upload('file');
my $tmp = $fh ? $q->tmpFileName($q->param('file')) : '';
print $q->header('text/plain');
printf "tmpdir=%s size=%d tmp=%s error=%s\n", $ENV{TMPDIR} // '', $fh ? -s $fh : 0,
	$tmp, $q->cgi_error // '';
EOF
cat >"$H/cgi/session.pl" <<'EOF'
use strict;
use warnings;
use CGI;
my $q = CGI->new;
my $f = "$ENV{TMPDIR}/sess-42";
if ($q->param('set')) {
	open my $o, '>', $f or die "$f: $!";
	print $o "cart=3\n";
	close $o or die "$f: $!";
}
open my $i, '<', $f or do { print $q->header('text/plain'), "none\n"; exit };
print $q->header('text/plain'), scalar <$i>;
EOF
chown "$U:$U" "$H/conf/registry.conf" "$H/cgi/upload.pl" "$H/cgi/session.pl"

"$MPJAIL" run --config-dir "$CONF" --state-dir "$STATE" --run-dir "$RUN" \
	--data-dir "$MPJAIL_SRC" up >>"$T_DIR/run.log" 2>&1 &
SV=$!
T_PIDS+=("$SV")
answers() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/")" = 200 ]; }
wait_answers() {
	local i
	for ((i = 0; i < 300; i++)); do answers && return 0; sleep 0.1; done
	return 1
}
check "the tenant's httpd answers" wait_answers
check "the launch made HOME/tmp, the tenant's, 0700" \
	test "$(stat -c '%U %a' "$H/tmp" 2>&1)" = "$U 700"

# 1. 70 MB through CGI.pm: more than /tmp (64M) can hold.
head -c $((70 * 1024 * 1024)) /dev/urandom >"$T_DIR/big"
out=$(curl -s --max-time 120 -F "file=@$T_DIR/big" "http://127.0.0.1:$P/cgi/upload.pl")
diag "upload: $out"
expect_match "the request sees TMPDIR=/var/tmp in %ENV" '^tmpdir=/var/tmp ' "$out"
expect_match "CGI.pm received all 73400320 bytes" ' size=73400320 ' "$out"
expect_match "and spooled them in /var/tmp" ' tmp=/var/tmp/' "$out" # check-tmp: ok (inside the jail: /var/tmp of the tenant)
expect_match "with no error" ' error=$' "$out"

# 2. A session file in /var/tmp outlives a restart, and is HOME/tmp on the host.
out=$(curl -s "http://127.0.0.1:$P/cgi/session.pl?set=1")
expect_eq "a session is written" "cart=3" "$out"
expect_eq "it is HOME/tmp/sess-42 on the host, the tenant's" "$U cart=3" \
	"$(stat -c %U "$H/tmp/sess-42" 2>&1) $(cat "$H/tmp/sess-42" 2>&1)"
kill -TERM "$SV"
wait "$SV" 2>/dev/null
"$MPJAIL" run --config-dir "$CONF" --state-dir "$STATE" --run-dir "$RUN" \
	--data-dir "$MPJAIL_SRC" up >>"$T_DIR/run.log" 2>&1 &
SV=$!
T_PIDS+=("$SV")
check "after a stop and a new start it answers" wait_answers
expect_eq "the session survived the restart" "cart=3" \
	"$(curl -s "http://127.0.0.1:$P/cgi/session.pl")"
kill -TERM "$SV"
wait "$SV" 2>/dev/null

# 3. A full /tmp is an error the app sees (ENOSPC), not a silent short file.
out=$(mpj exec up -- /usr/bin/perl -e 'open my $f, ">", "/tmp/fill" or die "open: $!\n"; # check-tmp: ok (the private /tmp of the jail)
	my $b = "x" x 1048576; for (1 .. 80) { print $f $b or die "write: $!\n" }
	close $f or die "close: $!\n"; print "wrote 80M\n"' 2>&1)
expect_match "writing 80M into the 64M /tmp fails with ENOSPC" 'No space left on device' "$out"

# 4. What the tenant plants at HOME/tmp (from its host login) stops the launch.
mv "$H/tmp" "$H/tmp.old"
ln -s /etc "$H/tmp"
out=$(mpj exec up -- /bin/true 2>&1)
expect_eq "a symlink at HOME/tmp: exec refused (exit 100)" 100 "$?"
expect_match "the error names the tenant file, the path and the refusal" \
	"up.conf:[0-9]+: $H/tmp \\(home-tmp /var/tmp\\): is a symlink: refused" "$out"
rm "$H/tmp"
mkdir -m 0700 "$H/tmp"
out=$(mpj exec up -- /bin/true 2>&1)
expect_eq "a root-owned HOME/tmp: exec refused (exit 100)" 100 "$?"
expect_match "the error names its owner" "is owned by uid 0, not $U" "$out"
rmdir "$H/tmp"
printf 'x\n' >"$H/tmp"
chown "$U:$U" "$H/tmp"
out=$(mpj exec up -- /bin/true 2>&1)
expect_eq "a file at HOME/tmp: exec refused (exit 100)" 100 "$?"
expect_match "the error says it is not a directory" "is not a directory" "$out"
rm "$H/tmp"
mv "$H/tmp.old" "$H/tmp"
expect_eq "the tenant's own HOME/tmp back: exec works" "ok" \
	"$(mpj exec up -- /bin/sh -c 'test -s /var/tmp/sess-42 && echo ok' 2>&1)" # check-tmp: ok (/var/tmp of the jail, HOME/tmp)
done_testing
