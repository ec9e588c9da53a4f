#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Real customers' mod_perl applications, from Debian's packages, in one
# tenant of the shipped modperl profile (docs/apache.md "Customers'
# applications"): an HTML::Mason site, a Dancer2 app with Template Toolkit
# and a Mojolicious::Lite app, both through Plack::Handler::Apache2 and
# preloaded.  Then a customer's mistake: a module that does not compile
# makes `reload` and `restart` refuse with Perl's error while the running
# server keeps serving the old code (docs/control.md); a server that dies
# on its own says why in `status` (last error).
. "$(dirname "$0")/lib.sh"
require_root
require_cmd useradd curl apache2 python3 ab
for m in HTML::Mason::ApacheHandler Dancer2 Mojolicious::Lite Plack::Handler::Apache2 Template; do
	perl -M"$m" -e1 2>/dev/null || skip_all "needs $m (./scripts/deps installs it)"
done

mpj_env
mpj_no_db
P=$PORT_BASE
mpj_tenant ap "$P" modperl "allow_conf = yes"
# shellcheck disable=SC2154 # set by mpj_tenant through eval
U=$USER_ap
H=$HOMES/ap
J=/home/$U # the home inside the jail
check "build" mpj build ap

# The customer's code, as they would deploy it.
mkdir -p "$H/mason" "$H/apps/views" "$H/perl/My"
cat >"$H/mason/hello.html" <<'EOF'
% my $n = 6 * 7;
<p>mason says <% $n %></p>
EOF
cat >"$H/apps/dancer.psgi" <<EOF
package DApp;
use Dancer2;
set template => 'template_toolkit';
set views => '$J/apps/views';
get '/' => sub { template 'hi' => { who => 'dancer2' } };
package main;
DApp->to_app;
EOF
printf 'hello from [%% who %%] via TT\n' >"$H/apps/views/hi.tt"
cat >"$H/apps/mojo.psgi" <<'EOF'
use Mojolicious::Lite -signatures;
app->mode('production');
get '/' => sub ($c) { $c->render(text => 'mojo says ' . (6 * 7)) };
app->start('psgi');
EOF
cat >"$H/perl/My/App.pm" <<'EOF'
package My::App;
use strict;
use Apache2::RequestRec ();
use Apache2::RequestIO ();
use Apache2::Const -compile => qw(OK);
sub handler { my $r = shift; $r->content_type('text/plain'); $r->print("app v1\n"); Apache2::Const::OK }
1;
EOF
# Apache::DBI as startup.pl's comment says: uncommented, before DBI.
sed -i 's/^#use Apache::DBI ();$/use Apache::DBI ();/' "$H/perl/startup.pl"
cat >"$H/perl/My/DBIVia.pm" <<'EOF'
package My::DBIVia;
use strict;
use DBI ();
use Apache2::RequestRec ();
use Apache2::RequestIO ();
sub handler { my $r = shift; $r->content_type('text/plain'); $r->print("$DBI::connect_via\n"); 0 }
1;
EOF
cat >"$H/conf/apps.conf" <<EOF
PerlSetVar MasonCompRoot $J/mason
PerlSetVar MasonDataDir $J/tmp/mason
PerlSetVar MasonArgsMethod CGI
PerlModule HTML::Mason::ApacheHandler
Alias /mason/ $J/mason/
<Directory $J/mason>
	Require all granted
</Directory>
<Location /mason/>
	SetHandler perl-script
	PerlResponseHandler HTML::Mason::ApacheHandler
</Location>
PerlModule Plack::Handler::Apache2
<Location /dancer>
	SetHandler perl-script
	PerlResponseHandler Plack::Handler::Apache2
	PerlSetVar psgi_app $J/apps/dancer.psgi
</Location>
<Location /mojo>
	SetHandler perl-script
	PerlResponseHandler Plack::Handler::Apache2
	PerlSetVar psgi_app $J/apps/mojo.psgi
</Location>
<Perl>
Plack::Handler::Apache2->preload("$J/apps/dancer.psgi");
Plack::Handler::Apache2->preload("$J/apps/mojo.psgi");
</Perl>
PerlModule My::DBIVia
<Location /dbi>
	SetHandler perl-script
	PerlResponseHandler My::DBIVia
</Location>
PerlModule My::App
<Location /app>
	SetHandler perl-script
	PerlResponseHandler My::App
</Location>
EOF
chown -R "$U:$U" "$H/mason" "$H/apps" "$H/perl" "$H/conf/apps.conf"

"$MPJAIL" run --config-dir "$CONF" --state-dir "$STATE" --run-dir "$RUN" \
	--data-dir "$MPJAIL_SRC" ap >>"$T_DIR/run.log" 2>&1 &
