#!/bin/sh
# Signs a Windows executable in place (Authenticode, SHA-256) with
# osslsigncode. The certificate is the release one when ZAVERA_SIGN_PFX
# (PKCS#12) and ZAVERA_SIGN_PASS are set, otherwise the test certificate
# in ZAVERA_TEST_SIGN_DIR made by make-test-cert.sh. ZAVERA_SIGN_TIMESTAMP
# names a timestamp server when one is reachable.
set -eu
file=$1
if [ -n "${ZAVERA_SIGN_PFX:-}" ]; then
	pfx=$ZAVERA_SIGN_PFX
	pass=${ZAVERA_SIGN_PASS:-}
else
	pfx=${ZAVERA_TEST_SIGN_DIR:?set ZAVERA_SIGN_PFX or ZAVERA_TEST_SIGN_DIR}/test-signing.p12
	pass=test
fi
set -- -pkcs12 "$pfx" -pass "$pass" -h sha256 -n Zavera -i https://github.com/zavera/zavera
if [ -n "${ZAVERA_SIGN_TIMESTAMP:-}" ]; then
	set -- "$@" -ts "$ZAVERA_SIGN_TIMESTAMP"
fi
rm -f "$file.signed"
osslsigncode sign "$@" -in "$file" -out "$file.signed" >/dev/null
mv -f "$file.signed" "$file"
