# dmsup given its control socket as systemd does (dmsup.socket): a shell
# script run by make check-local like the Check programs.
LOCAL_TESTS += tests/local/sockact/check-sockact
