# JupyterHub for a class, on one server: the hub and its proxy on this host,
# every student in a container of the teaching image (docker/hub/class_spawner.py,
# which this file loads at its end, and which a TLJH install loads too).
#
# `make class-test` (docker/test/class-test.sh) runs this file as it is, on the
# host, with the hub from docker/hub/requirements.txt and its proxy from
# docker/hub/package-lock.json, against podman's Docker-compatible API. A
# teacher runs it the same way (docs/classroom.md).
#
# Each setting names the rule it serves: [websec] JupyterHub's Security
# Overview, [basics] its "Security settings" (getting-started/security-basics),
# [z2jh] Zero to JupyterHub's defaults.
#
# Settings come from environment variables, each with a default for a teacher
# (and those of class_spawner.py):
#
#   ADVCNN_HUB_URL             the public address, bound to one interface (http://127.0.0.1:8000)
#   ADVCNN_HUB_SSL_CERT/_KEY   the hub's own TLS certificate and key (unset: TLS ends at a reverse proxy in front)
#   ADVCNN_HUB_PROXY_API       the proxy's API (http://127.0.0.1:8001)
#   ADVCNN_HUB_PROXY_COMMAND   configurable-http-proxy (the pinned one of docker/hub/package.json)
#   ADVCNN_HUB_STATE_DIR       the hub's database, cookie secret and the students' disks (/srv/advanced-cnn-hub)
#   ADVCNN_HUB_PASSWORDS       the students' hashed passwords (docker/hub/class_passwords.py; unset:
#                              TLJH's or your own authenticator)
#   ADVCNN_HUB_ADMINS          the teacher's account names, comma-separated (admins of the hub)
#   ADVCNN_HUB_LOCKOUT_AFTER   failed logins of one name before it is locked out (5)
#   ADVCNN_HUB_LOCKOUT_SECONDS how long the lock holds (300)
#   ADVCNN_HUB_SERVICE_TOKEN   the API token of a "class-test" service that may start and stop
#                              servers and make tokens (the test's driver)
#   ADVCNN_HUB_ACTIVITY_INTERVAL  seconds between the hub's activity updates (300; the test's are short)
import asyncio
import os
import sys
import time

from jupyterhub.auth import Authenticator
from traitlets import Dict, Integer

c = get_config()  # noqa: F821 (JupyterHub's config loader provides it)

env = os.environ.get
here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import class_passwords  # noqa: E402

