#!/bin/sh
# Zavera's post-installation script (.deb postinst and .rpm %post): makes
# the machine's local CA and loopback certificate, trusts the CA in the
# system store and in users' NSS databases, and writes browser policies.
# DPKG_ROOT is set when dpkg installs into another root.
set -e
case "$1" in
configure|1|2) ;;
*) exit 0 ;;
esac
ROOT="${DPKG_ROOT:-}"
ZAVERA_BROWSER_POLICIES=yes
if [ -r "$ROOT/etc/default/zavera" ]; then
	. "$ROOT/etc/default/zavera"
fi
POLICIES=
case "$ZAVERA_BROWSER_POLICIES" in
no|false|0) POLICIES=--no-browser-policies ;;
esac
if ! "$ROOT/usr/bin/zavera" install --system --root "${ROOT:-/}" $POLICIES; then
	echo "zavera: some set-up steps failed; run 'zavera doctor' to see which" >&2
fi
exit 0
