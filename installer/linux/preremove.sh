#!/bin/sh
# Zavera's pre-removal script (.deb prerm and .rpm %preun): takes the
# local CA out of the system store and the users' NSS databases and
# removes the browser policies and the loopback certificate, while the
# zavera executable is still there. Upgrades keep everything.
set -e
case "$1" in
remove|0) ;;
*) exit 0 ;;
esac
ROOT="${DPKG_ROOT:-}"
"$ROOT/usr/bin/zavera" uninstall --system --root "${ROOT:-/}" || true
exit 0
