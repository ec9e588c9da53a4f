mpjail-profile 1
network auto
connect 25 53 80 443
db-socket
seccomp default
command /bin/sh
