mpjail-profile 1
system-file /etc/resolv.conf /etc/mpjail/resolv.conf
system-file /etc/hosts none
system-file /etc/nsswitch.conf /etc/mpjail/nsswitch.conf
copy /etc/services
system-file /etc/localtime /usr/share/zoneinfo/UTC
system-file /etc/shadow /x
