// The notebooks as a student meets them: JupyterLab in a real browser.
//
//   node tools/browser/lab-test.mjs                       # every notebooks/NN-*.ipynb
//   node tools/browser/lab-test.mjs 02-inception.ipynb    # one notebook
//   node tools/browser/lab-test.mjs --out /tmp/shots      # keep screenshots and logs there
//   node tools/browser/lab-test.mjs --self-check          # the checks catch what they should
//   node tools/browser/lab-test.mjs --hold-ack 5 01-one-by-one-convolution.ipynb  # a kernel 5 s late
//   node tools/browser/lab-test.mjs --drop-ack 01-one-by-one-convolution.ipynb    # a kernel that never answers
//   node tools/browser/lab-test.mjs --hogs 2 --empty-gocache 01-one-by-one-convolution.ipynb  # a busy, cold machine
//   node tools/browser/lab-test.mjs --except 01-one-by-one-convolution.ipynb      # every notebook but that one
//
// --hogs N starts N CPU-bound processes for the whole run, and --empty-gocache gives
// the kernel an empty Go build cache (GOCACHE in a fresh folder), so its first cell
// compiles GoMLX from nothing: the machine of a class server's busy first run, on
// which GoNB's widgets used to fail (docs/gonb-widget-race.md). `make test-browser`
// runs notebook 01, the one with the slider, that way.
//
// It starts JupyterLab with tools/lab.sh, as `make lab` does, on a free port with
// a token of its own, and opens each notebook in Debian's chromium, driven by
// playwright-core (pinned in tools/browser/package.json; `make test` installs it).
// For each notebook, in a fresh browser context and a fresh JupyterLab workspace
// (restored tabs would hide the notebook opened), it waits for the kernel, runs
// Run > Run All Cells from the menu, waits until every cell has run, and then
// checks that
//   - every code cell ran (a failing cell stops the ones after it),
//   - no cell shows an error: an error output, a Go compile error, or an error
//     line on stderr (the patterns of tools/notebook-failures.json, which
//     notebooks/run_notebooks.py reads too),
//   - some cell printed the backend line,
//   - every chart has a canvas with drawn pixels,
//   - every slider works: while its cell runs, the test moves it with the keyboard
//     and its cell's chart must be redrawn (a slider that is drawn but dead fails).
//     GoNB's page waits only 500 ms for the kernel to connect a widget
//     (docs/gonb-widget-race.md), so the test holds the kernel's answer
//     (comm_open_ack) on GoNB's websocket for --hold-ack seconds (2 by default; 0:
//     no delay). With --drop-ack it never delivers it, and the cell must instead
//     say, in place of the slider, that it could not connect and what to do,
//   - no page error and no console error, other than those named with their
//     reason in ALLOWED_BROWSER_ERRORS; each is reported with the code cell that
//     was running,
// and saves a screenshot of each chart, one of JupyterLab's page at the last
// chart, one of the page when a check fails, and the text the cells printed
// (NN-name.outputs.txt), in the output folder. The
// trainings use the short settings of notebooks/run_notebooks.py (SHORT_ENV
// there), unless they are already set.
//
// The committed notebooks are never written: the test's JupyterLab runs with
// its own settings (autosave off), workspaces and configuration folders, and the
// test fails if a notebook's bytes changed. The exit status is 0 only if every
// notebook passed.
//
// --self-check runs the broken notebooks of tools/browser/testdata instead, each
// naming in its metadata (advcnn_expected_failures) the problems the test must
// report; it passes only if every one of them is reported.

