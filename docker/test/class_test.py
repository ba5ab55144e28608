#!/usr/bin/env python3
"""The class test's driver: students on a running JupyterHub, through its API.

    class_test.py test   --hub URL --passwords FILE --service-token TOKEN
    class_test.py bench  --hub URL --passwords FILE --service-token TOKEN --out plots/class

docker/test/class-test.sh starts the hub (docker/hub/jupyterhub_config.py, one
container of the teaching image per student) and runs this; it is not meant to
be run on its own. Everything goes through the hub's public URL, as a browser's
requests would: the students log in with their passwords (the login form, with
its XSRF cookie), each makes an API token with their own session and starts
their own server, then runs notebooks on a GoNB kernel over the kernel's
websocket (the Jupyter messaging protocol) and saves the executed notebook back
through the contents API. The host's side of the containers (their processes,
ids and mounts) is read with podman, as root.

`test` checks, and fails (exit status 1) on any failure:
  - three students log in and start their servers at the same time, and each
    runs notebook 01 (the short settings of notebooks/run_notebooks.py), judged
    as run_notebooks.py judges it, and saved into their own volume;
  - isolation: B's token is refused on A's server; B's kernel cannot see A's
    file (A's kernel, the control, can); each student has a container and a
    volume of their own;
  - persistence: A's work is still there after A's server is stopped (its
    container removed) and started again;
  - a kernel killed mid-training (kill -9 of the GoNB kernel and the cell's
    program, from the host) harms no one else: the hub answers, B and C run a
    cell, A starts a new kernel and runs one;
  - the ten attacks of docker/test/class_attacks.py (issue 20): static files,
    the network, tokens, a fork bomb, memory, a full disk, a hub restart, the
    idle culler, passwords and logins, and each container's settings.

`bench` measures what a student's kernel costs while it trains each net of the
notebooks in quick mode (one epoch on all 60,000 images), alone and with one
and two others training at the same time, and writes the figures as JSON.
"""

import argparse
import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import aiohttp
import nbformat
from nbformat.v4 import output_from_msg

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "notebooks"))
from run_notebooks import SHORT_ENV, coalesce_streams, notebook_problems  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from class_attacks import Attacks, client_session  # noqa: E402

NB01 = "01-one-by-one-convolution.ipynb"
NOTEBOOKS = {"inception": "02-inception.ipynb", "residual": "03-residual-network.ipynb"}
NOTEBOOK_DIR = "/home/jovyan/advanced-cnn/notebooks"
CELL_TIMEOUT = 900
# The idle culler's short settings, for attack 8 only (the hub restarts with them): its
# timeout and its rounds' interval; the servers report activity every 10 s.
CULL_TIMEOUT = 45
CULL_EVERY = 5
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")

failures = []


def say(*a):
    print(*a, flush=True)


def check(ok, what, detail=""):
    """Prints one check's result; a failed check fails the test at the end."""
    say(("ok    " if ok else "FAIL  ") + what + (f"\n      {detail}" if detail else ""))
    if not ok:
        failures.append(what)
    return ok


async def each_at_once(students, step, what):
    """Runs step(student) for all students at the same time and checks each
    one's success (what: a check's text, "{}" standing for the name). It
    returns whether every check so far passed."""
    results = await asyncio.gather(*(step(s) for s in students), return_exceptions=True)
    for s, r in zip(students, results):
        check(not isinstance(r, Exception), what.format(s.name), str(r) if isinstance(r, Exception) else "")
    return not failures


class KernelDied(Exception):
    pass


class Kernel:
    """A GoNB kernel of a student's server, over its websocket."""

    def __init__(self, student, kernel_id, ws):
        self.student, self.id, self.ws = student, kernel_id, ws
        self.session = uuid.uuid4().hex

    async def execute(self, code, timeout=CELL_TIMEOUT, on_output=None, on_any=None):
        """Runs code as one cell; returns (outputs, execution_count, status). on_output gets the text
        of each stream output as it comes, on_any the kind and content of every output."""
        msg_id = uuid.uuid4().hex
        await self.ws.send_str(json.dumps({
            "header": {"msg_id": msg_id, "username": self.student.name, "session": self.session,
                       "msg_type": "execute_request", "version": "5.3",
                       "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True},
        }))
        outputs, displays, count, status, idle, clear_next = [], {}, None, None, False, False
        deadline = time.monotonic() + timeout
        while status is None or not idle:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"a cell ran longer than {timeout} s")
            msg = await self.ws.receive(timeout=left)
            if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING,
                            aiohttp.WSMsgType.ERROR):
                raise KernelDied(f"the kernel's websocket closed ({msg.type.name})")
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue  # binary frames carry buffers (widgets); no cell output needs them
            m = json.loads(msg.data)
            kind, content = m["msg_type"], m["content"]
            if kind == "status" and content.get("execution_state") in ("dead", "restarting"):
                raise KernelDied(f"the server reports the kernel {content['execution_state']}")
            if m.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if m["channel"] == "shell" and kind == "execute_reply":
                status, count = content.get("status"), content.get("execution_count")
            elif kind == "status":
                idle = content.get("execution_state") == "idle"
            elif kind == "clear_output":
                if content.get("wait"):
                    clear_next = True
                else:
                    outputs.clear()
            elif kind == "update_display_data":
                i = displays.get(content.get("transient", {}).get("display_id"))
                if i is not None and i < len(outputs):
                    outputs[i]["data"], outputs[i]["metadata"] = content["data"], content.get("metadata", {})
            elif kind in ("stream", "display_data", "execute_result", "error"):
                if on_any:
                    on_any(kind, content)
                if clear_next:
                    outputs.clear()
                    displays.clear()
                    clear_next = False
                display_id = content.get("transient", {}).get("display_id")
                if display_id:
                    displays[display_id] = len(outputs)
                outputs.append(output_from_msg(m))
                if on_output and kind == "stream":
                    on_output(content.get("text", ""))
        return outputs, count, status

    async def run(self, code, timeout=CELL_TIMEOUT):
        """Runs code as one cell; returns (stdout, stderr and errors, status)."""
        outputs, _, status = await self.execute(code, timeout)
        out = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream" and o.get("name") == "stdout")
        err = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream" and o.get("name") == "stderr")
        err += "".join(f"{o['ename']}: {o['evalue']}" for o in outputs if o.get("output_type") == "error")
        return out, err, status


