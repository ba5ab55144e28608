# JupyterHub for a class: every student gets their own container of the
# teaching image (docker/Dockerfile), with their own volume for their notebooks.
#
# `make class-test` (docker/class-test.sh) runs this file as it is, on the host,
# with the hub from docker/hub/requirements.txt and its proxy from
# docker/hub/package-lock.json, against podman's Docker-compatible API. A
# teacher can use it as it is too, or copy the DockerSpawner part into TLJH's
# /opt/tljh/config/jupyterhub_config.d/ (docs/classroom.md).
#
# Settings come from environment variables, each with a default for a teacher:
#
#   ADVCNN_HUB_IMAGE           the teaching image (advanced-cnn:cpu, as `make image` tags it)
#   ADVCNN_HUB_DOCKER_HOST     the Docker API to spawn with (unset: docker-py's DOCKER_HOST or its default)
#   ADVCNN_HUB_NETWORK         the container network the students' servers join (bridge)
#   ADVCNN_HUB_CONNECT_IP      the address the servers reach the hub at: the network's gateway
#   ADVCNN_HUB_MEM_LIMIT       each student's memory limit (2.5G: docs/classroom.md)
#   ADVCNN_HUB_CPU_LIMIT       each student's CPU limit in cores (unset: none; docs/classroom.md recommends 1)
#   ADVCNN_HUB_XLA_THREADS     PJRT_NPROC in each server: the threads of XLA's CPU plugin (1)
#   ADVCNN_HUB_STUDENT_ENV     more environment for the servers, as JSON (the test's short settings)
#   ADVCNN_HUB_PASSWORDS       a JSON file {"student": "password", ...}: the students and their
#                              passwords (unset: TLJH's or your own authenticator; see below)
#   ADVCNN_HUB_SERVICE_TOKEN   the API token of a "class-test" service that may start and stop
#                              servers and make tokens (the test's driver)
#   ADVCNN_HUB_STATE_DIR       where the hub keeps its database and cookie secret (the working folder)
import json
import os
from secrets import compare_digest

from jupyterhub.auth import Authenticator
from traitlets import Dict

c = get_config()  # noqa: F821 (JupyterHub's config loader provides it)

env = os.environ.get
state = env("ADVCNN_HUB_STATE_DIR", ".")

# --- the hub and its proxy --------------------------------------------------
c.JupyterHub.bind_url = env("ADVCNN_HUB_URL", "http://127.0.0.1:8000")
# The hub's own API listens where the students' containers can reach it: they
# are told to use their network's gateway, which is this host. The proxy, on
# this host, reaches it at 127.0.0.1 (the gateway's address exists only once a
# container has joined the network).
c.JupyterHub.hub_ip = "0.0.0.0"
c.JupyterHub.hub_port = int(env("ADVCNN_HUB_API_PORT", "8081"))
c.JupyterHub.hub_connect_ip = "127.0.0.1"
if env("ADVCNN_HUB_CONNECT_IP"):
    c.Spawner.hub_connect_url = f"http://{env('ADVCNN_HUB_CONNECT_IP')}:{c.JupyterHub.hub_port}"
c.JupyterHub.db_url = "sqlite:///" + os.path.join(state, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(state, "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = os.path.join(state, "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = os.path.join(state, "jupyterhub-proxy.pid")
c.ConfigurableHTTPProxy.api_url = env("ADVCNN_HUB_PROXY_API", "http://127.0.0.1:8001")
if env("ADVCNN_HUB_PROXY_COMMAND"):  # the pinned configurable-http-proxy of docker/hub/package.json
    c.ConfigurableHTTPProxy.command = [env("ADVCNN_HUB_PROXY_COMMAND")]
# A training cell can run for minutes without the browser saying anything: the
# hub must not cull or time out a busy server. Servers start in well under a
# minute once the image is on the machine.
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 120

# --- one container per student ----------------------------------------------
c.JupyterHub.spawner_class = "dockerspawner.DockerSpawner"
c.DockerSpawner.image = env("ADVCNN_HUB_IMAGE", "advanced-cnn:cpu")
c.DockerSpawner.pull_policy = "never"  # built here with `make image`; no registry needed
if env("ADVCNN_HUB_DOCKER_HOST"):
    c.DockerSpawner.client_kwargs = {"base_url": env("ADVCNN_HUB_DOCKER_HOST")}
c.DockerSpawner.network_name = env("ADVCNN_HUB_NETWORK", "bridge")
c.DockerSpawner.use_internal_ip = True  # the proxy talks to each container on its network
# The image's CMD (start-notebook.sh) runs jupyterhub-singleuser when spawned by
# a hub, with the lesson's notebooks folder as its root.
c.DockerSpawner.name_template = "advcnn-{prefix}-{username}"
# Each student's work lives in a volume of their own, mounted where the image
# keeps the notebooks: it starts with the lesson's notebooks and outlives the
# container, which is removed when the server stops.
c.DockerSpawner.volumes = {"advcnn-class-{username}": "/home/jovyan/advanced-cnn/notebooks"}
c.DockerSpawner.remove = True
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "/home/jovyan/advanced-cnn/notebooks"

c.DockerSpawner.mem_limit = env("ADVCNN_HUB_MEM_LIMIT", "2.5G")
if env("ADVCNN_HUB_CPU_LIMIT"):
    c.DockerSpawner.cpu_limit = float(env("ADVCNN_HUB_CPU_LIMIT"))
# XLA's CPU plugin starts as many threads as the CPUs the process may run on
# (sched_getaffinity), whatever the container's CPU quota: PJRT_NPROC sets the
# number instead: 1 is one intra-op thread per kernel, since the lesson's
# programs create XLA's client with one device (docs/backends.md).
c.DockerSpawner.environment = {
    "PJRT_NPROC": env("ADVCNN_HUB_XLA_THREADS", "1"),
    **json.loads(env("ADVCNN_HUB_STUDENT_ENV", "{}")),
}

# --- who may log in ----------------------------------------------------------


class ClassPasswordAuthenticator(Authenticator):
    """Each student logs in with their own password, from a JSON file written by
    the teacher (or the test): {"name": "password", ...}. Only those names may
    log in. TLJH's default (first use sets the password) or a real identity
    provider serve a long-running class better; this one needs nothing else."""

    passwords = Dict(config=True, help="student name -> password")

    async def authenticate(self, handler, data):
        want = self.passwords.get(data.get("username", ""))
        if want is not None and compare_digest(want.encode(), data.get("password", "").encode()):
            return data["username"]
        return None


if env("ADVCNN_HUB_PASSWORDS"):
    with open(env("ADVCNN_HUB_PASSWORDS")) as f:
        passwords = json.load(f)
    c.JupyterHub.authenticator_class = ClassPasswordAuthenticator
    c.ClassPasswordAuthenticator.passwords = passwords
    c.Authenticator.allowed_users = set(passwords)

# --- the test's driver: a service that may start and stop servers -----------
if env("ADVCNN_HUB_SERVICE_TOKEN"):
    c.JupyterHub.services = [{"name": "class-test", "api_token": env("ADVCNN_HUB_SERVICE_TOKEN")}]
    c.JupyterHub.load_roles = [{
        "name": "class-test",
        "scopes": ["admin:servers", "read:servers", "list:users", "read:users"],
        "services": ["class-test"],
    }]
