# startup.pl: run by mod_perl (PerlRequire) before Apache forks its children.
#
# Apache reads its configuration twice at start, and again at every graceful
# restart, so this file runs several times in one server's life.  Keep it
# idempotent: load modules here so the children share their memory, but
# open NO database handle or socket (a handle opened here would be shared by
# every child after fork).  Mpjail::DB connects lazily, once per child.
use strict;
use warnings;

use Apache2::RequestRec ();
use Apache2::RequestIO ();
use Apache2::RequestUtil ();
use Apache2::Log ();
use Apache2::Const -compile => qw(OK);

# Persistent database connections (Apache::DBI, one per child): uncomment
# the next line.  It must come before DBI is loaded: a `PerlModule
# Apache::DBI` in conf/*.conf runs after this file and hooks nothing.
#use Apache::DBI ();
use DBI ();
# Load the driver now (code only, no connection) so children do not each
# compile DBD::Pg on their first request.
DBI->install_driver('Pg');

use Mpjail::DB ();
use Mpjail::Hello ();

1;