class Student:
    """One student: their login session (cookies), API token and server."""

    def __init__(self, hub, name, password):
        self.hub, self.name, self.password = hub, name, password
        self.http = client_session(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.token = None

    @property
    def auth(self):
        return {"Authorization": f"token {self.token}"}

    def url(self, path):
        return self.hub.url + path

    def xsrf(self):
        for c in self.http.cookie_jar:
            if c.key == "_xsrf":
                return c.value
        return None

    async def login_when_unlocked(self, timeout=60):
        """Logs in, waiting out a lockout (attack 9's target) for at most timeout seconds."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return await self.login()
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(3)

    async def login(self):
        """Logs in through the hub's form, then makes an API token with that session."""
        async with self.http.get(self.url("/hub/login")) as r:
            page = await r.text()
        m = re.search(r'name="_xsrf" value="([^"]+)"', page)
        if not m:
            raise RuntimeError(f"{self.name}: the login page has no _xsrf field")
        async with self.http.post(self.url("/hub/login"), allow_redirects=False,
                                  data={"username": self.name, "password": self.password, "_xsrf": m.group(1)}) as r:
            if r.status != 302:
                raise RuntimeError(f"{self.name}: login answered {r.status}, want 302 (a redirect once logged in)")
        headers = {"X-XSRFToken": self.xsrf() or ""}
        async with self.http.post(self.url(f"/hub/api/users/{self.name}/tokens"), headers=headers,
                                  json={"note": "class test", "expires_in": 7200}) as r:
            if r.status != 201:
                raise RuntimeError(f"{self.name}: making a token with the login session answered {r.status}: {await r.text()}")
            self.token = (await r.json())["token"]

    async def api(self, method, path, token=None, **kw):
        headers = {"Authorization": f"token {token or self.token}"}
        async with self.http.request(method, self.url(path), headers=headers, allow_redirects=False, **kw) as r:
            body = await r.text()
            try:
                return r.status, json.loads(body) if body else None
            except json.JSONDecodeError:
                return r.status, body

    async def spawn_request(self, token=None):
        """Asks the hub to start the student's server; returns (status, body) without waiting."""
        return await self.api("POST", f"/hub/api/users/{self.name}/server", token)

    async def spawn(self, token=None, timeout=240):
        """Starts the student's server (with their own token unless another is given) and waits until it is ready."""
        status, body = await self.api("POST", f"/hub/api/users/{self.name}/server", token)
        if status not in (201, 202, 400):  # 400: already running
            raise RuntimeError(f"{self.name}: starting the server answered {status}: {body}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, user = await self.api("GET", f"/hub/api/users/{self.name}", token)
            server = (user or {}).get("servers", {}).get("") if status == 200 else None
            if server and server.get("ready"):
                return
            await asyncio.sleep(1)
        raise RuntimeError(f"{self.name}: the server was not ready after {timeout} s")

    async def contents(self, path, token=None):
        return await self.api("GET", f"/user/{self.name}/api/contents/{path}?content=1", token)

    async def save(self, path, nb):
        status, body = await self.api("PUT", f"/user/{self.name}/api/contents/{path}",
                                      json={"type": "notebook", "format": "json", "content": nb})
        if status not in (200, 201):
            raise RuntimeError(f"{self.name}: saving {path} answered {status}: {body}")

    async def kernel(self, path):
        """A new session (a new GoNB kernel, as JupyterLab opens a notebook) on path."""
        status, body = await self.api("POST", f"/user/{self.name}/api/sessions",
                                      json={"path": path, "type": "notebook", "name": path, "kernel": {"name": "gonb"}})
        if status != 201:
            raise RuntimeError(f"{self.name}: a new session on {path} answered {status}: {body}")
        kid = body["kernel"]["id"]
        ws_url = self.url(f"/user/{self.name}/api/kernels/{kid}/channels").replace("http", "ws", 1)
        ws = await self.http.ws_connect(ws_url, headers=self.auth, max_msg_size=0, heartbeat=None)
        return Kernel(self, kid, ws)

    async def reconnect(self, kid):
        """A new websocket to one of the student's running kernels."""
        ws_url = self.url(f"/user/{self.name}/api/kernels/{kid}/channels").replace("http", "ws", 1)
        ws = await self.http.ws_connect(ws_url, headers=self.auth, max_msg_size=0, heartbeat=None)
        return Kernel(self, kid, ws)

    async def close(self):
        await self.http.close()


class Hub:
    def __init__(self, url, service_token):
        self.url, self.service_token = url.rstrip("/"), service_token


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


async def run_notebook(student, path):
    """Runs a notebook of the student's server cell by cell, saves it executed; returns (seconds, problems)."""
    start = time.monotonic()
    status, model = await student.contents(path)
    if status != 200:
        return 0, [f"reading {path} answered {status}"]
    nb = nbformat.from_dict(model["content"])
    kernel = await student.kernel(path)
    error = None
    try:
        for cell in code_cells(nb):
            cell.outputs, cell.execution_count, status = await kernel.execute(cell.source)
            if status != "ok":
                break
    except (KernelDied, TimeoutError) as e:
        error = str(e)
    coalesce_streams(nb)
    problems = ([error] if error else []) + notebook_problems(nb.cells, check_backend=not error)
    await student.save(path, nb)
    await kernel.ws.close()
    return time.monotonic() - start, problems


# --- the host's view of a student's container --------------------------------

def podman(*args):
    return subprocess.run(["podman", *args], check=True, capture_output=True, text=True).stdout.strip()


def container(student):
    return f"advcnn-jupyter-{student.name}"


def proc_table():
    """pid -> (ppid, comm) of every process on the host."""
    table = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                stat = open(f"/proc/{p}/stat").read()
            except OSError:
                continue
            comm = stat[stat.index("(") + 1:stat.rindex(")")]
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
            table[int(p)] = (ppid, comm)
    return table


def descendants(root, table):
    kids = {}
    for pid, (ppid, _) in table.items():
        kids.setdefault(ppid, []).append(pid)
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += kids.get(pid, [])
    return out


def kernel_tree(student):
    """The host pids of the student's GoNB kernel and everything it started (the cell's program)."""
    table = proc_table()
    init = int(podman("inspect", "--format", "{{.State.Pid}}", container(student)))
    gonbs = [p for p in descendants(init, table) if table[p][1] == "gonb"]
    return [pid for g in gonbs for pid in descendants(g, table)], table


def proc_sample(pid):
    """(rss bytes, cpu seconds, threads, comm) of a pid, or None once it is gone."""
    try:
        stat = open(f"/proc/{pid}/stat").read()
        rest = stat[stat.rindex(")") + 2:].split()
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        cpu = (int(rest[11]) + int(rest[12])) / CLK_TCK
        threads = int(rest[17])
        rss = int(open(f"/proc/{pid}/statm").read().split()[1]) * PAGE
        return rss, cpu, threads, comm
    except (OSError, IndexError, ValueError):
        return None


def thread_names(pid):
    names = {}
    try:
        for t in os.listdir(f"/proc/{pid}/task"):
            n = open(f"/proc/{pid}/task/{t}/comm").read().strip()
            n = re.sub(r"[-_]?\d+$", "", n)
            names[n] = names.get(n, 0) + 1
    except OSError:
        pass
    return names


# --- make class-test ------------------------------------------------------------

async def test(hub, students, args, lockout):
    a, b, c = students
    attacks = Attacks(hub, students, args, check, podman, container, kernel_tree)
    # Attack 9 (passwords, wrong logins, the lockout of a fourth name) runs beside the class's start.
    logins = asyncio.ensure_future(attacks.guarded(9, "passwords and logins", attacks.logins(
        a, b, lockout.name, lockout.password, 45)))
    say(f"\n==> {len(students)} students log in at the same time ({', '.join(s.name for s in students)})")
    t0 = time.monotonic()
    if not await each_at_once(students, lambda s: s.login(), "{} logged in with their password and made a token with that session"):
        await logins
        return
    say(f"      3 logins in {time.monotonic() - t0:.1f} s")
    status, body = await a.api("GET", "/hub/api/user", token=a.token)
    check(status == 200 and body.get("name") == a.name, f"{a.name}'s token is {a.name}'s (GET /hub/api/user: {status} {body.get('name') if isinstance(body, dict) else body})")

    say("\n==> each starts their own server (DockerSpawner: a container of the teaching image)")
    t0 = time.monotonic()
    if not await each_at_once(students, lambda s: s.spawn(), "{}'s server is ready"):
        await logins
        return
    say(f"      3 servers ready in {time.monotonic() - t0:.1f} s")
    info = {}
    for s in students:
        i = json.loads(podman("inspect", container(s)))[0]
        info[s.name] = i
        mounts = [(m.get("Name") or m.get("Source"), m["Destination"]) for m in i["Mounts"]]
        say(f"      {s.name}: container {i['Id'][:12]} ({i['Config']['Image']}), user {i['Config']['User'] or 'image default'}, "
            f"memory limit {i['HostConfig']['Memory'] / 2**30:.1f} GiB, mounts {mounts}")

    say("\n==> each runs notebook 01 through the hub at the same time (short settings)")
    results = await asyncio.gather(*(run_notebook(s, NB01) for s in students), return_exceptions=True)
    for s, r in zip(students, results):
        if isinstance(r, Exception):
            check(False, f"{s.name} ran {NB01}", repr(r))
            continue
        seconds, problems = r
        check(not problems, f"{s.name} ran {NB01} through the hub in {seconds:.0f} s, every cell ok, saved executed",
              "\n      ".join(problems))
    status, model = await a.contents(NB01)
    executed = sum(1 for cell in (model or {}).get("content", {}).get("cells", []) if cell.get("outputs"))
    check(status == 200 and executed > 0, f"{a.name}'s saved {NB01} holds the outputs of {executed} cells")

    say("\n==> isolation: each student's files are their own")
    marker = "private-" + uuid.uuid4().hex
    private = "class-test-private.ipynb"
    await a.save(private, nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"{a.name}'s own notes: {marker}")]))
    status, body = await a.contents(private)
    check(status == 200 and marker in json.dumps(body), f"{a.name} saved {private} with a marker and reads it back ({status})")
    status, body = await b.api("GET", f"/user/{a.name}/api/contents/{private}?content=1", token=b.token)
    check(status in (401, 403) and marker not in str(body),
          f"{b.name}'s token on {a.name}'s server (GET /user/{a.name}/api/contents/{private}) is refused: {status} {str(body)[:120]!r}")
    status, body = await b.api("GET", f"/user/{a.name}/api/kernels", token=b.token)
    check(status in (401, 403, 404), f"{b.name}'s token on {a.name}'s kernels (GET /user/{a.name}/api/kernels) is refused: {status}")
    async with client_session() as anonymous:
        async with anonymous.get(hub.url + f"/user/{a.name}/api/contents/{private}", allow_redirects=False) as r:
            check(r.status in (302, 401, 403), f"no token on {a.name}'s server is refused or sent to log in: {r.status}")
    look = (f"!echo '== id'; id; echo '== hostname'; hostname; echo '== ls'; ls {NOTEBOOK_DIR}; "
            f"echo '== cat'; cat {NOTEBOOK_DIR}/{private}; echo '== find'; find / \\( -path /proc -o -path /sys \\) -prune -o -name '{private}' -print 2>/dev/null; echo '== end'")
    kernels = {}
    for s in (a, b, c):
        kernels[s.name] = await s.kernel("isolation.ipynb")
    seen = {}
    for s in (a, b):
        out, err, _ = await kernels[s.name].run(look)
        seen[s.name] = (out, err)
        say(f"      {s.name}'s kernel ran: {look}\n        stdout: " + out.strip().replace("\n", "\n                ")
            + "\n        stderr: " + err.strip().replace("\n", "\n                "))
    found = {k: out.split("== find")[-1].split("== end")[0].strip() if "== end" in out else None for k, (out, _) in seen.items()}
    check(marker in seen[a.name][0] and found[a.name] == f"{NOTEBOOK_DIR}/{private}",
          f"control: {a.name}'s own kernel reads the file and finds it ({found[a.name]})")
    check(found[b.name] == "" and marker not in seen[b.name][0] + seen[b.name][1],
          f"{b.name}'s kernel cannot read {a.name}'s file, nor find it anywhere in its container ({found[b.name]!r})")
    ids = {info[s.name]["Id"] for s in students}
    vols = [sorted(m.get("Name") or m.get("Source", "") for m in info[s.name]["Mounts"]) for s in students]
    check(len(ids) == 3, "each student has a container of their own: " + ", ".join(f"{s.name} {info[s.name]['Id'][:12]}" for s in students))
    check(all(v in ([f"advcnn-class-{s.name}"], [f"{args.run}/disks/{s.name}"]) for s, v in zip(students, vols)),
          "each container mounts only its student's volume or disk: " + ", ".join(f"{s.name} {v}" for s, v in zip(students, vols)))
    pids = {s.name: int(podman("inspect", "--format", "{{.State.Pid}}", container(s))) for s in students}
    ns = {s.name: (os.readlink(f"/proc/{pids[s.name]}/ns/mnt"), os.readlink(f"/proc/{pids[s.name]}/ns/pid")) for s in students}
    check(len({v for v in ns.values()}) == 3, "each container has its own mount and pid namespaces: " + ", ".join(f"{k} {v[0]} {v[1]}" for k, v in ns.items()))

    say(f"\n==> persistence: {a.name}'s server stopped (its container removed) and started again")
    for k in kernels.values():
        await k.ws.close()
    status, _ = await a.api("DELETE", f"/hub/api/users/{a.name}/server", token=hub.service_token)
    check(status in (202, 204), f"the hub stopped {a.name}'s server ({status})")
    for _ in range(120):
        _, user = await a.api("GET", f"/hub/api/users/{a.name}", token=hub.service_token)
        if not user["servers"]:
            break
        await asyncio.sleep(1)
    gone = subprocess.run(["podman", "container", "exists", container(a)]).returncode != 0
    check(gone, f"{a.name}'s container {container(a)} is gone")
    await a.spawn(token=hub.service_token)
    new_id = json.loads(podman("inspect", container(a)))[0]["Id"]
    check(new_id != info[a.name]["Id"], f"{a.name} has a new container: {new_id[:12]}")
    status, body = await a.contents(private)
    check(status == 200 and marker in json.dumps(body), f"{a.name}'s {private} is still there, marker and all ({status})")
    status, model = await a.contents(NB01)
    executed = sum(1 for cell in (model or {}).get("content", {}).get("cells", []) if cell.get("outputs"))
    check(status == 200 and executed > 0, f"{a.name}'s executed {NB01} is still there, with the outputs of {executed} cells")

    await logins
    await lockout.login_when_unlocked()
    await attacks.guarded(10, "each container's settings", attacks.settings(students, args.mem_limit, lockout))
    await attacks.guarded(1, "a planted static file", attacks.static_files(b))
    await attacks.guarded(2, "the network", attacks.network(a, b))
    await attacks.guarded(3, "bob's tokens on alice's things", attacks.tokens(a, b, private))

    say(f"\n==> {a.name}'s kernel killed mid-training (kill -9 from the host); {b.name} and {c.name} go on")
    others = {s.name: await s.kernel("still-here.ipynb") for s in (b, c)}
    nb = nbformat.from_dict((await a.contents(NOTEBOOKS["residual"]))[1]["content"])
    ka = await a.kernel(NOTEBOOKS["residual"])
    for cell in code_cells(nb):
        if not cell.source.lstrip().startswith("%%"):  # the module, the imports, the net's definition
            _, _, st = await ka.execute(cell.source)
            if st != "ok":
                check(False, f"{a.name}'s kernel ran {NOTEBOOKS['residual']}'s set-up cells")
                return
    await ka.execute("%env ADVCNN_TRAIN_LIMIT 60000\n%env ADVCNN_EPOCHS 5")
    train = next(cell.source for cell in code_cells(nb) if "training.Train(" in cell.source)
    started = asyncio.Event()
    training = asyncio.ensure_future(ka.execute(train, on_output=lambda t: started.set() if "loss:" in t else None))
    try:
        await asyncio.wait_for(started.wait(), 600)
    except asyncio.TimeoutError:
        check(False, f"{a.name}'s training printed its first loss line within 600 s")
        return
    tree, table = kernel_tree(a)
    say("      the kernel's processes, training: " + ", ".join(f"{p} {table[p][1]}" for p in tree))
    say("      tasks (processes and threads) in %s's container while training: %s of at most %s" % (a.name, *attacks.pids_current(a)))
    check(len(tree) >= 2, f"{a.name}'s kernel (gonb) and its training program are running")
    for p in tree:
        os.kill(p, signal.SIGKILL)
    await asyncio.sleep(2)
    alive = [p for p in tree if proc_sample(p) is not None and open(f"/proc/{p}/stat").read().split(") ")[1][0] != "Z"]
    check(not alive, f"kill -9 of {tree}: none left ({alive})")
    try:
        await asyncio.wait_for(training, 120)
        check(False, f"{a.name}'s training cell ended normally although its kernel was killed")
    except (KernelDied, asyncio.TimeoutError, TimeoutError) as e:
        say(f"      {a.name}'s training cell: {e.__class__.__name__}: {e}")
    status, body = await a.api("GET", "/hub/api/", token=hub.service_token)
    check(status == 200, f"the hub answers: GET /hub/api/ {status} {body}")
    status, users = await a.api("GET", "/hub/api/users", token=hub.service_token)
    running = sorted(u["name"] for u in users if u.get("servers"))
    check(status == 200 and running == sorted(s.name for s in students), f"all three servers still running: {running}")
    for s in (b, c):
        text, _, st = await others[s.name].run('%%\nfmt.Println("still here:", os.Getenv("JUPYTERHUB_USER"))')
        check(st == "ok" and f"still here: {s.name}" in text, f"{s.name}'s kernel runs a cell: {text.strip()!r}")
    knew = await a.kernel("after-the-kill.ipynb")
    text, _, st = await knew.run('%%\nfmt.Println("a new kernel for", os.Getenv("JUPYTERHUB_USER"))')
    check(st == "ok" and f"a new kernel for {a.name}" in text, f"{a.name} starts a new kernel and runs a cell: {text.strip()!r}")
    for k in [knew, ka, *others.values()]:
        await k.ws.close()

    await attacks.guarded(5, "a cell past the memory limit", attacks.memory(a, [b, c], NB01))
    await attacks.guarded(6, "a full disk", attacks.disk(a, b, c, NB01))
    await attacks.guarded(4, "a fork bomb", attacks.fork_bomb(a, [b, c]))
    await attacks.guarded(7, "restarting the hub", attacks.restart_hub())
    await attacks.guarded(8, "the idle culler", attacks.culler(b, c, CULL_TIMEOUT, CULL_EVERY))


