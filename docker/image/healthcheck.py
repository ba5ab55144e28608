#!/usr/bin/env python3
"""The image's HEALTHCHECK: exits 0 when the running Jupyter server answers on /api.

The server's address is read from the file it writes in Jupyter's runtime
folder, as docker-stacks' docker_healthcheck.py does, so that a port changed
by JUPYTER_PORT or by JupyterHub is followed. /api needs no token.
"""

import glob
import json
import os
import sys
import urllib.request

runtime = os.environ.get("JUPYTER_RUNTIME_DIR", os.path.expanduser("~/.local/share/jupyter/runtime"))
servers = sorted(glob.glob(os.path.join(runtime, "jpserver-*.json")), key=os.path.getmtime)
if not servers:
    sys.exit("no Jupyter server is running yet (no jpserver-*.json in %s)" % runtime)
url = json.load(open(servers[-1]))["url"].rstrip("/") + "/api"
url = url.replace("://0.0.0.0:", "://127.0.0.1:")
with urllib.request.urlopen(url, timeout=4) as r:
    print(r.status, r.read().decode())
