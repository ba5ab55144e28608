"""The class test's attacks (issue 20, "The class test attacks the class"): what a
curious student, a runaway cell or a full disk does to a class, and that the
set-up holds. docker/test/class_test.py runs them in its `test` mode; each prints
one line, `ok    [attack N] ...` or `FAIL  [attack N] ...`, with what it saw.

Every connection goes to something this test started: the class's containers,
its hub, and a listener it opens on this host. Nothing is sent to the cloud
metadata address: check 2 only reads that the rule dropping it is in place.
"""

import asyncio
import base64
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import aiohttp

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "docker" / "hub"))
import class_passwords  # noqa: E402

NOTEBOOK_DIR = "/home/jovyan/advanced-cnn/notebooks"
LESSON = "/home/jovyan/advanced-cnn"


def say(*a):
    print(*a, flush=True)


# The hub's proxy (configurable-http-proxy, on node) closes a keep-alive connection
# after 5 s idle; the client must drop its own sooner, or a request can go out on a
# connection the proxy is closing (aiohttp's default is 15 s).
KEEPALIVE_SECONDS = 2


def exited(pid):
    """Whether the process has exited; reaps it if this driver started it (a restarted hub is
    this process's child, and stays a zombie, which signal 0 still finds, until reaped)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:  # not this process's child
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def client_session(**kw):
    """An aiohttp session for the class's URLs: its idle connections closed before the proxy's."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS), **kw)