import { spawn, execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SELF_CHECK_DIR = "tools/browser/testdata";
const PYTHON = path.join(ROOT, ".venv/bin/python");

// What a failed cell looks like, shared with notebooks/run_notebooks.py: tools/notebook-failures.json.
const FAILURES = JSON.parse(fs.readFileSync(path.join(ROOT, "tools/notebook-failures.json"), "utf8"));
const BAD_STDERR = new RegExp(`(^|\\n)\\s*(${FAILURES.bad_stderr.line_starts.map((p) => p.pattern).join("|")})`);
const GO_ERROR = new RegExp(FAILURES.go_compile_error.pattern);
const BACKEND_LINE = new RegExp(FAILURES.backend_line.pattern);
// The sentence a widget's cell shows, in place of the slider, when it could not connect.
const WIDGET_FAILED = "." + FAILURES.widget_failed.html_class;

// The flags that let chromium run headless in a container, offline; shared with the Makefile's
// CHROMIUM (make plots): tools/browser/chromium-flags.txt, one a line, # for comments.
const CHROMIUM_ARGS = fs.readFileSync(path.join(ROOT, "tools/browser/chromium-flags.txt"), "utf8")
  .split("\n").map((l) => l.replace(/#.*/, "").trim()).filter(Boolean);

function usage(msg) {
  if (msg) console.error(msg);
  console.error("usage: node tools/browser/lab-test.mjs [--out DIR] [--timeout SECONDS] [--hold-ack SECONDS | --drop-ack] [--hogs N] [--empty-gocache] [--except NN-name.ipynb] [--self-check] [NN-name.ipynb ...]");
  process.exit(2);
}

function parseArgs(argv) {
  const a = { out: "", timeout: 900, selfCheck: false, notebooks: [], holdAck: 2, dropAck: false,
    hogs: 0, emptyGocache: false, except: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out") a.out = argv[++i] ?? usage("--out needs a folder");
    else if (argv[i] === "--timeout") a.timeout = Number(argv[++i]);
    else if (argv[i] === "--hold-ack") a.holdAck = Number(argv[++i]);
    else if (argv[i] === "--drop-ack") a.dropAck = true;
    else if (argv[i] === "--self-check") a.selfCheck = true;
    else if (argv[i] === "--hogs") a.hogs = Number(argv[++i]);
    else if (argv[i] === "--empty-gocache") a.emptyGocache = true;
    else if (argv[i] === "--except") a.except.push(path.basename(argv[++i] ?? usage("--except needs a notebook")));
    else if (argv[i].startsWith("-")) usage(`unknown option ${argv[i]}`);
    else a.notebooks.push(path.basename(argv[i]));
  }
  if (!(a.timeout > 0)) usage("--timeout needs a number of seconds per notebook");
  if (!(a.holdAck >= 0)) usage("--hold-ack needs a number of seconds (0: no delay)");
  if (!(Number.isInteger(a.hogs) && a.hogs >= 0)) usage("--hogs needs a whole number of processes (0: none)");
  return a;
}

// findChromium returns Debian's chromium (or $ADVCNN_CHROMIUM), or exits saying how to install it.
function findChromium() {
  const candidates = process.env.ADVCNN_CHROMIUM ? [process.env.ADVCNN_CHROMIUM] : ["chromium", "chromium-browser"];
  for (const c of candidates) {
    try {
      return execFileSync("sh", ["-c", 'command -v "$1"', "sh", c], { encoding: "utf8" }).trim();
    } catch { /* not this one */ }
  }
  console.error("The browser test needs Debian's chromium, which is not installed.\n" +
    "  fix: `sudo apt-get install chromium` (`make test` installs it itself when run as root),\n" +
    "       or set ADVCNN_CHROMIUM to a Chromium or Chrome binary.");
  process.exit(1);
}

// shortEnv is SHORT_ENV from notebooks/run_notebooks.py: one definition of the short settings.
function shortEnv() {
  const code = "import json, sys; sys.path.insert(0, 'notebooks'); import run_notebooks; print(json.dumps(run_notebooks.SHORT_ENV))";
  return JSON.parse(execFileSync(PYTHON, ["-c", code], { cwd: ROOT, encoding: "utf8" }));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sha256 = (file) => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");

function writeJSON(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2));
}

// startLab starts tools/lab.sh with folders of its own and waits until the server answers.
async function startLab(work, env, dir) {
  const port = await freePort();
  const token = crypto.randomBytes(24).toString("hex");
  const settings = path.join(work, "lab-settings");
  // Never write the committed notebooks; no requests to the internet for news or updates.
  writeJSON(path.join(settings, "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings"), { autosave: false });
  writeJSON(path.join(settings, "@jupyterlab/apputils-extension/notification.jupyterlab-settings"),
    { fetchNews: "false", checkForUpdates: false });
  const logPath = path.join(work, "jupyterlab.log");
  const log = fs.openSync(logPath, "w");
  const child = spawn(path.join(ROOT, "tools/lab.sh"), [
    "--no-browser", "--ip=127.0.0.1", `--port=${port}`, "--ServerApp.port_retries=0",
    `--IdentityProvider.token=${token}`,
    `--LabApp.user_settings_dir=${settings}`, `--LabApp.workspaces_dir=${path.join(work, "lab-workspaces")}`,
    "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
  ], {
    cwd: ROOT, detached: true, stdio: ["ignore", log, log],
    env: {
      ...env,
      ADVCNN_LAB_ROOT: dir,
      JUPYTER_CONFIG_DIR: path.join(work, "jupyter-config"),
      JUPYTER_RUNTIME_DIR: path.join(work, "jupyter-runtime"),
    },
  });
  let exited = null;
  child.on("exit", (code, signal) => { exited = signal ?? code; });
  const lab = { base: `http://127.0.0.1:${port}`, token, child, logPath };
  // Stop it if this test is interrupted.
  for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => { stopLab(lab); process.exit(130); });
  const base = lab.base;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (exited !== null) {
      throw new Error(`JupyterLab exited (${exited}) before it served; its log:\n${fs.readFileSync(logPath, "utf8")}`);
    }
    try {
      const r = await fetch(`${base}/api/status`, { headers: { Authorization: `token ${token}` } });
      if (r.ok) return lab;
    } catch { /* not listening yet */ }
    await sleep(500);
  }
  stopLab(lab);
  throw new Error(`JupyterLab did not answer on ${base} within 120 s; its log: ${logPath}`);
}

