package Mpjail::Hello;
# The sample mod_perl response handler (<Location /hello> in httpd.conf):
# shows the tenant's name, the uid the server runs as, and one row read
# from the tenant's own database.  If the database cannot be reached the
# page still answers, says so, and the reason goes to logs/error.log.
use strict;
use warnings;

use Apache2::RequestRec ();
use Apache2::RequestIO ();
use Apache2::RequestUtil ();
use Apache2::Log ();
use Apache2::Const -compile => qw(OK);

use Mpjail::DB ();

sub handler {
	my $r = shift;
	my $user = getpwuid($<) // '?';
	my $tenant = $r->dir_config('MpjailTenant') // $user;
	my %db_opt;

	# Optional overrides, for tests outside a jail (PerlSetVar).
	for (['MpjailDbSecret', 'secret_file'], ['MpjailDbHost', 'host']) {
		my $v = $r->dir_config($_->[0]);
		$db_opt{$_->[1]} = $v if defined $v && $v ne '';
	}

	my $row;
	my $ok = eval {
		my $dbh = Mpjail::DB->dbh(%db_opt);
		($row) = $dbh->selectrow_array('SELECT greeting FROM mpjail_demo LIMIT 1');
		1;
	};
	unless ($ok) {
		my $err = $@ || 'unknown error';
		chomp $err;
		$r->log_error("Mpjail::Hello: $err");
		$row = undef;
	}

	$r->content_type('text/plain; charset=utf-8');
	$r->print("Hello from mpjail tenant $tenant\n");
	$r->print("user: $user (uid $<)\n");
	if ($ok) {
		$r->print('database row: ' . ($row // '(table mpjail_demo is empty)') . "\n");
	} else {
		$r->print("database row: unavailable (the database could not be reached; "
			  . "details in logs/error.log)\n");
	}
	return Apache2::Const::OK;
}

1;