class Attacks:
    def __init__(self, hub, students, args, check, podman, container, kernel_tree):
        self.hub, self.students, self.args = hub, students, args
        self._check, self.podman, self.container, self.kernel_tree = check, podman, container, kernel_tree
        self.by_name = {s.name: s for s in students}

    def attack(self, n, ok, what, detail=""):
        return self._check(ok, f"[attack {n}] {what}", detail)

    async def guarded(self, n, title, coro):
        """Runs one attack; an exception is that attack's failure, and the others still run."""
        say(f"\n==> attack {n}: {title}")
        t0 = time.monotonic()
        try:
            await coro
        except Exception as e:  # noqa: BLE001 (any failure of the attack is reported as its FAIL line)
            self.attack(n, False, f"{title}: the attack itself failed", f"{e.__class__.__name__}: {e}")
        say(f"      attack {n} took {time.monotonic() - t0:.0f} s")

    async def shell(self, kernel, script, timeout=300):
        """Runs a bash script in a student's kernel (GoNB's `!`), returns (stdout, stderr, status)."""
        b64 = base64.b64encode(script.encode()).decode()
        return await kernel.run(f"!echo {b64} | base64 -d | bash", timeout=timeout)

    def inspect(self, s):
        return json.loads(self.podman("inspect", self.container(s)))[0]

    async def running(self, name):
        status, user = await self.students[0].api("GET", f"/hub/api/users/{name}", token=self.hub.service_token)
        return status == 200 and bool((user or {}).get("servers", {}).get("", {}).get("ready"))

    # --- 1. static files --------------------------------------------------------------
    async def static_files(self, bob):
        """A file bob writes anywhere he can is never served by his server without a token."""
        tag = "planted-" + uuid.uuid4().hex[:12]
        k = await bob.kernel("attack-static.ipynb")
        script = r'''
tag=%s
html='<html><body><script>document.title="planted by a student"</script></body></html>'
find / \( -path /proc -o -path /sys -o -path /dev \) -prune -o -type d -writable -print 2>/dev/null >/tmp/$tag.dirs
while IFS= read -r d; do
	if printf '%%s' "$html" >"$d/$tag.html" 2>/dev/null; then echo "WROTE $d"; fi
done </tmp/$tag.dirs
python3 - <<'EOF'
import json, os, sys
import jupyter_server
from jupyter_core.paths import jupyter_config_dir, jupyter_path
static = os.path.join(os.path.dirname(jupyter_server.__file__), "static")
roots = {
    "static/": [static],
    "custom/": [os.path.join(jupyter_config_dir(), "custom"), os.path.join(static, "custom")],
    "static/lab/": [os.path.join(sys.prefix, "share", "jupyter", "lab", "static")],
    "lab/extensions/": jupyter_path("labextensions"),
    "nbextensions/": jupyter_path("nbextensions"),
}
print("ROOTS " + json.dumps(roots))
EOF
''' % tag
        out, err, st = await self.shell(k, script)
        wrote = [l[6:] for l in out.splitlines() if l.startswith("WROTE ")]
        roots = json.loads(next(l[6:] for l in out.splitlines() if l.startswith("ROOTS ")))
        # Which roots are served without a token: a file that is there, fetched anonymously.
        served, urls = {}, []
        async with client_session() as anon:
            async def get(url):
                async with anon.get(self.hub.url + url, allow_redirects=False) as r:
                    return r.status, (await r.read())[:2000]
            ls_script = "for r in " + " ".join(f"'{p}'" for ps in roots.values() for p in ps) + \
                "; do f=$(find \"$r\" -maxdepth 2 -type f -name '*.*' 2>/dev/null | head -1); [ -n \"$f\" ] && echo \"FILE $r $f\"; done"
            lo, _, _ = await self.shell(k, ls_script)
            for line in lo.splitlines():
                if line.startswith("FILE "):
                    _, root, f = line.split(" ", 2)
                    prefix = next(p for p, ps in roots.items() if root in ps)
                    status, _ = await get(f"/user/{bob.name}/{prefix}{os.path.relpath(f, root)}")
                    if status == 200:
                        served.setdefault(prefix, []).append(root)
            # Every planted file under a root that is served, at its URL; and, whatever the
            # roots, the places the issue probed (the server's static root) and the notebooks.
            for d in wrote:
                for prefix, rs in served.items():
                    for root in rs:
                        if d == root or d.startswith(root + "/"):
                            rel = os.path.relpath(os.path.join(d, tag + ".html"), root)
                            urls.append(f"/user/{bob.name}/{prefix}{rel}")
            urls += [f"/user/{bob.name}/static/{tag}.html", f"/user/{bob.name}/custom/{tag}.html",
                     f"/user/{bob.name}/files/{tag}.html", f"/user/{bob.name}/view/{tag}.html",
                     f"/user/{bob.name}/static/lab/{tag}.html"]
            answers = {}
            for url in dict.fromkeys(urls):
                status, body = await get(url)
                answers[url] = (status, b"planted by a student" in body)
        leaked = {u: a for u, a in answers.items() if a[0] == 200 or a[1]}
        env_dirs = [d for d in wrote if (d.startswith(LESSON + "/") and not d.startswith((NOTEBOOK_DIR, LESSON + "/runs")))
                    or d.startswith(("/home/jovyan/go", "/home/jovyan/.local/lib", "/usr/", "/etc/", "/opt/"))
                    or "site-packages" in d or d in ("/home/jovyan", "/home/jovyan/.jupyter") or d.startswith("/home/jovyan/.jupyter/custom")
                    or (d.startswith("/home/jovyan/.local/share/jupyter") and "runtime" not in d)]
        groups = {}
        for d in wrote:
            top = "/".join(d.split("/")[:4]) if d.startswith("/home/") else "/".join(d.split("/")[:2])
            groups[top] = groups.get(top, 0) + 1
        await self.shell(k, f"while IFS= read -r d; do rm -f \"$d/{tag}.html\"; done </tmp/{tag}.dirs; rm -f /tmp/{tag}.dirs")
        await k.ws.close()
        say(f"      bob wrote {tag}.html into {len(wrote)} folders: " + ", ".join(f"{g} ({n})" for g, n in sorted(groups.items())))
        say(f"      roots served without a token: {sorted(served)}; {len(answers)} anonymous requests: "
            + ", ".join(f"{u.split('/', 3)[-1][:60]} {a[0]}" for u, a in list(answers.items())[:8]) + (" ..." if len(answers) > 8 else ""))
        self.attack(1, not leaked, f"none of the {len(answers)} URLs of bob's planted file is served without a token"
                    + (f": LEAKED {list(leaked.items())[:3]}" if leaked else ""))
        self.attack(1, not env_dirs, f"bob cannot write his server's packages, static files or the lesson's code "
                    f"(writable there: {env_dirs[:5] or 'none'})")

    # --- 2. the network -----------------------------------------------------------------
    async def network(self, alice, bob):
        a = self.args
        alice_ip = self.inspect(alice)["NetworkSettings"]["Networks"][a.network]["IPAddress"]
        # A listener of this host, opened by the test, on every interface.
        server = await asyncio.start_server(lambda r, w: (w.write(b"listener of the class test\n"), w.close()), "0.0.0.0", 0)
        port = server.sockets[0].getsockname()[1]
        host_ip = subprocess.run(["ip", "-4", "-o", "addr", "show", "scope", "global"], capture_output=True, text=True).stdout
        host_ips = [m for m in re.findall(r"inet (\d+\.\d+\.\d+\.\d+)", host_ip) if m != a.gateway]
        targets = {
            "alice's server": (alice_ip, 8888),
            "the hub's proxy API": (a.gateway, a.proxy_api_port),
            "the hub's public port": (a.gateway, int(self.hub.url.rsplit(":", 1)[1])),
            "a listener on this host, at the class gateway": (a.gateway, port),
        }
        if host_ips:
            targets[f"a listener on this host, at {host_ips[0]}"] = (host_ips[0], port)
        control = {"the hub's API (what the server needs)": (a.gateway, a.hub_api_port)}
        probe = r'''
python3 - <<'EOF'
import json, socket
targets = %s
for name, (host, port) in targets.items():
    s = socket.socket()
    s.settimeout(3)
    try:
        s.connect((host, port))
        s.sendall(b"GET /hub/api/ HTTP/1.0\r\n\r\n")
        data = s.recv(200)
        print("RESULT " + json.dumps([name, "connected", data.decode(errors="replace")[:60]]))
    except OSError as e:
        print("RESULT " + json.dumps([name, "blocked", e.__class__.__name__ + " " + str(e)[:40]]))
    finally:
        s.close()
EOF
''' % json.dumps({**targets, **control})
        k = await bob.kernel("attack-network.ipynb")
        try:
            out, err, _ = await self.shell(k, probe, timeout=120)
        finally:
            server.close()
            await k.ws.close()
        results = {r[0]: r[1:] for r in (json.loads(l[7:]) for l in out.splitlines() if l.startswith("RESULT "))}
        for name, (outcome, note) in results.items():
            say(f"      bob's kernel -> {name} {targets.get(name) or control.get(name)}: {outcome} ({note.strip()})")
        reached = [n for n in targets if results.get(n, ["missing"])[0] != "blocked"]
        api = results.get(next(iter(control)), ["missing"])
        self.attack(2, not reached and len(results) == len(targets) + 1 and api[0] == "connected",
                    f"from bob's kernel, {len(targets)} connections fail ({', '.join(targets)}); "
                    f"the hub's API answers (control: {api[0]})" + (f"; REACHED: {reached}" if reached else ""))
        env = dict(os.environ, ENGINE="podman", ADVCNN_HUB_NETWORK=a.network, ADVCNN_HUB_SUBNET=a.subnet,
                   ADVCNN_HUB_API_PORT=str(a.hub_api_port))
        r = subprocess.run([str(REPO / "docker/hub/class-network.sh"), "check"], env=env, capture_output=True, text=True)
        rule = subprocess.run(["iptables", "-w", "-t", "mangle", "-S", "ADVCNN-CLASS-OUT"], capture_output=True, text=True)
        metadata = [l for l in rule.stdout.splitlines() if "169.254.169.254/32" in l and l.endswith("-j DROP")]
        self.attack(2, r.returncode == 0 and bool(metadata),
                    f"the rule dropping the metadata address is in place, hooked for {a.subnet} (no traffic sent to it): "
                    f"{metadata[0] if metadata else 'none'}", (r.stdout + r.stderr).strip())

    # --- 3. tokens ------------------------------------------------------------------------
    async def tokens(self, alice, bob, private):
        k = await bob.kernel("attack-tokens.ipynb")
        out, _, _ = await self.shell(k, 'printf "TOKEN %s\\n" "$JUPYTERHUB_API_TOKEN"')
        await k.ws.close()
        inner = next((l[6:].strip() for l in out.splitlines() if l.startswith("TOKEN ")), "")
        ka = await alice.kernel("attack-tokens-alice.ipynb")
        refused_all = True
        lines = []
        for label, token in (("bob's API token", bob.token), ("JUPYTERHUB_API_TOKEN in bob's container", inner)):
            if not token:
                refused_all = False
                lines.append(f"{label}: not found")
                continue
            seen = []
            for what, method, path, kw in (
                    ("start alice's server", "POST", f"/hub/api/users/{alice.name}/server", {}),
                    ("stop alice's server", "DELETE", f"/hub/api/users/{alice.name}/server", {}),
                    ("make a token for alice", "POST", f"/hub/api/users/{alice.name}/tokens", {"json": {"note": "bob's"}}),
                    ("write alice's file", "PUT", f"/user/{alice.name}/api/contents/bob-was-here.txt",
                     {"json": {"type": "file", "format": "text", "content": "bob was here"}}),
                    ("delete alice's file", "DELETE", f"/user/{alice.name}/api/contents/{private}", {})):
                status, _ = await bob.api(method, path, token=token, **kw)
                ok = status in (401, 403, 404) or (status == 302 and path.startswith("/user/"))
                refused_all &= ok
                seen.append(f"{what} {status}")
            status, body = await bob.api("GET", "/hub/api/users", token=token)
            names = sorted(u.get("name") for u in body) if status == 200 and isinstance(body, list) else []
            ok = status in (401, 403, 404) or (status == 200 and set(names) <= {bob.name})
            refused_all &= ok
            seen.append(f"list users {status}" + (f" (sees only {names})" if status == 200 else ""))
            # A refused upgrade reaches the client as the server's 403, or, through the
            # proxy, as the connection closed without one: either way no websocket. The
            # proxy closes that connection after its 403, so the attempt gets a session of
            # its own: in bob's, the connection went back to the pool and his next request
            # failed on it (ServerDisconnectedError, the CI run of 4e6ffcd and 2026-12-02 03:20).
            try:
                async with client_session() as probe:
                    ws = await probe.ws_connect(self.hub.url.replace("http", "ws", 1) + f"/user/{alice.name}/api/kernels/{ka.id}/channels",
                                                headers={"Authorization": f"token {token}"})
                    await ws.close()
                refused_all = False
                seen.append("alice's kernel websocket OPENED")
            except aiohttp.WSServerHandshakeError as e:
                seen.append(f"alice's kernel websocket {e.status}")
                refused_all &= e.status in (401, 403, 404)
            except aiohttp.ServerDisconnectedError:
                seen.append("alice's kernel websocket closed without an upgrade")
            lines.append(f"{label}: " + ", ".join(seen))
        status, body = await alice.contents(private)
        intact = status == 200
        status, _ = await alice.api("GET", f"/user/{alice.name}/api/contents/bob-was-here.txt")
        intact &= status == 404
        running = await self.running(alice.name)
        # The control: alice's own token opens the websocket that bob's could not.
        ws = await alice.http.ws_connect(self.hub.url.replace("http", "ws", 1) + f"/user/{alice.name}/api/kernels/{ka.id}/channels",
                                         headers=alice.auth)
        await ws.close()
        await ka.ws.close()
        for l in lines:
            say("      " + l)
        self.attack(3, refused_all and intact and running,
                    "bob's API token and his container's JUPYTERHUB_API_TOKEN are refused for alice's server, tokens, "
                    f"files and kernel, and for listing users (control: alice's token opens her kernel's websocket); "
                    f"alice's server and files are as they were (running {running})")

    # --- 4. fork bomb ---------------------------------------------------------------------
    async def fork_bomb(self, alice, others):
        ka = await alice.kernel("attack-fork-bomb.ipynb")
        await ka.run("!setsid bash -c ':(){ :|:& };:' </dev/null >/dev/null 2>&1 &", timeout=120)
        await asyncio.sleep(15)
        tasks, limit = self.pids_current(alice)
        say(f"      alice's container under the fork bomb: {tasks} tasks, pids.max {limit}")
        t0 = time.monotonic()
        results = {}

        async def cell(s):
            k = await s.kernel("after-the-fork-bomb.ipynb")
            text, _, st = await k.run('%%\nfmt.Println("still working:", os.Getenv("JUPYTERHUB_USER"))', timeout=300)
            await k.ws.close()
            results[s.name] = (st, text.strip(), time.monotonic() - t0)
        outcome = await asyncio.gather(*(cell(s) for s in others), return_exceptions=True)
        status, _ = await alice.api("GET", "/hub/api/", token=self.hub.service_token)
        for s, o in zip(others, outcome):
            say(f"      {s.name}: " + (repr(o) if isinstance(o, Exception) else f"{results[s.name][1]!r} in {results[s.name][2]:.0f} s"))
        ok = all(not isinstance(o, Exception) for o in outcome) and all(
            r[0] == "ok" and f"still working: {n}" in r[1] for n, r in results.items())
        self.attack(4, ok and status == 200 and limit not in (None, "max"),
                    f"a fork bomb in alice's kernel stops at her process limit ({tasks} of {limit}); "
                    f"{' and '.join(s.name for s in others)} start kernels and run a cell; the hub answers ({status})")
        # Alice's server goes, with the bomb, and comes back.
        try:
            await ka.ws.close()
        except Exception:  # noqa: BLE001 (the bombed kernel's socket may already be gone)
            pass
        await self.restart_server(alice)

    async def restart_server(self, s):
        status, _ = await s.api("DELETE", f"/hub/api/users/{s.name}/server", token=self.hub.service_token)
        for _ in range(120):
            _, user = await s.api("GET", f"/hub/api/users/{s.name}", token=self.hub.service_token)
            if not user["servers"]:
                break
            await asyncio.sleep(1)
        await s.spawn(token=self.hub.service_token)

    # --- 5. memory --------------------------------------------------------------------------
    async def memory(self, alice, others, notebook):
        before = await alice.contents(notebook)
        server_pid = self.server_pid(alice)
        ka = await alice.kernel("attack-memory.ipynb")
        code = ('%%\nvar keep [][]byte\nfor i := 0; i < 64; i++ {\n\tb := make([]byte, 128<<20)\n\tfor j := range b { b[j] = 1 }\n'
                '\tkeep = append(keep, b)\n\tfmt.Println("allocated", (i+1)*128, "MiB")\n}\nfmt.Println("allocated 8 GiB: no memory limit")')
        t0 = time.monotonic()
        try:
            text, err, st = await ka.run(code, timeout=300)
            outcome = f"cell status {st}; last output {text.strip().splitlines()[-1:]} {err.strip()[-80:]!r}"
            finished = "no memory limit" in text
        except Exception as e:  # noqa: BLE001 (the kernel dying is one of the expected outcomes)
            outcome, finished = f"{e.__class__.__name__}: {e}", False
        say(f"      alice's cell allocating 8 GiB ({time.monotonic() - t0:.0f} s): {outcome}")
        oom = self.inspect(alice)["State"].get("OOMKilled")
        status, _ = await alice.api("GET", f"/user/{alice.name}/api/status")
        same_server = self.server_pid(alice) == server_pid
        after = await alice.contents(notebook)
        intact = before[0] == 200 and after[0] == 200 and before[1]["content"] == after[1]["content"]
        ran = []
        for s in others:
            k = await s.kernel("after-the-allocation.ipynb")
            text, _, st = await k.run('%%\nfmt.Println("still here:", os.Getenv("JUPYTERHUB_USER"))')
            await k.ws.close()
            ran.append(st == "ok" and f"still here: {s.name}" in text)
        try:
            await ka.ws.close()
        except Exception:  # noqa: BLE001
            pass
        self.attack(5, not finished and status == 200 and same_server and intact and all(ran),
                    f"a cell allocating past alice's memory limit is killed ({'killed' if not finished else 'NOT killed'}); "
                    f"her server answers ({status}, same process {same_server}), her {notebook} is intact ({intact}), "
                    f"{' and '.join(s.name for s in others)} run a cell ({ran}); container OOMKilled flag {oom}")

    def pids_current(self, s):
        """(tasks now, the limit) of the student's container: its pids cgroup."""
        pid = int(self.podman("inspect", "--format", "{{.State.Pid}}", self.container(s)))
        for line in open(f"/proc/{pid}/cgroup"):
            _, controllers, path = line.strip().split(":", 2)
            if "pids" in controllers.split(","):
                cg = Path("/sys/fs/cgroup/pids") / path.lstrip("/")
                return (cg / "pids.current").read_text().strip(), (cg / "pids.max").read_text().strip()
        return None, None

    def server_pid(self, s):
        """The host's pid of the student's Jupyter server."""
        tree = self.podman("top", self.container(s), "hpid", "args")
        return next((l.split()[0] for l in tree.splitlines() if "jupyterhub-singleuser" in l), None)

    # --- 6. disk --------------------------------------------------------------------------------
    async def disk(self, alice, bob, carol, notebook):
        before = await alice.contents(notebook)
        ka = await alice.kernel("attack-disk.ipynb")
        out, err, _ = await self.shell(ka, f'''
cd {NOTEBOOK_DIR}
dd if=/dev/zero of=fill.bin bs=1M count=1024 2>&1 | grep -v records
echo "SIZE $(stat -c %s fill.bin)"
df -k . | tail -1 | awk '{{print "DF", $2, $4}}'
''', timeout=300)
        size = int(next((l.split()[1] for l in out.splitlines() if l.startswith("SIZE ")), "0"))
        df = next((l.split()[1:] for l in out.splitlines() if l.startswith("DF ")), ["0", "0"])
        say(f"      alice wrote 1 GiB into her notebooks folder: {out.strip().splitlines()[:2]}; file {size / 2**20:.0f} MiB; "
            f"her disk {int(df[0]) / 1024:.0f} MiB, {int(df[1]) / 1024:.0f} MiB left")
        full = "No space left on device" in out and size < 2**30
        # The others save their work; the hub writes its database (a new token).
        status_b, _ = await bob.api("PUT", f"/user/{bob.name}/api/contents/while-alice-is-full.txt",
                                    json={"type": "file", "format": "text", "content": "bob's work"})
        kc = await carol.kernel("while-alice-is-full.ipynb")
        text, _, st = await kc.run('%%\nfmt.Println("still here:", os.Getenv("JUPYTERHUB_USER"))')
        await kc.ws.close()
        status_t, _ = await bob.api("POST", f"/hub/api/users/{bob.name}/tokens", json={"note": "while alice is full", "expires_in": 600})
        await self.shell(ka, f"rm -f {NOTEBOOK_DIR}/fill.bin")
        await ka.ws.close()
        after = await alice.contents(notebook)
        intact = before[0] == 200 and after[0] == 200 and before[1]["content"] == after[1]["content"]
        self.attack(6, full and status_b in (200, 201) and st == "ok" and status_t == 201 and intact,
                    f"filling alice's disk stops at her limit ({size / 2**20:.0f} MiB written of 1024, 'No space left on device' "
                    f"{'seen' if 'No space left' in out else 'NOT seen'}); bob saves a file ({status_b}), carol runs a cell ({st}), "
                    f"the hub's database takes a new token ({status_t}); alice's {notebook} intact ({intact})")

    # --- 7. restarting the hub ---------------------------------------------------------------
    async def restart(self, extra_env=()):
        """Stops the hub (SIGTERM, as systemd or a teacher does), then starts it again with
        hub-start.sh and extra_env (VAR=value ...); returns which students' containers ran
        on, the same ones, while it was down."""
        run = Path(self.args.run)
        ids = {s.name: self.inspect(s)["Id"] for s in self.students}
        pid = int((run / "jupyterhub.pid").read_text())
        os.kill(pid, 15)
        for _ in range(60):
            if exited(pid):
                break
            await asyncio.sleep(1)
        else:
            raise RuntimeError(f"the hub (pid {pid}) did not stop within 60 s")
        survived = {}
        for s in self.students:
            r = subprocess.run(["podman", "inspect", "--format", "{{.Id}} {{.State.Running}}", self.container(s)], capture_output=True, text=True)
            survived[s.name] = r.returncode == 0 and r.stdout.split() == [ids[s.name], "true"]
        say(f"      the hub stopped (pid {pid}); the students' containers still running: {survived}")
        subprocess.Popen(["setsid", str(run / "hub-start.sh"), *extra_env], stdin=subprocess.DEVNULL)
        async with client_session() as anon:
            for _ in range(90):
                try:
                    async with anon.get(self.hub.url + "/hub/api/") as r:
                        if r.status == 200:
                            return survived
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(1)
        raise RuntimeError("the hub did not come back within 90 s")

    async def restart_hub(self):
        a = self.students[0]
        ka = await a.kernel("before-the-restart.ipynb")
        await ka.run('%%\nfmt.Println("before the restart")')
        saved = "restart-" + uuid.uuid4().hex[:8]
        await a.api("PUT", f"/user/{a.name}/api/contents/{saved}.txt", json={"type": "file", "format": "text", "content": saved})
        await ka.ws.close()
        survived = await self.restart()
        routes, sessions, tokens = {}, {}, {}
        for s in self.students:
            for _ in range(30):  # the hub re-adds the routes as it starts; give it a moment
                routes[s.name], _ = await s.api("GET", f"/user/{s.name}/api/status")
                if routes[s.name] == 200:
                    break
                await asyncio.sleep(1)
            async with s.http.get(s.url("/hub/home"), allow_redirects=False) as r:
                sessions[s.name] = r.status
            status, body = await s.api("GET", "/hub/api/user")
            tokens[s.name] = status == 200 and body.get("name") == s.name
        kernels = (await a.api("GET", f"/user/{a.name}/api/kernels"))[1] or []
        kept = any(k.get("id") == ka.id for k in kernels)
        k2 = await a.reconnect(ka.id)
        text, _, st = await k2.run('%%\nfmt.Println("after the restart")')
        await k2.ws.close()
        status, body = await a.api("GET", f"/user/{a.name}/api/contents/{saved}.txt")
        work = status == 200 and body.get("content") == saved
        say(f"      routes back (status per student): {routes}; sessions (/hub/home): {sessions}; tokens: {tokens}; "
            f"alice's kernel {ka.id[:8]} kept {kept}, runs a cell {st}; her file saved before the restart {work}")
        self.attack(7, all(survived.values()) and all(v == 200 for v in routes.values()) and all(v == 200 for v in sessions.values())
                    and all(tokens.values()) and kept and st == "ok" and work,
                    "the hub restarted with three servers running: containers kept, routes back, sessions and tokens valid, "
                    "kernels and files kept")

    # --- 8. the idle culler -----------------------------------------------------------------
    async def heard(self, since, students, timeout=60):
        """Waits until the hub's last activity of each student's server is at least since."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            last = {}
            for s in students:
                _, user = await s.api("GET", f"/hub/api/users/{s.name}", token=self.hub.service_token)
                stamp = ((user or {}).get("servers", {}).get("") or {}).get("last_activity")
                last[s.name] = datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None
            if all(t and t >= since for t in last.values()):
                return
            await asyncio.sleep(2)
        raise RuntimeError(f"the hub had not heard of activity since {since:%H:%M:%S} after {timeout} s: {last}")

    async def culler(self, trainer, idle, timeout, every):
        """The hub restarted with the culler's short timeout: the idle student's server is
        stopped once idle for the timeout, the trainer's, whose only activity is a training
        cell that prints every 4 s, is not, for twice the timeout after the culler starts.
        While it watches, the test sends nothing to either server (a request is activity)."""
        k = await trainer.kernel("training.ipynb")
        log = f"culler-training-{uuid.uuid4().hex[:8]}"
        # A cell that works and prints as the lesson's training does (a loss line every few
        # seconds), until the test leaves a stop file; then it writes a file that says so.
        cell = ('%%\nstart := time.Now()\nx := 0.0\n'
                f'for time.Since(start) < 600*time.Second {{\n'
                f'\tif _, err := os.Stat("{NOTEBOOK_DIR}/{log}.stop"); err == nil {{ break }}\n'
                '\tfor i := 0; i < 2000000; i++ { x += float64(i%7) }\n\tfmt.Println("step", int(time.Since(start).Seconds()), "loss:", x)\n'
                '\ttime.Sleep(4 * time.Second)\n}\n'
                f'os.WriteFile("{NOTEBOOK_DIR}/{log}.done", []byte(fmt.Sprintf("trained for %.0f s", time.Since(start).Seconds())), 0o644)')
        printing = asyncio.Event()
        training = asyncio.ensure_future(k.execute(cell, timeout=700, on_output=lambda t: printing.set() if "loss:" in t else None))
        try:
            await asyncio.wait_for(printing.wait(), 300)
            # The idle student's last activity: one request, just before the restart.
            since = datetime.now(timezone.utc)
            await idle.api("GET", f"/user/{idle.name}/api/contents")
            touched = time.monotonic()
            # The servers report their activity every 10 s, and not while the hub is down; the
            # culler's first round runs as the hub starts, on what the hub last heard. So the
            # hub stops only once it has heard of carol's request and bob's training.
            await self.heard(since, (idle, trainer))
            # The restart drops the trainer's websocket with the proxy; his kernel trains on.
            survived = await self.restart([f"ADVCNN_HUB_CULL_TIMEOUT={timeout}", f"ADVCNN_HUB_CULL_EVERY={every}"])
            up = time.monotonic()
        finally:
            training.cancel()
            await asyncio.gather(training, return_exceptions=True)  # its websocket died with the proxy
            await k.ws.close()
        culled_at, trainer_stopped_at = None, None
        while time.monotonic() - up < 2 * timeout + 2 * every:
            for s in (idle, trainer):
                status, user = await trainer.api("GET", f"/hub/api/users/{s.name}", token=self.hub.service_token)
                gone = status == 200 and not user.get("servers")
                if gone and s is idle and culled_at is None:
                    culled_at = time.monotonic() - touched
                if gone and s is trainer and trainer_stopped_at is None:
                    trainer_stopped_at = time.monotonic() - up
            await asyncio.sleep(2)
        trainer_running = await self.running(trainer.name)
        done = None
        if trainer_running:
            await trainer.api("PUT", f"/user/{trainer.name}/api/contents/{log}.stop",
                              json={"type": "file", "format": "text", "content": "stop"})
            for _ in range(30):
                status, body = await trainer.api("GET", f"/user/{trainer.name}/api/contents/{log}.done")
                if status == 200:
                    done = body.get("content")
                    break
                await asyncio.sleep(2)
        say(f"      containers through the restart: {survived}; {idle.name}'s idle server "
            + (f"culled {culled_at:.0f} s after her last request" if culled_at else "NOT culled")
            + f"; {trainer.name}'s server, training: " + (f"STOPPED {trainer_stopped_at:.0f} s after the restart" if trainer_stopped_at
                                                           else f"running {2 * timeout + 2 * every} s after the restart")
            + f"; his training cell: {done or 'no end written'}")
        self.attack(8, all(survived.values()) and culled_at is not None and culled_at >= timeout - 1 and trainer_stopped_at is None
                    and trainer_running and bool(done),
                    f"the idle culler (timeout {timeout} s) stops {idle.name}'s idle server ({culled_at or 0:.0f} s after her last "
                    f"request) and not {trainer.name}'s, whose training cell printed for {2 * timeout + 2 * every} s after it started")

    # --- 9. passwords and logins --------------------------------------------------------------
    async def logins(self, alice, bob, lockout, lockout_password, lockout_seconds):
        run = Path(self.args.run)
        text = (run / "passwords.json").read_text()
        plain = json.load(open(self.args.passwords))
        stored_plain = [n for n, p in plain.items() if p in text]
        try:
            class_passwords.load(str(run / "passwords.json"))
            loads = "loads"
        except Exception as e:  # noqa: BLE001
            loads = f"refused: {e}"
        refusals = []
        with tempfile.TemporaryDirectory() as tmp:
            open_file = Path(tmp, "open.json")
            shutil.copy(run / "passwords.json", open_file)
            os.chmod(open_file, 0o644)
            plain_file = Path(tmp, "plain.json")
            plain_file.write_text(json.dumps({"eve": "a plain password"}))
            os.chmod(plain_file, 0o600)
            for f in (open_file, plain_file):
                try:
                    class_passwords.load(str(f))
                    refusals.append(f"{f.name} ACCEPTED")
                except (PermissionError, ValueError) as e:
                    refusals.append(f"{f.name} refused ({str(e)[:60]})")
        self.attack(9, not stored_plain and loads == "loads" and all("refused" in r for r in refusals),
                    f"the password file holds hashes only (plain passwords found: {stored_plain or 'none'}; the hub's loader "
                    f"{loads}, mode {stat.S_IMODE(os.stat(run / 'passwords.json').st_mode):o}); a file others can read, and a "
                    f"plain-text one, are refused: {'; '.join(refusals)}")

        async def login(name, password):
            async with client_session(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
                async with http.get(self.hub.url + "/hub/login") as r:
                    m = re.search(r'name="_xsrf" value="([^"]+)"', await r.text())
                t = time.monotonic()
                async with http.post(self.hub.url + "/hub/login", allow_redirects=False,
                                     data={"username": name, "password": password, "_xsrf": m.group(1) if m else ""}) as r:
                    return r.status, time.monotonic() - t
        wrong = await login(alice.name, "not-" + plain[alice.name])
        unknown = await login("nobody-" + uuid.uuid4().hex[:6], "whatever")
        empty = await login(bob.name, "")
        basic = [("wrong password", wrong), ("unknown user", unknown), ("empty password", empty)]
        fails = []
        first = time.monotonic()
        for _ in range(5):
            fails.append(await login(lockout, "guess-" + uuid.uuid4().hex[:6]))
        locked = await login(lockout, lockout_password)
        wait = lockout_seconds + 2 - (time.monotonic() - first)
        if wait > 0:
            await asyncio.sleep(wait)
        after = await login(lockout, lockout_password)
        slowed = all(t >= 0.9 for _, t in fails)
        say("      " + ", ".join(f"{w}: {s} in {t:.1f} s" for w, (s, t) in basic)
            + f"; {lockout}: 5 wrong guesses {[s for s, _ in fails]} taking {min(t for _, t in fails):.1f}-{max(t for _, t in fails):.1f} s each, "
            + f"then the right password {locked[0]} ({'locked' if locked[0] == 403 else 'NOT locked'}), and {after[0]} after {lockout_seconds} s")
        self.attack(9, all(s == 403 for _, (s, _) in basic) and slowed and locked[0] == 403 and after[0] == 302,
                    "a wrong password, an unknown user and an empty password are refused (403); failures are slowed "
                    f"(each ≥ 1 s) and after 5 the name is locked out, even with the right password, for {lockout_seconds} s")

    # --- 10. each container's settings ------------------------------------------------------
    async def settings(self, students, mem_limit, lockout_student):
        want_mem = class_passwords_byte_size(mem_limit)
        rows, ok_all = [], True
        for s in students:
            i = self.inspect(s)
            hc = i["HostConfig"]
            pid = i["State"]["Pid"]
            server = int(self.server_pid(s) or pid)
            procs = {}
            for p in (pid, server):
                st = dict(l.split(":", 1) for l in open(f"/proc/{p}/status"))
                procs[p] = {k: st[k].split() for k in ("Uid", "NoNewPrivs", "CapBnd", "CapEff", "CapPrm")}
            cg = {}
            for line in open(f"/proc/{server}/cgroup"):
                _, controllers, path = line.strip().split(":", 2)
                for ctl, f in (("pids", "pids.max"), ("memory", "memory.limit_in_bytes"), ("cpu", "cpu.cfs_quota_us"), ("cpu", "cpu.cfs_period_us")):
                    if ctl in controllers.split(","):
                        p = Path("/sys/fs/cgroup") / controllers / path.lstrip("/") / f
                        if p.exists():
                            cg[f] = p.read_text().strip()
            caps_dropped = {c.upper().removeprefix("CAP_") for c in hc.get("CapDrop") or []}
            checks = {
                "uid 1000": all(v["Uid"][:3] == ["1000"] * 3 for v in procs.values()) and i["Config"]["User"].split(":")[0] == "1000",
                "no new privileges": any("no-new-privileges" in o for o in hc.get("SecurityOpt") or [])
                                     and all(v["NoNewPrivs"] == ["1"] for v in procs.values()),
                "capabilities dropped": all(int(v[c][0], 16) == 0 for v in procs.values() for c in ("CapBnd", "CapEff", "CapPrm"))
                                        and ("ALL" in caps_dropped or len(caps_dropped) >= 10) and not hc.get("CapAdd"),
                "process limit 1024": hc.get("PidsLimit") == 1024 and cg.get("pids.max") == "1024",
                f"memory {mem_limit}, no swap": hc.get("Memory") == want_mem and hc.get("MemorySwap") == want_mem
                                                and cg.get("memory.limit_in_bytes") == str(want_mem),
                "CPU 1 core": cg.get("cpu.cfs_period_us") and int(cg.get("cpu.cfs_quota_us", "-1")) == int(cg["cpu.cfs_period_us"]),
            }
            ok_all &= all(checks.values())
            rows.append(f"{s.name}: " + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in checks.items())
                        + f" (User {i['Config']['User']!r}, SecurityOpt {hc.get('SecurityOpt')}, PidsLimit {hc.get('PidsLimit')}, "
                          f"Memory {hc.get('Memory')}, cgroup {cg})")
        for r in rows:
            say("      " + r)
        self.attack(10, ok_all, f"each container ({', '.join(s.name for s in students)}): uid 1000, no new privileges, "
                    "no capabilities, at most 1024 processes, its memory without swap and 1 CPU, read from podman and from the kernel")
        r = subprocess.run(["podman", "run", "--pull", "never", "--rm", "--network", "none", "--user", "0", self.args.image,
                            "find", "/", "-xdev", "-perm", "/6000", "-type", "f"], capture_output=True, text=True)
        self.attack(10, r.returncode == 0 and not r.stdout.strip(),
                    f"no setuid or setgid file in the image ({r.stdout.split() or 'none'})")
        # A fourth server is refused while three run (active_server_limit).
        status, body = await lockout_student.spawn_request()
        self.attack(10, status == 429, f"a fourth student's server is refused while three run: {status} {str(body)[:80]}")


def class_passwords_byte_size(text):
    m = re.fullmatch(r"\s*([0-9.]+)\s*([KMGT]?)", text, re.IGNORECASE)
    return int(float(m.group(1)) * 1024 ** " KMGT".index(m.group(2).upper() or " "))