# --- make class-bench ----------------------------------------------------------

HISTORY_MARK = "CLASS-BENCH-HISTORY "


def training_cell(nb):
    """The notebook's training cell, printing its history as JSON at the end."""
    src = next(cell.source for cell in code_cells(nb) if "training.Train(" in cell.source)
    anchor = "check(live.Finish(h))"
    if anchor not in src:
        raise RuntimeError(f"the training cell no longer holds {anchor!r}: update class_test.py")
    return src.replace(anchor, anchor + f'\n{{ j, _ := json.Marshal(h); fmt.Println("{HISTORY_MARK}" + string(j)) }}')


class Sampler:
    """Samples the kernel process trees of students every interval, from the host's /proc: the
    whole tree (gonb, the go tool compiling the cell, gopls, the cell's program) and the cell's
    program alone (GoNB names it gonb_<id>), which is what trains."""

    def __init__(self, students, interval=0.5):
        self.students, self.interval = students, interval
        self.peak_rss = {s.name: 0 for s in students}
        self.program_peak_rss = {s.name: 0 for s in students}
        self.cpu = {s.name: {} for s in students}  # pid -> (comm, last cpu seconds seen, first seen, last seen)
        self.threads = {s.name: (0, {}) for s in students}
        self.stop = False

    def program(self, name):
        """(cpu seconds, seconds alive) of the student's cell programs."""
        progs = [v for v in self.cpu[name].values() if v[0].startswith("gonb_")]
        return sum(v[1] for v in progs), sum(v[3] - v[2] for v in progs)

    async def run(self):
        while not self.stop:
            now = time.monotonic()
            for s in self.students:
                try:
                    tree, _ = kernel_tree(s)
                except (subprocess.CalledProcessError, ValueError):
                    continue
                rss = prog_rss = 0
                for pid in tree:
                    x = proc_sample(pid)
                    if x is None:
                        continue
                    rss += x[0]
                    first = self.cpu[s.name].get(pid, (None, 0, now))[2]
                    self.cpu[s.name][pid] = (x[3], x[1], first, now)
                    if x[3].startswith("gonb_"):
                        prog_rss += x[0]
                        if x[2] > self.threads[s.name][0]:
                            self.threads[s.name] = (x[2], thread_names(pid))
                self.peak_rss[s.name] = max(self.peak_rss[s.name], rss)
                self.program_peak_rss[s.name] = max(self.program_peak_rss[s.name], prog_rss)
            await asyncio.sleep(self.interval)


