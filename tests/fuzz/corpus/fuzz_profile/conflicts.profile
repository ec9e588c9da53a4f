mpjail-profile 1
tmpfs /run size=1M
symlink /tmp /run
dir /x
