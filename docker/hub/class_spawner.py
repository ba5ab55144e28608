# The class's spawner: every student gets their own container of the teaching
# image (docker/image/Dockerfile) through DockerSpawner, limited and locked down,
# with their own disk for their notebooks. This is the one copy of these
# settings: docker/hub/jupyterhub_config.py loads it (`make class-test` and a
# hub of its own), and so does a TLJH install, from a link in
# /opt/tljh/config/jupyterhub_config.d/ (docs/classroom.md, "On TLJH").
#
# Each setting names the rule it serves:
#   [websec]  JupyterHub's Security Overview (docs: explanation/websecurity)
#   [z2jh]    Zero to JupyterHub's defaults (jupyterhub/values.yaml), the
#             reference for a hub that serves untrusted users
#   [stacks]  Jupyter's docker-stacks images, whose layout the image follows
#
# Settings come from environment variables, each with a default for a class:
#
#   ADVCNN_HUB_IMAGE         the teaching image (advanced-cnn:cpu, as `make image` tags it)
#   ADVCNN_HUB_DOCKER_HOST   the Docker API to spawn with (unset: docker-py's DOCKER_HOST or its default)
#   ADVCNN_HUB_NETWORK       the class's network, made and fenced by docker/hub/class-network.sh (advcnn-class)
#   ADVCNN_HUB_CONNECT_IP    where the students' servers reach the hub: that network's gateway
#   ADVCNN_HUB_API_PORT      the hub's API port, which the students' servers call (8081)
#   ADVCNN_HUB_MEM_LIMIT     each student's memory (2.5G: docs/classroom.md, "Limits per student")
#   ADVCNN_HUB_CPU_LIMIT     each student's CPU, in cores (1)
#   ADVCNN_HUB_PIDS_LIMIT    each student's processes and threads together (1024)
#   ADVCNN_HUB_DISK_LIMIT    each student's disk for their notebooks (2G; "none": a plain volume, no limit)
#   ADVCNN_HUB_STATE_DIR     where the students' disks live, beside the hub's database (/srv/advanced-cnn-hub)
#   ADVCNN_HUB_XLA_THREADS   PJRT_NPROC in each server: the threads of XLA's CPU plugin (1)
#   ADVCNN_HUB_STUDENT_ENV   more environment for the servers, as JSON (the test's short settings)
#   ADVCNN_HUB_GOPLS         "on" gives each kernel gopls, for Tab completion and Shift+Tab help (off)
#   ADVCNN_HUB_MAX_SERVERS   servers running at once, at most (30)
#   ADVCNN_HUB_CULL_TIMEOUT  seconds without activity before a server is stopped (3600)
#   ADVCNN_HUB_CULL_EVERY    seconds between the culler's rounds (600)
import json
import os
import re
import shutil
import subprocess
import sys

c = get_config()  # noqa: F821 (JupyterHub's config loader provides it)
env = os.environ.get
state = env("ADVCNN_HUB_STATE_DIR", "/srv/advanced-cnn-hub")
NOTEBOOKS = "/home/jovyan/advanced-cnn/notebooks"


def byte_size(text):
    """'2.5G' -> bytes, as JupyterHub's ByteSpecification reads mem_limit."""
    m = re.fullmatch(r"\s*([0-9.]+)\s*([KMGT]?)i?B?\s*", text, re.IGNORECASE)
    if not m:
        raise ValueError(f"not a size: {text!r} (examples: 512M, 2.5G)")
    return int(float(m.group(1)) * 1024 ** " KMGT".index(m.group(2).upper() or " "))


# --- one container per student -------------------------------------------------
c.JupyterHub.spawner_class = "dockerspawner.DockerSpawner"
c.DockerSpawner.image = env("ADVCNN_HUB_IMAGE", "advanced-cnn:cpu")
c.DockerSpawner.pull_policy = "never"  # built here with `make image`; no registry needed
if env("ADVCNN_HUB_DOCKER_HOST"):
    c.DockerSpawner.client_kwargs = {"base_url": env("ADVCNN_HUB_DOCKER_HOST")}