# What lib/charts' Figure.HTML draws a chart into (the echarts library's own output has no such div).
CHART_MARK = 'class="advcnn-chart"'


async def first_results(student, path=NB01):
    """What a student waits for at the start of a lesson: notebook path opened in a new kernel and
    all its cells run, as JupyterLab's Run All runs them. Returns the seconds from asking for the
    kernel to its websocket being connected, to the first output of any cell, and to the first
    chart (issue 18's goals: 5 s and 15 s for notebook 01); the cells after the first chart are
    not run."""
    status, model = await student.contents(path)
    if status != 200:
        raise RuntimeError(f"{student.name}: reading {path} answered {status}")
    nb = nbformat.from_dict(model["content"])
    t0 = time.monotonic()
    kernel = await student.kernel(path)
    times = {"student": student.name, "notebook": path, "kernel_seconds": time.monotonic() - t0}

    def seen(kind, content):
        t = time.monotonic() - t0
        times.setdefault("first_output_seconds", t)
        if kind == "display_data" and CHART_MARK in content.get("data", {}).get("text/html", ""):
            times.setdefault("first_chart_seconds", t)
    try:
        for cell in code_cells(nb):
            if "first_chart_seconds" in times:
                break
            outputs, _, st = await kernel.execute(cell.source, on_any=seen)
            if st != "ok":
                raise RuntimeError(f"{student.name}: a cell of {path} failed before its first chart: {outputs}")
    finally:
        await kernel.ws.close()
        await student.api("DELETE", f"/user/{student.name}/api/kernels/{kernel.id}")
    if "first_chart_seconds" not in times:
        raise RuntimeError(f"{student.name}: {path} ran to its end without a chart ({CHART_MARK!r})")
    return times