# --- the hub's state: a fixed folder, so a restart keeps the class -------------
# [basics] "Cookie secret": kept in a file, so that a restart (from anywhere)
# keeps every login session valid; the database keeps users, servers and
# tokens (hashed: [basics] "The Hub hashes all secrets"). Root's only.
state = env("ADVCNN_HUB_STATE_DIR", "/srv/advanced-cnn-hub")
os.makedirs(state, mode=0o700, exist_ok=True)
c.JupyterHub.db_url = "sqlite:///" + os.path.join(state, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(state, "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = os.path.join(state, "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = os.path.join(state, "jupyterhub-proxy.pid")

# --- the hub and its proxy --------------------------------------------------------
# Bound to one interface: the loopback, for a reverse proxy in front that ends
# TLS, or the server's public address with the hub's own certificate ([basics]
# "Enabling SSL encryption": never without TLS on a public network).
c.JupyterHub.bind_url = env("ADVCNN_HUB_URL", "http://127.0.0.1:8000")
if env("ADVCNN_HUB_SSL_CERT"):
    c.JupyterHub.ssl_cert = env("ADVCNN_HUB_SSL_CERT")
    c.JupyterHub.ssl_key = env("ADVCNN_HUB_SSL_KEY")
c.ConfigurableHTTPProxy.api_url = env("ADVCNN_HUB_PROXY_API", "http://127.0.0.1:8001")
if env("ADVCNN_HUB_PROXY_COMMAND"):  # the pinned configurable-http-proxy of docker/hub/package.json
    c.ConfigurableHTTPProxy.command = [env("ADVCNN_HUB_PROXY_COMMAND")]
if env("ADVCNN_HUB_ACTIVITY_INTERVAL"):  # the test's short culler timeouts need fresh activity
    c.JupyterHub.last_activity_interval = int(env("ADVCNN_HUB_ACTIVITY_INTERVAL"))

# --- who may log in -------------------------------------------------------------


class ClassPasswordAuthenticator(Authenticator):
    """Each student logs in with their own password, checked against its hash in
    the class's password file (docker/hub/class_passwords.py: PBKDF2-HMAC-SHA256,
    file mode 0600, checked at start). Only those names may log in. Failed logins
    are slowed (one second each) and, after `lockout_after` failures of one name,
    that name is locked out for `lockout_seconds`, even with the right password
    ([z2jh]'s authenticators leave this to the identity provider; a class
    password needs it here). TLJH's authenticators or a real identity provider
    serve a long-running class better; this one needs nothing else."""

    passwords = Dict(config=True, help="student name -> pbkdf2_sha256 hash")
    lockout_after = Integer(5, config=True, help="failed logins of one name before it is locked out")
    lockout_seconds = Integer(300, config=True, help="how long a locked-out name stays locked")
    failure_delay = 1.0

    def __init__(self, **kw):
        super().__init__(**kw)
        self._failures = {}  # name -> [times of recent failures]

    def _locked(self, name, now):
        recent = [t for t in self._failures.get(name, []) if now - t < self.lockout_seconds]
        self._failures[name] = recent
        return len(recent) >= self.lockout_after

    async def authenticate(self, handler, data):
        name, password = data.get("username", ""), data.get("password", "")
        now = time.monotonic()
        if self._locked(name, now):
            self.log.warning("login of %r refused: locked out after %d failures", name[:32], self.lockout_after)
            await asyncio.sleep(self.failure_delay)
            return None
        # An unknown name costs the same hash as a known one, so that timing
        # does not tell which names exist.
        stored = self.passwords.get(name) or class_passwords.hash_password("", salt=b"\0" * 16)
        ok = bool(password) and name in self.passwords and await asyncio.get_running_loop().run_in_executor(
            None, class_passwords.verify_password, password, stored)
        if ok:
            self._failures.pop(name, None)
            return name
        self._failures.setdefault(name, []).append(now)
        await asyncio.sleep(self.failure_delay)
        return None


if env("ADVCNN_HUB_PASSWORDS"):
    passwords = class_passwords.load(env("ADVCNN_HUB_PASSWORDS"))  # refuses a file others can read, or plain text
    c.JupyterHub.authenticator_class = ClassPasswordAuthenticator
    c.ClassPasswordAuthenticator.passwords = passwords
    c.ClassPasswordAuthenticator.lockout_after = int(env("ADVCNN_HUB_LOCKOUT_AFTER", "5"))
    c.ClassPasswordAuthenticator.lockout_seconds = int(env("ADVCNN_HUB_LOCKOUT_SECONDS", "300"))
    c.Authenticator.allowed_users = set(passwords)
if env("ADVCNN_HUB_ADMINS"):
    c.Authenticator.admin_users = set(env("ADVCNN_HUB_ADMINS").split(","))

# --- the test's driver: a service that may start and stop servers -----------
if env("ADVCNN_HUB_SERVICE_TOKEN"):
    c.JupyterHub.services.append({"name": "class-test", "api_token": env("ADVCNN_HUB_SERVICE_TOKEN")})
    c.JupyterHub.load_roles.append({
        "name": "class-test",
        "scopes": ["admin:servers", "read:servers", "list:users", "read:users"],
        "services": ["class-test"],
    })

# --- the students' containers: the one copy of the spawner's settings -------------
load_subconfig(os.path.join(here, "class_spawner.py"))  # noqa: F821 (JupyterHub's config loader provides it)
