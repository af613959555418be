#!/bin/sh
# Makes a test code-signing certificate for sign.sh in the folder given:
# test-ca.pem (the CA that 'osslsigncode verify -CAfile' takes) and
# test-signing.p12 (the signing key and certificate, password "test").
# Not for releases: those use the certificate named by ZAVERA_SIGN_PFX.
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"
[ -f test-signing.p12 ] && exit 0
openssl req -x509 -newkey rsa:3072 -nodes -days 3650 -subj "/CN=Zavera Test Code Signing CA" \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
	-keyout test-ca.key -out test-ca.pem 2>/dev/null
openssl req -newkey rsa:3072 -nodes -subj "/CN=Zavera Test/O=Zavera" -keyout test-signing.key -out test-signing.csr 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n' > ext.cnf
openssl x509 -req -in test-signing.csr -CA test-ca.pem -CAkey test-ca.key -CAcreateserial -days 3650 \
	-extfile ext.cnf -out test-signing.pem 2>/dev/null
openssl pkcs12 -export -inkey test-signing.key -in test-signing.pem -certfile test-ca.pem \
	-passout pass:test -out test-signing.p12
rm -f test-ca.key test-signing.key test-signing.pem test-signing.csr ext.cnf test-ca.srl
