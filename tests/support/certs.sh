#!/usr/bin/env bash
# tests/support/certs.sh - a throwaway CA and a server certificate for the loopback fakes.
#
#   certs.sh DIR            (or: . certs.sh; make_test_certs DIR)
#
# Writes, with the openssl CLI (Debian 'openssl', installed by scripts/deps.sh --test):
#   DIR/ca.pem  DIR/ca.key          a self-signed CA (CA:TRUE, keyCertSign), 2 days
#   DIR/server.pem DIR/server.key   signed by it, for IP:127.0.0.1 and DNS:localhost,
#                                   serverAuth, 2 days
#   DIR/other-ca.pem                an unrelated CA (for "wrong bundle" tests)
# Keys are EC P-256 (fast to make). Nothing here is ever reused between test runs.

make_test_certs() {
    local dir=$1
    mkdir -p "$dir" || return 1
    (
        set -e
        cd "$dir"
        cat >ca.cnf <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = sesame test CA (throwaway)
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
        cat >server.cnf <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = localhost
[v3_server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
authorityKeyIdentifier = keyid
EOF
        openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
            -keyout ca.key -out ca.pem -days 2 -config ca.cnf -extensions v3_ca 2>/dev/null
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
            -keyout server.key -out server.csr -config server.cnf 2>/dev/null
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
            -out server.pem -days 2 -extfile server.cnf -extensions v3_server 2>/dev/null
        openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
            -keyout other-ca.key -out other-ca.pem -days 2 -config ca.cnf \
            -extensions v3_ca 2>/dev/null
        openssl verify -CAfile ca.pem server.pem >/dev/null
        rm -f server.csr ca.srl ca.cnf server.cnf other-ca.key
    )
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    if [ $# -ne 1 ]; then
        echo "usage: $0 DIR" >&2
        exit 2
    fi
    make_test_certs "$1"
fi