SV=$!
T_PIDS+=("$SV")
get() { curl -s --max-time 20 "http://127.0.0.1:$P$1"; }
wait_app() {
	local i
	for ((i = 0; i < 300; i++)); do [ "$(get /app)" = "app v$1" ] && return 0; sleep 0.1; done
	return 1
}
check "the tenant's httpd serves My::App" wait_app 1
expect_eq "HTML::Mason compiles and runs a component" "<p>mason says 42</p>" "$(get /mason/hello.html)"
expect_eq "Dancer2 with Template Toolkit, through Plack" "hello from dancer2 via TT" "$(get /dancer/)"
expect_eq "Mojolicious::Lite, through Plack" "mojo says 42" "$(get /mojo/)"
# Loaded by startup.pl before DBI, Apache::DBI takes over DBI->connect
# (persistent connections per child).
expect_eq "Apache::DBI enabled in startup.pl hooks DBI->connect" "Apache::DBI::connect" "$(get /dbi)"
json() { mpj status --json ap | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
pid0=$(json 'd["pid"]')

# The default limits (512M, 128 tasks) size httpd for framework children:
# a 30-connection burst queues instead of forking past the memory limit.
expect_match "httpd.conf: MaxRequestWorkers from memory, (512M - 64M) / 32M" \
	"^MaxRequestWorkers 14$" "$(cat "$STATE/jails/ap/root/etc/apache2/httpd.conf")"
for u in /dancer/ /mojo/ /mason/hello.html; do
	out=$(ab -q -n 300 -c 30 "http://127.0.0.1:$P$u" 2>&1)
	expect_match "a 30-connection burst on $u: no failed request" "^Failed requests: +0$" "$out"
	expect_no_match "... and every answer a 200" "^Non-2xx responses" "$out"
done
# The memcg's own count (v1 memory.oom_control, v2 memory.events) of the
# tenant's cgroup: no child was OOM-killed either.
oom_kills() {
	local f n=0 k
	for f in $(find /sys/fs/cgroup -path "*/$MPJ_GROUP/ap/*" \
		\( -name memory.oom_control -o -name memory.events \) 2>/dev/null); do
		k=$(sed -n 's/^oom_kill //p' "$f")
		n=$((n + ${k:-0}))
	done
	echo "$n"
}
expect_eq "no OOM kill in the tenant's memory cgroup, no restart" "0 $pid0 0" \
	"$(oom_kills) $(json 'd["pid"]') $(json 'd["restarts"]')"
check "... and the memory cgroup was found (the check can fail)" \
	test -n "$(find /sys/fs/cgroup -path "*/$MPJ_GROUP/ap/*" -name 'memory.*' 2>/dev/null | head -n 1)"

# A syntax error in a preloaded module: reload and restart refuse.
cat >"$H/perl/My/App.pm" <<'EOF'
package My::App;
sub handler { print "app v2\n";
1;
EOF
out=$(mpj reload ap 2>&1)
expect_eq "reload with a module that does not compile is refused (exit 1)" 1 "$?"
expect_match "... saying the test failed and the server was left alone" \
	"configuration test failed .*left untouched" "$out"
expect_match "... with Perl's own message, naming the file" \
	"Missing right curly.* at $J/perl/My/App.pm line [0-9]+" "$out"
out=$(mpj restart ap 2>&1)
expect_eq "restart with the same module is refused too (exit 1)" 1 "$?"
expect_match "... with the same message" "Missing right curly.* at $J/perl/My/App.pm" "$out"
expect_eq "the old code still serves" "app v1" "$(get /app)"
expect_eq "in the same jail (same pid 1)" "$pid0" "$(json 'd["pid"]')"
expect_eq "and the frameworks too" "mojo says 42" "$(get /mojo/)"

# The same for startup.pl and a <Perl> section that does not compile.
printf '# fixed\npackage My::App; sub handler { my $r = shift; $r->content_type("text/plain"); $r->print("app v2\\n"); 0 } 1;\n' \
	>"$H/perl/My/App.pm"
cp "$H/perl/startup.pl" "$T_DIR/startup.pl"
echo 'sub {' >>"$H/perl/startup.pl"
out=$(mpj reload ap 2>&1)
expect_eq "a broken startup.pl: reload refused" 1 "$?"
expect_match "... naming startup.pl" "at $J/perl/startup.pl line" "$out"
cp "$T_DIR/startup.pl" "$H/perl/startup.pl"
printf '<Perl>\nmy $x = ;\n</Perl>\n' >"$H/conf/zz-broken.conf"
out=$(mpj restart ap 2>&1)
expect_eq "a <Perl> section that does not compile: restart refused" 1 "$?"
expect_match "... naming the file" "zz-broken.conf" "$out"
rm "$H/conf/zz-broken.conf"
expect_eq "still the old code, same jail" "app v1 $pid0" "$(get /app) $(json 'd["pid"]')"

# Fixed: reload takes the new code; restart works.
out=$(mpj reload ap 2>&1)
expect_eq "with everything fixed, reload passes" 0 "$?"
check "and the new code serves" wait_app 2
out=$(mpj restart ap 2>&1)
expect_eq "restart passes its test and restarts" 0 "$?"
expect_match "... answering with the new jail" "restarted: host pid" "$out"
check "the new jail serves" wait_app 2
expect_eq "status has no last error" "None" "$(json 'd["last_error"]')"

# A server that dies on its own with broken Perl (here: kill -9 of the jail
# after the module broke, as a host reboot would): status says why.
echo 'package My::App; sub handler {' >"$H/perl/My/App.pm"
kill -KILL "$(json 'd["pid"]')"
wait_err() {
	local i
	for ((i = 0; i < 100; i++)); do
		json 'd["last_error"] or ""' | grep -q "$1" && return 0
		sleep 0.2
	done
	return 1
}
check "status JSON: last_error has Perl's message" wait_err "Missing right curly"
out=$(mpj status ap 2>&1)
mapfile -t lines <<<"$out"
diag "${lines[@]}"
expect_match "status text: a 'last error:' line" "last error:" "$out"
expect_match "... quoting error.log: the file that did not load" \
	"Can't load Perl file|Compilation failed" "$out"
printf 'package My::App; sub handler { my $r = shift; $r->content_type("text/plain"); $r->print("app v3\\n"); 0 } 1;\n' \
	>"$H/perl/My/App.pm"
check "fixed, the back-off brings it back" wait_app 3

kill -TERM "$SV"
wait "$SV" 2>/dev/null
done_testing