function stopLab(lab) {
  if (lab?.child && lab.child.exitCode === null) {
    try { process.kill(-lab.child.pid, "SIGTERM"); } catch { /* already gone */ }
  }
}

// api calls JupyterLab's REST API.
async function api(lab, method, route) {
  const r = await fetch(`${lab.base}${route}`, { method, headers: { Authorization: `token ${lab.token}` } });
  if (!r.ok) throw new Error(`${method} ${route}: HTTP ${r.status}`);
  return r.status === 204 ? null : r.json();
}

// shutdownKernels stops the kernels the notebook started, so the next notebook has the CPU.
async function shutdownKernels(lab) {
  for (const s of await api(lab, "GET", "/api/sessions")) {
    await api(lab, "DELETE", `/api/sessions/${s.id}`);
  }
}

// waitFor polls fn until it returns a truthy value, or throws what describe() says after ms.
async function waitFor(fn, ms, describe) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(await describe());
    await sleep(500);
  }
}

// cellStates reads each code cell's prompt ("[3]:", "[*]:", "[ ]:") in the notebook panel.
function cellStates(panel) {
  return panel.locator(".jp-CodeCell .jp-InputArea-prompt").evaluateAll((els) => els.map((e) => e.textContent.trim()));
}

// drawnPixels counts the canvas pixels of a chart that are neither transparent nor white,
// and the distinct colours among them (the chart's lines and bars, not its background).
function drawnPixels(chart) {
  return chart.evaluate((el) => {
    let drawn = 0;
    const colours = new Set();
    for (const c of el.querySelectorAll("canvas")) {
      if (!c.width || !c.height) continue;
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3] > 0 && !(d[i] > 245 && d[i + 1] > 245 && d[i + 2] > 245)) {
          drawn++;
          colours.add((d[i] >> 4) * 256 + (d[i + 1] >> 4) * 16 + (d[i + 2] >> 4));
        }
      }
    }
    return { canvases: el.querySelectorAll("canvas").length, drawn, colours: colours.size };
  });
}

// Errors in the browser's console or thrown by the page that are harmless and expected, each
// with the reason (onlyWith: only with that option). Every other console error and page error
// fails the notebook, reported with the code cell that was running when it came; an allowed one
// is still printed.
const ALLOWED_BROWSER_ERRORS = [
  { kind: "page error", re: /^Error: reason: expected string, got object/, onlyWith: "",
    why: "this test's websocket route (playwright's) rejects a close reason that is not a string; GoNB's page " +
      "passes an Error when it gives up on the kernel (websocket.js line 322), which a real WebSocket turns into " +
      "a string. The giving up itself is GoNB's console error \"failed to connect to kernel\", which is not allowed" },
  { kind: "console error", re: /^gonb_comm: failed to connect to kernel, .*comm_open_ack not received in \d+ s/, onlyWith: "--drop-ack",
    why: "the test withholds the kernel's ack, so GoNB's page gives up after gonb_patience.js's wait, as it must" },
  { kind: "page error", re: /^Error: comm_open_ack not received in \d+ s/, onlyWith: "--drop-ack",
    why: "the test withholds the kernel's ack: the slider's first value, sent on the comm that never opened " +
      "(websocket.js line 135), is rejected and nobody catches it" },
];

// sessionOf returns the server's session of the notebook called name, or undefined.
async function sessionOf(lab, name) {
  const sessions = await api(lab, "GET", "/api/sessions");
  return sessions.find((x) => x.path === name || x.path.endsWith("/" + name));
}

