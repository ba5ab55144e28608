#!/bin/bash
# The image's one start script (its CMD, under tini). It does no set-up: the
# image was set up when it was built.
#
# - Spawned by JupyterHub (JUPYTERHUB_API_TOKEN is set): runs
#   jupyterhub-singleuser, which takes its settings from the hub.
# - Otherwise: JupyterLab on port $JUPYTER_PORT (8888) with the lesson's
#   notebooks, token authentication on. JUPYTER_TOKEN sets the token; unset,
#   JupyterLab makes one and prints the address with it.
# An empty folder mounted over notebooks/ first gets the lesson's notebooks.
# Arguments are passed on to JupyterLab.
set -euo pipefail

notebooks="${LESSON}/notebooks"
if ! compgen -G "${notebooks}/*.ipynb" >/dev/null; then
	echo "start-notebook.sh: ${notebooks} has no notebooks: copying the lesson's" >&2
	cp -rn /usr/local/share/advanced-cnn/notebooks/. "${notebooks}/"
fi

if [[ -n "${JUPYTERHUB_API_TOKEN:-}" ]]; then
	exec jupyterhub-singleuser --ServerApp.root_dir="${notebooks}" "$@"
fi
# Without a hub, a request with a wrong token is refused (403), /lab as well as
# the API, rather than sent to the login page (docker/image/advcnn_identity.py).
exec jupyter lab --ServerApp.ip=0.0.0.0 --ServerApp.port="${JUPYTER_PORT:-8888}" \
	--ServerApp.open_browser=False --ServerApp.root_dir="${notebooks}" \
	--ServerApp.identity_provider_class=advcnn_identity.WrongTokenRefused "$@"
