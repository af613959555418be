#!/bin/sh
# Zavera's post-removal script (.deb postrm and .rpm %postun): on purge,
# removes the state folder the package made, should anything be left.
set -e
ROOT="${DPKG_ROOT:-}"
case "$1" in
purge|0)
	rm -rf "$ROOT/var/lib/zavera"
	;;
esac
exit 0