// drainKernel returns once the notebook's kernel has answered every request queued before this
// call: it sends a kernel_info_request on a websocket of its own, from the page (whose WebSocket
// needs no package here), and waits for the reply. GoNB handles execute and kernel_info requests in
// one queue, in order (its dispatcher's busyMessagesChan).
async function drainKernel(page, lab, name) {
  const s = await sessionOf(lab, name);
  if (!s) throw new Error(`no session for ${name} to drain`);
  const url = `${lab.base.replace(/^http/, "ws")}/api/kernels/${s.kernel.id}/channels?token=${lab.token}`;
  const err = await page.evaluate(([url, timeoutMs]) => new Promise((resolve) => {
    const id = `advcnn-drain-${Date.now()}`;
    const ws = new WebSocket(url);
    const timer = setTimeout(() => { ws.close(); resolve(`no kernel_info_reply in ${timeoutMs / 1000} s`); }, timeoutMs);
    ws.onerror = () => { clearTimeout(timer); resolve("the drain's websocket failed"); };
    ws.onopen = () => ws.send(JSON.stringify({
      header: { msg_id: id, msg_type: "kernel_info_request", username: "advcnn-test", session: id, date: new Date().toISOString(), version: "5.3" },
      parent_header: {}, metadata: {}, content: {}, buffers: [], channel: "shell",
    }));
    ws.onmessage = (e) => {
      if (typeof e.data !== "string") return;
      const m = JSON.parse(e.data);
      if (m.channel === "shell" && m.header?.msg_type === "kernel_info_reply" && m.parent_header?.msg_id === id) {
        clearTimeout(timer); ws.close(); resolve("");
      }
    };
  }), [url, 300_000]);
  if (err) throw new Error(`draining ${name}'s kernel: ${err}`);
}

// isCommOpenAck tells whether a message from the kernel, on GoNB's own websocket, is the
// "#comm_open_ack" that GoNB's page waits for (docs/gonb-widget-race.md).
function isCommOpenAck(data) {
  if (typeof data !== "string" || !data.includes("#comm_open_ack")) return false;
  try {
    const m = JSON.parse(data);
    return m.msg_type === "comm_msg" && m.content?.data?.address === "#comm_open_ack";
  } catch {
    return false;
  }
}

// slowKernel routes GoNB's websocket (the one its page script opens, with no query string;
// JupyterLab's own has a session_id) through a delay line: from the kernel's
// "#comm_open_ack" on, every message from the kernel waits holdMs, as if the kernel had
// answered that late; with drop, the ack is never delivered. It counts what it held.
async function slowKernel(context, holdMs, drop) {
  const acks = { seen: 0 };
  await context.routeWebSocket((u) => /\/api\/kernels\/[^/]+\/channels$/.test(u.pathname) && !u.search, (ws) => {
    const server = ws.connectToServer();
    const queue = [];
    let holding = false;
    server.onMessage((m) => {
      if (isCommOpenAck(m)) {
        acks.seen++;
        if (drop) return;
        if (!holding) {
          holding = true;
          setTimeout(() => {
            holding = false;
            for (const q of queue.splice(0)) ws.send(q);
          }, holdMs);
        }
      }
      if (holding) queue.push(m);
      else ws.send(m);
    });
  });
  return acks;
}

// canvasSignature is a hash of a cell's charts' pixels, to see whether they were redrawn.
function canvasSignature(cell) {
  return cell.evaluate((el) => {
    let h = 0;
    for (const c of el.querySelectorAll(".advcnn-chart canvas")) {
      if (!c.width || !c.height) continue;
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < d.length; i += 16) h = (h * 31 + d[i] + d[i + 1] * 3 + d[i + 2] * 7) | 0;
    }
    return h;
  });
}

