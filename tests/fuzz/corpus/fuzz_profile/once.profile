mpjail-profile 1
network shared
network private
env A=1
env A=2
