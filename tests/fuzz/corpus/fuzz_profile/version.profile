mpjail-profile 2
