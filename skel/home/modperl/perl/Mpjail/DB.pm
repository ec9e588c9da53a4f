package Mpjail::DB;
# Connect to this tenant's own PostgreSQL database.
#
# The database and the role are both named after the account the server
# runs as; the password is in /run/secrets/db inside the jail (mode 0400,
# yours only), put there at start by mpjail.  It is read at connect time, so
# a rotated password is used once the jail is re-created (`mpjail restart`:
# /run/secrets is a copy taken when the jail starts).
# The password is never logged or put in an error message.
#
#   use Mpjail::DB;
#   my $dbh = Mpjail::DB->dbh;        # cached per process; dies on failure
#   my $row = $dbh->selectrow_arrayref('SELECT 1');
#
# Options (for tests or a non-standard layout; defaults shown):
#   Mpjail::DB->dbh(secret_file => '/run/secrets/db', host => '/run/postgresql',
#                   dbname => <your user name>, user => <your user name>)
use strict;
use warnings;

use DBI ();

our $SECRET_FILE = '/run/secrets/db';
our $SOCKET_DIR  = '/run/postgresql';

my ($cached, $cached_pid);

sub _read_secret {
	my ($file) = @_;

	open(my $fh, '<', $file)
		or die "Mpjail::DB: cannot read the database password file `$file`: $!\n";
	my $pw = do { local $/; <$fh> };
	close($fh);
	$pw = '' unless defined $pw;
	$pw =~ s/\s+\z//;
	die "Mpjail::DB: the database password file `$file` is empty\n" if $pw eq '';
	return $pw;
}

# A new connection.  Dies with a message naming the database and the socket
# directory (never the password).
sub connect {
	my ($class, %opt) = @_;
	my $me = getpwuid($<);

	die "Mpjail::DB: uid $< has no name in /etc/passwd\n" unless defined $me;
	my $user   = $opt{user}   // $me;
	my $dbname = $opt{dbname} // $user;
	my $host   = $opt{host}   // $SOCKET_DIR;
	my $pw     = _read_secret($opt{secret_file} // $SECRET_FILE);

	# Values in a libpq connection string are quoted so a space or quote in
	# a path cannot add options.
	my $q = sub { my $v = shift; $v =~ s/(['\\])/\\$1/g; "'$v'" };
	my $dsn = 'dbi:Pg:dbname=' . $q->($dbname) . ';host=' . $q->($host);
	my $dbh = DBI->connect($dsn, $user, $pw, {
		RaiseError => 0, PrintError => 0, AutoCommit => 1,
		pg_enable_utf8 => 1,
	});
	undef $pw;
	die "Mpjail::DB: cannot connect to database `$dbname` as `$user` via `$host`: "
	    . ($DBI::errstr // 'unknown error') . "\n" unless $dbh;
	$dbh->{RaiseError} = 1;
	return $dbh;
}

# The process's cached handle, reconnecting when it died or when this is a
# forked child (a handle must never be shared across fork).
sub dbh {
	my ($class, %opt) = @_;

	if ($cached && $cached_pid == $$ && $cached->ping) {
		return $cached;
	}
	if ($cached && $cached_pid != $$) {
		$cached->{InactiveDestroy} = 1; # the parent's socket: leave it alone
	}
	$cached = undef;
	$cached = $class->connect(%opt);
	$cached_pid = $$;
	return $cached;
}

1;
