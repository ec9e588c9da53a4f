#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Mail from a tenant's application (docs/config.md `sendmail`): the profile
# says `sendmail 127.0.0.1:PORT`, and /usr/sbin/sendmail in the jail is
# mpjail-sendmail, mounted over the host's MTA binary, which hands the
# message to the relay over SMTP.  Here the relay is a test SMTP server on
# loopback; a mod_perl handler and sendmail -t / -f / arguments are tried,
# with the exit codes callers act on (EX_TEMPFAIL, EX_UNAVAILABLE).
. "$(dirname "$0")/lib.sh"
require_root
require_cmd useradd curl apache2 python3
[ -e /usr/sbin/sendmail ] ||
	skip_all "needs a host MTA's /usr/sbin/sendmail to mount over (./scripts/deps installs dma)"

mpj_env
mpj_no_db
P=$PORT_BASE
# The relay: above port_range (20000-29999) and below the ephemeral ports.
SP=$((30000 + RANDOM % 2000))
cat >"$CONF/profiles/mailer.profile" <<EOF
mpjail-profile 1
include modperl
sendmail 127.0.0.1:$SP
connect $SP
EOF
mpj_tenant ml "$P" mailer "allow_conf = yes"
# shellcheck disable=SC2154 # set by mpj_tenant through eval
U=$USER_ml
H=$HOMES/ml
check "build" mpj build ml
expect_eq "the relay file in the jail's /etc" "relay 127.0.0.1 $SP" \
	"$(cat "$STATE/jails/ml/root/etc/mpjail-sendmail.conf" 2>&1)"
real=$(readlink -f /usr/sbin/sendmail)
out=$(mpj explain ml 2>&1)
expect_match "explain shows the mount over the host's sendmail ($real)" \
	"$real +sendmail .*mpjail-sendmail, over the host's /usr/sbin/sendmail; relay 127.0.0.1:$SP" "$out"

MAILS=$T_DIR/mails.jsonl
python3 "$(dirname "$0")/smtp_sink.py" "$SP" "$MAILS" >"$T_DIR/sink.log" 2>&1 &
SINK=$!
T_PIDS+=("$SINK")
for _ in $(seq 50); do grep -q ready "$T_DIR/sink.log" && break; sleep 0.1; done
mail_field() { tail -n 1 "$MAILS" | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# 1. sendmail -t: recipients from To:, Cc: and Bcc:, Bcc: not sent.
msg='From: shop <shop@example.test>
To: Alice <alice@example.test>
Cc: "Bob, B." <bob@example.test>,
 carol@example.test
Bcc: dave@example.test
Subject: order 42

.a line that starts with a dot
thanks'
out=$(printf '%s\n' "$msg" | mpj exec ml -- /usr/sbin/sendmail -t -oi 2>&1)
expect_eq "sendmail -t -oi in the jail: exit 0" 0 "$?"
expect_eq "... the relay got every recipient, Bcc included" \
	"['alice@example.test', 'bob@example.test', 'carol@example.test', 'dave@example.test']" \
	"$(mail_field 'd["to"]')"
expect_eq "... from the tenant's account" "$U@ml" "$(mail_field 'd["from"]')"
expect_eq "... with no Bcc: header in what was sent" "0" "$(mail_field 'd["data"].count("Bcc:")')"
expect_eq "... and the dot line intact" "True" \
	"$(mail_field '"\n.a line that starts with a dot\r\n" in d["data"]')"

# 2. /usr/lib/sendmail -f SENDER RCPT (MIME::Lite's path and options).
out=$(printf 'Subject: hi\n\nbody\n' | mpj exec ml -- /usr/lib/sendmail -f bounce@example.test x@example.test 2>&1)
expect_eq "/usr/lib/sendmail -f ... RCPT: exit 0" 0 "$?"
expect_eq "... envelope sender and recipient as given" "bounce@example.test x@example.test" \
	"$(mail_field 'd["from"] + " " + " ".join(d["to"])')"

# 3. From a mod_perl handler, as a customer's application sends mail.
mkdir -p "$H/perl/My"
cat >"$H/perl/My/Mail.pm" <<'EOF'
package My::Mail;
use strict;
use Apache2::RequestRec ();
use Apache2::RequestIO ();
sub handler {
	my $r = shift;
	open my $m, '|-', '/usr/sbin/sendmail', '-t', '-oi' or die "sendmail: $!";
	print $m "To: customer\@example.test\nSubject: your order\n\nshipped\n";
	close $m;
	$r->content_type('text/plain');
	$r->print("sendmail exit " . ($? >> 8) . "\n");
	return 0;
}
1;
EOF
cat >"$H/conf/mail.conf" <<'EOF'
PerlModule My::Mail
<Location /mail>
	SetHandler perl-script
	PerlResponseHandler My::Mail
</Location>
EOF
chown -R "$U:$U" "$H/perl/My" "$H/conf/mail.conf"
"$MPJAIL" run --config-dir "$CONF" --state-dir "$STATE" --run-dir "$RUN" \
	--data-dir "$MPJAIL_SRC" ml >>"$T_DIR/run.log" 2>&1 &
SV=$!
T_PIDS+=("$SV")
wait_mail() {
	local i
	for ((i = 0; i < 300; i++)); do
		[ "$(curl -s "http://127.0.0.1:$P/mail")" = "sendmail exit 0" ] && return 0
		sleep 0.1
	done
	return 1
}
check "a mod_perl handler pipes a message into /usr/sbin/sendmail: exit 0" wait_mail
expect_eq "... and the relay has it" "customer@example.test True" \
	"$(mail_field '" ".join(d["to"]) + " " + str("shipped" in d["data"])')"
kill -TERM "$SV"
wait "$SV" 2>/dev/null

# 4. What callers act on: refused (69), relay down (75), bad use (64).
printf 'Subject: x\n\ny\n' | mpj exec ml -- /usr/sbin/sendmail refuse@example.test >"$T_DIR/o" 2>&1
expect_eq "a recipient the relay refuses: EX_UNAVAILABLE (69)" 69 "$?"
expect_match "... saying so" "refused a recipient: 550" "$(cat "$T_DIR/o")"
out=$(mpj exec ml -- /usr/sbin/sendmail -bp 2>&1)
expect_eq "sendmail -bp (a queue listing) is refused: EX_USAGE (64)" 64 "$?"
expect_match "... by name" "-bp. is not supported" "$out"
out=$(printf 'Subject: x\n\ny\n' | mpj exec ml -- /usr/sbin/sendmail -t 2>&1)
expect_eq "-t without any recipient header: EX_USAGE (64)" 64 "$?"
kill -TERM "$SINK"
wait "$SINK" 2>/dev/null
out=$(printf 'Subject: x\n\ny\n' | mpj exec ml -- /usr/sbin/sendmail a@example.test 2>&1)
expect_eq "the relay down: EX_TEMPFAIL (75), the app may retry" 75 "$?"
expect_match "... naming the relay" "cannot connect to the relay 127.0.0.1:$SP" "$out"

# 5. A port the connect policy does not list stays closed, relay or not.
out=$(mpj exec ml -- /usr/bin/perl -MIO::Socket::INET -e \
	'IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => 9) ? print "connected\n" : print "refused: $!\n"' 2>&1)
expect_match "other ports stay closed (Landlock connect policy)" "refused: Permission denied" "$out"
done_testing
