mpjail-profile 1
network private
hostname web
ro-bind /usr
ro-bind-try /etc/ssl /etc/ssl
bind /srv/shared /shared
tmpfs /run size=4M mode=0755
tmpfs /dev/shm size=16M
dir /run/httpd owner=tenant
dir /run/lock mode=1777 owner=root
symlink usr/bin /bin
copy /etc/mime.types
template modperl/httpd.conf.in /etc/apache2/httpd.conf
home-skel modperl
env PATH=/usr/bin:/bin
env HOME=${HOME}
rlimit nofile 1024 4096
rlimit fsize 1G infinity
seccomp default
command /usr/sbin/apache2 -f /etc/apache2/httpd.conf -DFOREGROUND
db-socket
limit memory 256M
limit tasks 64
