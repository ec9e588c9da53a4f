mpjail-profile 1
# The base of every mpjail jail.  Other profiles start with `include default`
# and override what they need (a later file wins; see docs/config.md).
# /, /dev, /proc, /etc/passwd and /etc/group are made by the launcher, not here
# (docs/apache.md §2, docs/style.md L6).

# The host's network namespace where the kernel's Landlock has network rules
# (ABI 4, Linux 6.7): a Landlock rule allows binding only the tenant's own
# ports (docs/apache.md §7).  On older kernels (Debian 12's 6.1) a private,
# empty network namespace instead: never the host's network without the port
# rules (docs/design.md, "network auto").  `mpjail explain` says which.
network auto

# Outbound TCP from the jail in the host's network (a Landlock rule, like the
# port rule above; a private network has no way out at all):
# only these ports and the tenant's own, never another tenant's backend in
# port_range (docs/threats.md T18).  53: DNS answers too long for UDP come
# over TCP; UDP and unix sockets (PostgreSQL's, db-socket) are not affected.
# A profile that includes this one adds ports with more `connect` lines, or
# starts over with `connect none` (docs/config.md).
connect 25 53 80 443 465 587 5432

# Programs and libraries: the host's /usr, read-only, shared page cache.
# Never copy /usr into jails (docs/apache.md §2, §10).
ro-bind /usr

# The CA store for HTTPS clients (curl, openssl, LWP, IO::Socket::SSL), read-only
# and live: update-ca-certificates on the host reaches running jails.  Its
# symlinks point into /usr/share/ca-certificates, under the /usr above.
# Skipped where the host has none.  /etc/resolv.conf, /etc/hosts,
# /etc/services, /etc/protocols and /etc/localtime are the launcher's
# system files, not directives (docs/config.md "System files").
ro-bind-try /etc/ssl

# Merged /usr: the top-level names are symlinks into it.
symlink usr/bin /bin
symlink usr/sbin /sbin
symlink usr/lib /lib
symlink usr/lib64 /lib64

# Private, size-limited scratch space (docs/threats.md T33).  Their pages are
# charged to the jail's memory cgroup.
tmpfs /tmp size=64M mode=1777
tmpfs /run size=4M mode=0755
tmpfs /dev/shm size=16M mode=1777
dir /run/lock mode=0755 owner=tenant

symlink /run /var/run
symlink /run/lock /var/lock

# Persistent temporary files (uploads, sessions): the tenant's HOME/tmp at
# /var/tmp, kept across restarts and counted in the home's disk quota.
# TMPDIR points there, so a large upload never hits /tmp's 64M.
home-tmp /var/tmp

# The environment starts empty (clearenv) and is exactly this.
env PATH=/usr/local/bin:/usr/bin:/bin
env LANG=C
env HOME=${HOME}
env USER=${USER}
env LOGNAME=${USER}
env TMPDIR=/var/tmp

# Per-process backstops under the cgroup limits (docs/threats.md T28-T32, T35).
# Hard limits are set while the launcher is still privileged; the jail can
# only lower them.
rlimit core 0 0
rlimit rtprio 0 0
rlimit nice 0 0
rlimit nofile 1024 4096
rlimit fsize 1G
rlimit nproc 256

seccomp default
command /bin/sh

# Defaults for the tenant's [limits]; a tenant file may override each.
limit memory 512M
limit tasks 128
limit cpu 100
limit nofile 4096