c.DockerSpawner.name_template = "advcnn-{prefix}-{username}"
c.DockerSpawner.remove = True  # a stopped server's container goes; the student's disk stays
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = NOTEBOOKS
# The image's CMD (start-notebook.sh) runs jupyterhub-singleuser when spawned by
# a hub, with the lesson's notebooks folder as its root. A training cell can run
# for minutes without the browser saying anything; servers start in well under
# a minute once the image is on the machine.
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 120

# [websec] "Protect users from each other": JupyterHub's switch
# Spawner.disable_user_config would hide every Jupyter path under $HOME, and the
# image's .venv (with the GoNB kernel and JupyterLab) lies under $HOME. The
# image does the same job another way: the home, ~/.jupyter and
# ~/.local/share/jupyter are root's, so there is no user config to load
# (docker/image/Dockerfile), and the class test proves it (check 1).

# [z2jh] singleuser.uid 1000, [stacks] jovyan: the server runs as uid 1000,
# group users (100), never as root, whatever the image says.
c.DockerSpawner.extra_create_kwargs = {"user": "1000:100"}

# --- the network: the class's own, fenced ---------------------------------------
# [z2jh] singleuser.networkPolicy (enabled, egressAllowRules.privateIPs false,
# cloudMetadataServer false): a student's server reaches the hub's API and
# nothing else of the class, of this host or of the cloud's metadata service.
# docker/hub/class-network.sh makes the network and its firewall rules; the
# proxy reaches each container on it at its own address.
c.DockerSpawner.network_name = env("ADVCNN_HUB_NETWORK", "advcnn-class")
c.DockerSpawner.use_internal_ip = True
# The hub's own API listens where the students' containers can reach it: their
# network's gateway, this host. The firewall lets only that network and this
# host reach its port; the proxy reaches it at 127.0.0.1. (The gateway's
# address exists only once a container has joined the network, so the hub
# cannot bind to it alone.)
hub_port = int(env("ADVCNN_HUB_API_PORT", "8081"))
c.JupyterHub.hub_ip = "0.0.0.0"
c.JupyterHub.hub_port = hub_port
c.JupyterHub.hub_connect_ip = "127.0.0.1"
if env("ADVCNN_HUB_CONNECT_IP"):
    c.Spawner.hub_connect_url = f"http://{env('ADVCNN_HUB_CONNECT_IP')}:{hub_port}"

# --- limits per student: one student cannot take the server down for all --------
# [z2jh] singleuser.memory.limit / cpu.limit: each server's memory and CPU are
# capped (docs/classroom.md gives today's measured figures). No swap beyond the
# memory limit, as on Kubernetes: a cell that allocates past it is killed, fast.
mem_limit = env("ADVCNN_HUB_MEM_LIMIT", "2.5G")
c.DockerSpawner.mem_limit = mem_limit
c.DockerSpawner.cpu_limit = float(env("ADVCNN_HUB_CPU_LIMIT", "1"))
c.DockerSpawner.extra_host_config = {
    "memswap_limit": byte_size(mem_limit),
    # A fork bomb or a thread leak stops at this many tasks (processes and threads:
    # a GoNB kernel compiling and training uses about 150), not at the host's.
    "pids_limit": int(env("ADVCNN_HUB_PIDS_LIMIT", "1024")),
    # [z2jh] singleuser.allowPrivilegeEscalation false; [stacks] runs as jovyan:
    # nothing in the container can gain privileges (setuid files, file
    # capabilities), and it holds no capability at all: the server, its kernels
    # and Go's compiler need none.
    "security_opt": ["no-new-privileges"],
    "cap_drop": ["ALL"],
}

# XLA's CPU plugin starts as many threads as the CPUs the process may run on
# (sched_getaffinity), whatever the container's CPU quota: PJRT_NPROC sets the
# number instead: 1 is one intra-op thread per kernel, since the lesson's
# programs create XLA's client with one device (docs/classroom.md).
#
# ADVCNN_GOPLS off: GoNB starts a gopls in every kernel, for Tab completion and
# Shift+Tab help only, and it holds about 150-165 MiB for the kernel's life
# (docs/memory.md): a fifth of a training student's container. Off, those two
# keys do nothing in a cell; everything else works (docker/image/gopls.sh).
c.DockerSpawner.environment = {
    "PJRT_NPROC": env("ADVCNN_HUB_XLA_THREADS", "1"),
    "ADVCNN_GOPLS": env("ADVCNN_HUB_GOPLS", "off"),
    **json.loads(env("ADVCNN_HUB_STUDENT_ENV", "{}")),
}