// checkWidget follows code cell i, which shows a slider (or the sentence that says it could not
// connect): it waits until the cell says the slider is live ("Move the slider"), shows the
// sentence, or ends; then, where a slider is left, it moves the slider to its end with the
// keyboard, as a student may, and checks that the cell's chart is redrawn. With expectFailure
// (the test dropped the kernel's comm_open_ack), the sentence is what it must find.
async function checkWidget(panel, i, page, expectFailure) {
  const cell = panel.locator(".jp-CodeCell").nth(i);
  const printed = async () => JSON.stringify((await cell.locator(".jp-OutputArea").innerText()).trim().slice(-500));
  const t0 = Date.now();
  const state = await waitFor(async () => {
    const text = await cell.locator(".jp-OutputArea").innerText();
    if (/Move the slider/.test(text)) return "live";
    if (await cell.locator(WIDGET_FAILED).count()) return "sentence";
    const prompt = (await cell.locator(".jp-InputArea-prompt").textContent()).trim();
    if (/\[\d+\]/.test(prompt)) return "ended";
    return null;
  }, 120_000, async () => `code cell ${i}: its slider neither connected nor said why within 120 s; it printed ${await printed()}`)
    .catch((e) => e.message);
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (state === "sentence") {
    const sentence = (await cell.locator(WIDGET_FAILED).innerText()).trim();
    if (await cell.locator('input[type="range"]').count()) {
      return { problem: `code cell ${i} says its slider could not connect, but still shows the slider: ${JSON.stringify(sentence)}` };
    }
    return expectFailure ? { note: `code cell ${i}: the slider could not connect (the ack was dropped); after ${secs} s the notebook says: ${JSON.stringify(sentence)}` }
      : { problem: `code cell ${i}: the slider could not connect; after ${secs} s the notebook says: ${JSON.stringify(sentence)}` };
  }
  if (expectFailure && state === "live") {
    return { problem: `code cell ${i}: the slider says it is live although the test dropped the kernel's comm_open_ack` };
  }
  const slider = cell.locator('input[type="range"]').first();
  if (!(await slider.count())) {
    return { problem: `code cell ${i}: no slider and no sentence saying why (${state}); it printed ${await printed()}` };
  }
  // Move it as a student would, and see the chart follow (a dead slider moves, but nothing follows).
  const before = await canvasSignature(cell);
  const from = await slider.inputValue();
  await slider.scrollIntoViewIfNeeded();
  await slider.focus();
  await page.keyboard.press("End");
  const to = await slider.inputValue();
  const redrawn = await waitFor(async () => (await canvasSignature(cell)) !== before, 15_000, async () => "")
    .then(() => true, () => false);
  const how = `moved from ${from} to ${to} with the End key ${secs} s after it appeared (${state})`;
  if (expectFailure) {
    return { problem: `code cell ${i}: no sentence saying the slider could not connect; the slider was ${how}; it printed ${await printed()}` };
  }
  if (!redrawn || state !== "live") {
    return { problem: `code cell ${i}: the slider is drawn but dead: ${how}, and ${redrawn ? "the chart changed" : "its chart did not change in 15 s"}; it printed ${await printed()}` };
  }
  return { note: `code cell ${i}: slider ${how}; the chart was redrawn` };
}

