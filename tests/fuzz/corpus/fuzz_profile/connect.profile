mpjail-profile 1
network shared
connect 25 53 80 443
connect 1024-2048
connect none
connect any-other
connect 0
