# `make install DESTDIR=...` from a fresh build dir, checked by a shell
# script (check-install) that make check-local runs like the Check
# programs: it builds no test, and each installed file is in place.
LOCAL_TESTS += tests/local/install/check-install