async function testNotebook(browser, lab, dir, name, index, out, timeoutMs, widgetOpts) {
  const stem = name.replace(/\.ipynb$/, "");
  const problems = [];
  const notes = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const acks = await slowKernel(context, widgetOpts.holdAck * 1000, widgetOpts.dropAck);
  const page = await context.newPage();
  // Every page error and console error, with the code cell running when it came.
  const browserErrors = [];
  let panel = null;
  const runningCell = async () => {
    if (!panel) return "before the notebook opened";
    const states = await cellStates(panel).catch(() => []);
    const i = states.findIndex((p) => p.includes("*"));
    return i >= 0 ? `code cell ${i}` : "no cell running";
  };
  const browserError = (kind, text) => browserErrors.push({ kind, text, where: runningCell() });
  const reportBrowserErrors = async () => {
    for (const e of browserErrors.splice(0)) {
      const where = await e.where;
      const allowed = ALLOWED_BROWSER_ERRORS.find((a) => a.kind === e.kind && a.re.test(e.text) &&
        (!a.onlyWith || (a.onlyWith === "--drop-ack" && widgetOpts.dropAck)));
      if (allowed) notes.push(`allowed ${e.kind} in ${where} (${allowed.why}): ${e.text.split("\n")[0].slice(0, 300)}`);
      else problems.push(`${e.kind} in ${where}: ${e.text.slice(0, 1000)}`);
    }
  };
  page.on("pageerror", (e) => browserError("page error", String(e.stack ?? e)));
  page.on("console", (m) => {
    if (m.type() === "error") {
      const loc = m.location();
      browserError("console error", m.text() + (loc?.url ? ` (${loc.url}:${loc.lineNumber})` : ""));
    }
  });
  try {
    // A workspace of its own, reset: the page shows this notebook and nothing restored.
    const url = `${lab.base}/lab/workspaces/advcnn-test-${index}/tree/${encodeURIComponent(name)}?reset&token=${lab.token}`;
    await page.goto(url, { waitUntil: "domcontentloaded", timeout: 120_000 });
    panel = page.locator(".jp-NotebookPanel:visible").first();
    await panel.waitFor({ timeout: 120_000 });
    // The kernel is ready when the server has seen it idle with this page connected. (GoNB sends
    // no status of its own before its first cell, so the status bar says "Unknown" till then.)
    await waitFor(async () => {
      const s = await sessionOf(lab, name);
      return s && s.kernel.execution_state === "idle" && s.kernel.connections > 0;
    }, 120_000, async () => `the notebook's kernel did not start: sessions ${JSON.stringify(await api(lab, "GET", "/api/sessions"))}`);
    // JupyterLab attaches the cells out of view a little later: wait for all of them.
    const cells = JSON.parse(fs.readFileSync(path.join(dir, name), "utf8")).cells
      .filter((c) => c.cell_type === "code").length;
    await waitFor(async () => (await cellStates(panel)).length === cells, 60_000,
      async () => `the page shows ${(await cellStates(panel)).length} of the notebook's ${cells} code cells`);
    await page.locator(".lm-MenuBar-itemLabel", { hasText: /^Run$/ }).click();
    await page.locator(".lm-Menu-itemLabel", { hasText: /^Run All Cells$/ }).click();
    // Run All queues every cell at once ("[*]"), then runs them in turn, each leaving a number.
    await waitFor(async () => (await cellStates(panel)).some((p) => p.includes("*")), 30_000,
      async () => "Run > Run All Cells started nothing");
    // Meanwhile, each slider is moved while its cell runs, and its chart must follow.
    const widgetCells = new Set();
    await waitFor(async () => {
      const found = await panel.locator(".jp-CodeCell").evaluateAll((els, failed) => els
        .map((c, i) => (c.querySelector(`.jp-OutputArea-output input[type="range"], ${failed}`) ? i : -1))
        .filter((i) => i >= 0), WIDGET_FAILED);
      for (const i of found.filter((i) => !widgetCells.has(i))) {
        widgetCells.add(i);
        const r = await checkWidget(panel, i, page, widgetOpts.dropAck);
        if (r.problem) problems.push(r.problem);
        if (r.note) notes.push(r.note);
      }
      const states = await cellStates(panel);
      return !states.some((p) => p.includes("*"));
    }, timeoutMs, async () => `cells still running after ${timeoutMs / 1000} s: ${JSON.stringify(await cellStates(panel))}`);
    if (widgetCells.size) {
      const how = widgetOpts.dropAck ? "dropped" : `held for ${widgetOpts.holdAck} s`;
      notes.push(`the kernel's comm_open_ack was ${how} on GoNB's websocket (${acks.seen} ack(s) seen)`);
      if (!acks.seen && (widgetOpts.dropAck || widgetOpts.holdAck > 0)) {
        problems.push("the notebook shows a widget, but no comm_open_ack passed GoNB's websocket: the test's delay was not applied");
      }
    }

    // GoNB does not honour stop_on_error: after a failing cell, it still runs every cell that Run All
    // queued, and JupyterLab shows their results when they come, after it has already cleared their
    // "[*]". So the kernel is drained first: a kernel_info_request of the test's own, which GoNB
    // answers only after every request queued before it (one queue, in order), then the page is read
    // once two reads half a second apart agree.
    await drainKernel(page, lab, name);
    let states = await cellStates(panel);
    await waitFor(async () => {
      await sleep(500);
      const again = await cellStates(panel);
      const same = JSON.stringify(again) === JSON.stringify(states);
      states = again;
      return same;
    }, 30_000, async () => `the page's cells kept changing after the kernel was drained: ${JSON.stringify(states)}`);
    if (states.length !== cells) problems.push(`the page shows ${states.length} of the notebook's ${cells} code cells`);
    const notRun = states.map((p, i) => (/\[\d+\]/.test(p) ? -1 : i)).filter((i) => i >= 0);
    if (notRun.length) problems.push(`code cells ${notRun.join(", ")} of ${cells} did not run (a cell before them failed?)`);

    // Errors that the cells show.
    const shown = await panel.locator(".jp-CodeCell").evaluateAll((els, [bad, goErr]) => {
      const re = new RegExp(bad);
      const goError = new RegExp(goErr);
      const found = [];
      els.forEach((cell, i) => {
        const lines = [...cell.querySelectorAll(".jp-InputArea-editor .cm-line")].map((l) => l.textContent.trim());
        const src = JSON.stringify(lines.find((l) => l && l !== "%%") ?? "");
        for (const o of cell.querySelectorAll(".jp-OutputArea-output")) {
          const mime = o.getAttribute("data-mime-type") ?? "";
          const text = o.innerText ?? "";
          if (/gonb-err/.test(o.innerHTML)) {
            const msgs = text.split("\n").filter((l) => goError.test(l));
            found.push({ cell: i, text: `code cell ${i} (${src}) shows a Go compile error: ${(msgs.join("; ") || text).slice(0, 400)}` });
          } else if (mime === "application/vnd.jupyter.stderr" && re.test(text)) {
            found.push({ cell: i, text: `code cell ${i} (${src}) shows an error: ${text.slice(0, 600)}` });
          }
        }
      });
      return found;
    }, [BAD_STDERR.source, GO_ERROR.source]);
    problems.push(...shown.map((e) => e.text));
    // The cells Run All ran after the first failed one: GoNB runs them all the same (no
    // stop_on_error), and the test sees them only because it drained the kernel first.
    const failed = Math.min(...shown.map((e) => e.cell));
    if (Number.isFinite(failed)) {
      const after = states.map((p, i) => (i > failed && /\[\d+\]/.test(p) ? i : -1)).filter((i) => i >= 0);
      if (after.length) problems.push(`code cells ${after.join(", ")} ran after code cell ${failed} failed (GoNB does not honour stop_on_error)`);
    }
    // What the cells printed, kept beside the screenshots.
    const printed = await panel.locator(".jp-CodeCell").evaluateAll((els) => els.map((cell, i) =>
      `---- code cell ${i}\n` + [...cell.querySelectorAll(".jp-OutputArea-output")].map((o) => o.innerText).join("\n")).join("\n"));
    fs.writeFileSync(path.join(out, `${stem}.outputs.txt`), printed);
    const stdout = await panel.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stdout"]').allTextContents();
    if (!stdout.some((t) => BACKEND_LINE.test(t))) problems.push("no cell printed the backend line (backend.New's choice)");

    // Charts: each has a canvas with drawn pixels (echarts animates for about a second).
    const charts = panel.locator(".jp-OutputArea-output .advcnn-chart");
    const n = await charts.count();
    const shots = [];
    for (let k = 0; k < n; k++) {
      const chart = charts.nth(k);
      await chart.scrollIntoViewIfNeeded();
      let px;
      try {
        px = await waitFor(async () => {
          const p = await drawnPixels(chart);
          return p.drawn >= 2000 && p.colours >= 3 ? p : null;
        }, 20_000, async () => {
          const p = await drawnPixels(chart);
          return `chart ${k + 1} of ${n} is blank: ${p.canvases} canvas(es), ${p.drawn} drawn pixels, ${p.colours} colours; it says: ` +
            JSON.stringify((await chart.textContent()).trim().slice(0, 300));
        });
      } catch (e) {
        problems.push(e.message);
      }
      await sleep(1200); // let the animation finish before the picture
      const shot = path.join(out, `${stem}-chart-${k + 1}.png`);
      await chart.screenshot({ path: shot });
      shots.push(px ? `${path.basename(shot)} (${px.drawn} px drawn, ${px.colours} colours)` : `${path.basename(shot)} (blank)`);
    }
    if (n > 0) {
      // The last chart as the student sees it: JupyterLab's page, scrolled to it.
      await charts.nth(n - 1).evaluate((el) => el.scrollIntoView({ block: "start" }));
      await sleep(500);
      await page.screenshot({ path: path.join(out, `${stem}-lab.png`) });
      shots.push(`${stem}-lab.png (JupyterLab's page at the last chart)`);
    }
    await reportBrowserErrors();
    return { problems, cells, charts: n, shots, notes };
  } catch (e) {
    problems.push(e.message);
    await reportBrowserErrors();
    return { problems, cells: 0, charts: 0, shots: [], notes };
  } finally {
    if (problems.length) {
      await page.screenshot({ path: path.join(out, `${stem}-page.png`), fullPage: false }).catch(() => {});
    }
    await context.close();
    await shutdownKernels(lab).catch((e) => problems.push(`shutting down the kernel: ${e.message}`));
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const executablePath = findChromium();
  if (!fs.existsSync(PYTHON)) {
    console.error("JupyterLab is not installed in .venv: run `make setup`.");
    process.exit(1);
  }
  const rel = args.selfCheck ? SELF_CHECK_DIR : "notebooks";
  const dir = path.join(ROOT, rel);
  const names = args.notebooks.length ? args.notebooks
    : fs.readdirSync(dir).filter((f) => /^\d\d-.*\.ipynb$/.test(f) && !args.except.includes(f)).sort();
  if (!names.length) usage(`no notebooks in ${rel}`);
  for (const n of [...names, ...args.except]) {
    if (!fs.existsSync(path.join(dir, n))) usage(`no such notebook: ${rel}/${n}`);
  }
  const before = Object.fromEntries(names.map((n) => [n, sha256(path.join(dir, n))]));

  const work = fs.mkdtempSync(path.join(os.tmpdir(), "advcnn-lab-test-"));
  const out = args.out ? path.resolve(args.out) : work;
  fs.mkdirSync(out, { recursive: true });
  const env = { ...process.env, GOMLX_NO_AUTO_INSTALL: "1" };
  const short = shortEnv();
  for (const [k, v] of Object.entries(short)) env[k] ??= v;
  // The slider is moved while its cell runs: give the test time to find it and see the chart.
  env.ADVCNN_EXPLORER_IDLE = process.env.ADVCNN_EXPLORER_IDLE ?? "20";
  // And it gets a student's patience for its connection, not the headless run's 5 s.
  env.ADVCNN_EXPLORER_WAIT = process.env.ADVCNN_EXPLORER_WAIT ?? "30";
  if (args.emptyGocache) env.GOCACHE = fs.mkdtempSync(path.join(work, "gocache-"));
  const settings = Object.keys(short).map((k) => `${k}=${env[k]}`).join(" ");

  const start = Date.now();
  let lab, browser;
  let failed = 0;
  const hogs = [];
  try {
    for (let i = 0; i < args.hogs; i++) {
      hogs.push(spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }));
    }
    lab = await startLab(work, env, rel);
    console.log(`JupyterLab on ${rel}/ at ${lab.base} (tools/lab.sh, log ${lab.logPath}); chromium ${executablePath}; ${settings}`);
    if (args.hogs || args.emptyGocache) {
      console.log(`a busy, cold machine: ${args.hogs} CPU-bound process(es) beside it` +
        (args.emptyGocache ? `; the kernel's Go build cache starts empty (GOCACHE=${env.GOCACHE})` : ""));
    }
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
    console.log(`browser ${browser.version()}; screenshots in ${out}`);
    for (const [i, name] of names.entries()) {
      const t = Date.now();
      console.log(`---- ${name}`);
      const r = await testNotebook(browser, lab, dir, name, i + 1, out, args.timeout * 1000, args);
      const secs = ((Date.now() - t) / 1000).toFixed(0);
      for (const s of r.shots) console.log(`     ${s}`);
      for (const s of r.notes) console.log(`     ${s}`);
      if (args.selfCheck) {
        // A broken notebook passes the self-check when every problem it was made for is reported.
        const expected = JSON.parse(fs.readFileSync(path.join(dir, name), "utf8")).metadata.advcnn_expected_failures ?? [];
        const missed = expected.filter((e) => !r.problems.some((p) => p.includes(e)));
        if (!expected.length || missed.length) {
          failed++;
          console.log(`FAIL ${name} after ${secs} s: the test did not report ${JSON.stringify(expected.length ? missed : "(no advcnn_expected_failures in its metadata)")}; it reported:`);
        } else {
          console.log(`ok   ${name} in ${secs} s: the test reported what it should:`);
        }
        for (const p of r.problems) console.log("  " + p.replace(/\n/g, "\n  "));
      } else if (r.problems.length) {
        failed++;
        console.log(`FAIL ${name} after ${secs} s (page screenshot: ${path.join(out, name.replace(/\.ipynb$/, "-page.png"))})`);
        for (const p of r.problems) console.log("  " + p.replace(/\n/g, "\n  "));
      } else {
        console.log(`ok   ${name} in ${secs} s: ${r.cells} code cells ran, ${r.charts} chart(s) drawn`);
      }
    }
  } catch (e) {
    failed = names.length;
    console.log(`FAIL: ${e.message}`);
  } finally {
    await browser?.close();
    stopLab(lab);
    for (const h of hogs) h.kill("SIGKILL");
  }
  for (const n of names) {
    if (sha256(path.join(dir, n)) !== before[n]) {
      failed++;
      console.log(`FAIL ${rel}/${n} changed while the test ran (its JupyterLab never saves: was it edited meanwhile?); ` +
        `\`git diff ${rel}/${n}\` shows how`);
    }
  }
  const what = args.selfCheck ? "broken notebook(s) reported as they should be" : "notebook(s) passed in JupyterLab";
  console.log(`${names.length - Math.min(failed, names.length)} of ${names.length} ${what} in ${((Date.now() - start) / 1000).toFixed(0)} s`);
  process.exit(failed ? 1 : 0);
}

main();
