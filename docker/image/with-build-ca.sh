#!/bin/sh
# Runs a build step with the CA bundle given to the build as the secret `ca`
# (mounted at /run/secrets/ca only while the step runs), for Go, pip and npm.
# Without the secret it runs the step unchanged.
#
#   with-build-ca make setup
if [ -s /run/secrets/ca ]; then
	export SSL_CERT_FILE=/run/secrets/ca PIP_CERT=/run/secrets/ca NODE_EXTRA_CA_CERTS=/run/secrets/ca
fi
exec "$@"