def say_first(label, t):
    say(f"first results, {label}: {t['student']} opened {t['notebook']} in a fresh container; kernel connected "
        f"{t['kernel_seconds']:.1f} s, first output {t['first_output_seconds']:.1f} s, "
        f"first chart {t['first_chart_seconds']:.1f} s (load {t['loadavg'][0]:.1f})")


def memory_cgroup(student):
    pid = podman("inspect", "--format", "{{.State.Pid}}", container(student))
    for line in open(f"/proc/{pid}/cgroup"):
        _, controllers, path = line.strip().split(":", 2)
        if "memory" in controllers.split(","):
            return Path("/sys/fs/cgroup/memory") / path.lstrip("/")
    return None


async def bench(hub, students, out_dir):
    await asyncio.gather(*(s.login() for s in students))
    await asyncio.gather(*(s.spawn() for s in students))
    runs, first = [], {}

    def write():
        out.write_text(json.dumps({"cpus": os.cpu_count(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                   "first_results": first, "runs": runs}, indent=1) + "\n")
    # The first results, cold: bob opens notebook 01 in his fresh container, nothing else running.
    first["cold"] = await first_results(students[1])
    first["cold"]["loadavg"] = os.getloadavg()
    say_first("cold", first["cold"])
    # The residual net first, with the thread setting's comparison (PJRT_NPROC=2: this machine's
    # cores, what XLA starts without the setting), then the slower Inception net.
    # Inception x2 comes before the runs with three students, so that carol's container is still
    # fresh when she opens notebook 01 beside it (the loaded first results).
    plan = [("residual", 1, None), ("residual", 1, "2"), ("residual", 2, None),
            ("inception", 1, None), ("inception", 2, None), ("residual", 3, None), ("inception", 3, None)]
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / "bench.json"
    for net, n, nproc in plan:
        group = students[:n]
        path = NOTEBOOKS[net]
        nb = nbformat.from_dict((await group[0].contents(path))[1]["content"])
        cell = training_cell(nb)
        kernels = await asyncio.gather(*(s.kernel(path) for s in group))

        async def prepare(k):
            for c in code_cells(nb):
                if not c.source.lstrip().startswith("%%"):  # the module, the imports, the net's definition
                    _, _, st = await k.execute(c.source)
                    if st != "ok":
                        raise RuntimeError(f"{k.student.name}: a set-up cell of {path} failed")
            if nproc:
                await k.execute(f"%env PJRT_NPROC {nproc}")
        await asyncio.gather(*(prepare(k) for k in kernels))
        cgroups = {s.name: memory_cgroup(s) for s in group}
        for cg in cgroups.values():
            if cg and (cg / "memory.max_usage_in_bytes").exists():
                (cg / "memory.max_usage_in_bytes").write_text("0")
        sampler = Sampler(group)
        sampling = asyncio.ensure_future(sampler.run())
        load0 = os.getloadavg()
        t0 = time.monotonic()
        trainings = asyncio.gather(*(k.execute(cell) for k in kernels))
        if net == "inception" and n == 2:
            # The first results, loaded: carol opens notebook 01 in her fresh container while alice
            # and bob train the Inception net; trained_meanwhile says whether they still were.
            first["loaded"] = await first_results(students[2])
            first["loaded"]["loadavg"] = os.getloadavg()
            first["loaded"]["trained_meanwhile"] = not trainings.done()
            first["loaded"]["training_beside"] = f"{net} x{n}"
            say_first(f"with {n} students training the {net} net", first["loaded"])
        results = await trainings
        wall = time.monotonic() - t0
        sampler.stop = True
        await sampling
        load1 = os.getloadavg()
        for s, k, (outputs, _, st) in zip(group, kernels, results):
            text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
            line = next((l for l in text.splitlines() if l.startswith(HISTORY_MARK)), None)
            if st != "ok" or not line:
                raise RuntimeError(f"{s.name}: the {net} training cell failed: {text[-2000:]}")
            h = json.loads(line[len(HISTORY_MARK):])
            e = h["epochs"][-1]
            cg = cgroups[s.name]
            cg_peak = int((cg / "memory.max_usage_in_bytes").read_text()) if cg and (cg / "memory.max_usage_in_bytes").exists() else None
            cpu = sum(v[1] for v in sampler.cpu[s.name].values())
            prog_cpu, prog_alive = sampler.program(s.name)
            threads, names = sampler.threads[s.name]
            run = {"net": net, "concurrent": n, "student": s.name, "pjrt_nproc": nproc or os.environ.get("ADVCNN_HUB_XLA_THREADS", "1"),
                   "train_seconds": e["train_seconds"], "eval_seconds": e["eval_seconds"], "median_step_ms": e["median_step_ms"],
                   "steps": e["steps"], "test_accuracy": e["test_accuracy"], "train_examples": h["train_examples"],
                   "cell_seconds": wall, "kernel_peak_rss_mib": sampler.peak_rss[s.name] / 2**20,
                   "program_peak_rss_mib": sampler.program_peak_rss[s.name] / 2**20,
                   "kernel_cpu_seconds": cpu, "program_cpu_seconds": prog_cpu, "program_seconds": prog_alive,
                   "cpu_cores_used": prog_cpu / prog_alive if prog_alive else None,
                   "container_peak_memory_mib": cg_peak / 2**20 if cg_peak else None,
                   "training_threads": threads, "thread_names": names,
                   "gopls_ran": any(v[0] == "gopls" for v in sampler.cpu[s.name].values()),
                   "loadavg_before": load0, "loadavg_after": load1}
            runs.append(run)
            write()
            say(f"{net:9} x{n} {s.name:6} PJRT_NPROC={run['pjrt_nproc']}: epoch train {e['train_seconds']:6.1f} s, eval {e['eval_seconds']:5.1f} s, "
                f"median step {e['median_step_ms']:6.1f} ms; cell {wall:4.0f} s; peak RSS kernel {run['kernel_peak_rss_mib']:5.0f} MiB, "
                f"program {run['program_peak_rss_mib']:5.0f} MiB, container {run['container_peak_memory_mib'] or 0:5.0f} MiB; "
                f"CPU kernel {cpu:5.1f} s, program {prog_cpu:5.1f} s in {prog_alive:4.0f} s = {run['cpu_cores_used'] or 0:.2f} cores; "
                f"program threads {threads} {names}; load {load0[0]:.1f} -> {load1[0]:.1f}")
        for k in kernels:
            await k.ws.close()
            await k.student.api("DELETE", f"/user/{k.student.name}/api/kernels/{k.id}")
    say(f"\nwrote {out}")
    say("\n| net | concurrent trainings | epoch training s (each) | median step ms | peak RSS MiB: kernel, program | container peak MiB | CPU cores used |")
    say("|---|---|---|---|---|---|---|")
    for net in NOTEBOOKS:
        for n in (1, 2, 3):
            rs = [r for r in runs if r["net"] == net and r["concurrent"] == n and r["pjrt_nproc"] != "2"]
            if not rs:
                continue
            def cells(key, fmt):
                return ", ".join(format(r[key], fmt) for r in rs)
            say(f"| {net} | {n} | {cells('train_seconds', '.1f')} | {cells('median_step_ms', '.0f')} | "
                f"{max(r['kernel_peak_rss_mib'] for r in rs):.0f}, {max(r['program_peak_rss_mib'] for r in rs):.0f} | {max(r['container_peak_memory_mib'] or 0 for r in rs):.0f} | "
                f"{', '.join(format(r['cpu_cores_used'] or 0, '.2f') for r in rs)} |")


async def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["test", "bench"])
    ap.add_argument("--hub", required=True, help="the hub's public URL")
    ap.add_argument("--passwords", required=True, help="JSON file: student name -> password (plain, for the driver)")
    ap.add_argument("--service-token", required=True, help="the class-test service's API token")
    ap.add_argument("--out", default=str(REPO / "plots" / "class"), help="bench: folder for bench.json")
    ap.add_argument("--run", help="the run's folder (hub-start.sh, the hub's pid and state, the students' disks)")
    ap.add_argument("--gateway", help="the class network's gateway (this host)")
    ap.add_argument("--hub-api-port", type=int)
    ap.add_argument("--proxy-api-port", type=int)
    ap.add_argument("--network")
    ap.add_argument("--subnet")
    ap.add_argument("--image")
    ap.add_argument("--mem-limit", default="2G")
    ap.add_argument("--lockout-student", default="dave", help="a student with a password who is never spawned: attack 9's target")
    if sys.argv[1:2] == ["short-env"]:  # the students' environment in the test: run_notebooks.py's short settings
        # and activity reported every 10 s (JupyterHub's default is 300 s), for the idle culler's short timeouts
        print(json.dumps({**SHORT_ENV, "JUPYTERHUB_ACTIVITY_INTERVAL": "10"}))
        return 0
    if sys.argv[1:2] == ["passwords"]:  # passwords --run DIR [--plain] NAME...: this run's passwords
        return make_passwords(sys.argv[2:])
    args = ap.parse_args()
    hub = Hub(args.hub, args.service_token)
    passwords = json.load(open(args.passwords))
    students = [Student(hub, name, pw) for name, pw in passwords.items() if name != args.lockout_student]
    lockout = Student(hub, args.lockout_student, passwords.get(args.lockout_student, ""))
    try:
        if args.mode == "test":
            await test(hub, students, args, lockout)
        else:
            await bench(hub, students, Path(args.out))
    finally:
        for s in [*students, lockout]:
            await s.close()
    if args.mode == "test":
        if failures:
            say(f"\nFAIL: {len(failures)} check(s) failed: " + "; ".join(failures))
            return 1
        say("\nall class checks passed")
    return 0


def make_passwords(argv):
    """Each student's password for this run: the driver's file holds them, the hub's their hashes
    (docker/hub/class_passwords.py; with --plain, the plain text the hub read before issue 20)."""
    import secrets
    sys.path.insert(0, str(REPO / "docker" / "hub"))
    import class_passwords
    run = argv[argv.index("--run") + 1]
    plain_for_hub = "--plain" in argv
    names = [a for i, a in enumerate(argv) if not a.startswith("--") and argv[i - 1] != "--run"]
    plain = {name: secrets.token_urlsafe(12) for name in names}
    hashed = plain if plain_for_hub else {n: class_passwords.hash_password(p) for n, p in plain.items()}
    for path, entries in ((f"{run}/test-passwords.json", plain), (f"{run}/passwords.json", hashed)):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(entries, f)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