# --- each student's disk ------------------------------------------------------------
# [z2jh] singleuser.storage (a 10Gi volume per user, dynamic): each student's
# notebooks live on a disk of their own, a file system of ADVCNN_HUB_DISK_LIMIT
# in an image file under the state folder, loop-mounted on this host and bound
# over the image's notebooks folder. Filling it stops at its size and harms no
# one else; it outlives the container, which is removed when the server stops.
# The container's own layer (/tmp, the Go build cache) has no size limit with
# podman or Docker on ext4: a real server puts Docker's overlay2 on xfs with
# project quotas and adds "storage_opt": {"size": "10G"} to extra_host_config
# (docs/classroom.md, "Limits per student").
disk_limit = env("ADVCNN_HUB_DISK_LIMIT", "2G")
if disk_limit.lower() == "none":
    c.DockerSpawner.volumes = {"advcnn-class-{username}": NOTEBOOKS}
else:
    disks = os.path.join(state, "disks")
    c.DockerSpawner.volumes = {os.path.join(disks, "{username}"): NOTEBOOKS}

    def student_disk(spawner):
        """Makes (once) and mounts (after a reboot) the student's disk; runs as root, before the spawn."""
        name = spawner.user.name
        if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", name):
            raise ValueError(f"a student's name must be lower-case letters, digits, '.', '_' or '-': {name!r}")
        image, mountpoint = os.path.join(disks, name + ".img"), os.path.join(disks, name)
        os.makedirs(mountpoint, mode=0o700, exist_ok=True)
        os.chmod(disks, 0o711)
        if not os.path.exists(image):
            with open(image, "wb") as f:
                f.truncate(byte_size(disk_limit))
            os.chmod(image, 0o600)
            subprocess.run(["mkfs.ext4", "-q", "-F", "-m", "0", "-E", "root_owner=1000:100", image], check=True)
        if not os.path.ismount(mountpoint):
            subprocess.run(["mount", "-o", "loop,nosuid,nodev", image, mountpoint], check=True)
            lost = os.path.join(mountpoint, "lost+found")
            if os.path.isdir(lost) and not os.listdir(lost):
                os.rmdir(lost)
        spawner.log.info("%s's disk: %s (%s) on %s", name, image, disk_limit, mountpoint)

    c.Spawner.pre_spawn_hook = student_disk

# --- the class as a whole ------------------------------------------------------------
# Restarting the hub keeps the class: the servers keep running and the hub finds
# them again, with their routes, from its database (JupyterHub's
# cleanup_servers; with its default a restart stops every kernel).
c.JupyterHub.cleanup_servers = False
# A cap on servers running at once, so that a class cannot start more than the
# machine holds (each takes its memory limit at most), and on spawns at once.
c.JupyterHub.active_server_limit = int(env("ADVCNN_HUB_MAX_SERVERS", "30"))
c.JupyterHub.concurrent_spawn_limit = 10

# [z2jh] cull.enabled, with its defaults (timeout 3600 s, every 600 s): the idle
# culler (jupyterhub-idle-culler, pinned in docker/hub/requirements.txt) stops
# servers without activity, so that a class's forgotten tabs give their memory
# back. A training cell that prints (the lesson's print every few seconds)
# keeps its server active. On TLJH, turn TLJH's own culler off
# (tljh-config set services.cull.enabled False): this one replaces it.
c.JupyterHub.services.append({
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler",
                f"--timeout={int(env('ADVCNN_HUB_CULL_TIMEOUT', '3600'))}",
                f"--cull-every={int(env('ADVCNN_HUB_CULL_EVERY', '600'))}"],
})
c.JupyterHub.load_roles.append({
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
})
if shutil.which("mkfs.ext4") is None and disk_limit.lower() != "none":
    raise SystemExit("class_spawner.py: mkfs.ext4 is missing (e2fsprogs); set ADVCNN_HUB_DISK_LIMIT=none to go without disk limits")
