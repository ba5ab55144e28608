#!/usr/bin/env python3
"""Execute the lesson's notebooks headless and fail if any cell fails.

    .venv/bin/python notebooks/run_notebooks.py              # all notebooks, short settings
    .venv/bin/python notebooks/run_notebooks.py 02-inception.ipynb --out /tmp/executed
    .venv/bin/python notebooks/run_notebooks.py --full       # the real lesson: 10 epochs on all images

Each notebook is read from notebooks/, executed in memory by the GoNB kernel
("gonb", as `make setup` installs it in .venv) with notebooks/ as the kernel's
working directory, as JupyterLab does, and the executed copy is written to a
temporary folder (or --out), with the kernel's log beside it. The committed
notebooks are never modified.

Unless --full is given, the environment variables below shorten the trainings
and timings, each only if it is not already set:

    ADVCNN_EPOCHS=1  ADVCNN_TRAIN_LIMIT=3000  ADVCNN_TEST_LIMIT=1000  ADVCNN_BENCH_BATCH=8  ADVCNN_EXPLORER_IDLE=5

A notebook fails when a cell raises an error (nbclient's CellExecutionError,
including a Go compile error or a non-zero exit), when a cell writes a compile
error or a panic to stderr, or when it never prints the backend line.
The exit status is 0 only if every notebook passed.
"""

import argparse
import html
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

NOTEBOOKS_DIR = Path(__file__).resolve().parent

SHORT_ENV = {
    "ADVCNN_QUICK": "1",  # notebook 04's shorter depth experiment (8 nets, not 16); 02 and 03 follow ADVCNN_EPOCHS
    "ADVCNN_EPOCHS": "1",
    "ADVCNN_TRAIN_LIMIT": "3000",
    "ADVCNN_TEST_LIMIT": "1000",
    "ADVCNN_BENCH_BATCH": "8",
    "ADVCNN_EXPLORER_IDLE": "5",  # notebook 01's slider ends 5 s after its last move (in a browser; headless has none)
    "ADVCNN_EXPLORER_WAIT": "5",  # and waits 5 s, not 30, for a page to connect it (headless has none)
}

# What a failed cell looks like: one definition, shared with the browser test
# (tools/browser/lab-test.mjs), in tools/notebook-failures.json.
FAILURES = json.loads((NOTEBOOKS_DIR.parent / "tools" / "notebook-failures.json").read_text())

# Lines on stderr that mean the cell's Go program did not compile or crashed.
BAD_STDERR = re.compile(
    r"(^|\n)\s*(" + "|".join(p["pattern"] for p in FAILURES["bad_stderr"]["line_starts"]) + ")"
)

GO_ERROR = re.compile(FAILURES["go_compile_error"]["pattern"])

BACKEND_LINE = re.compile(FAILURES["backend_line"]["pattern"])

# Headless there is no page to connect a widget: a cell that opens one must show the student the
# sentence saying what to do (lib/charts' WidgetFailedHTML), not a dead slider.
WIDGET_CELL = re.compile(FAILURES["widget_failed"]["source_pattern"])
WIDGET_FAILED_CLASS = FAILURES["widget_failed"]["html_class"]


def cell_text(cell, stream_name=None):
    """The text a cell wrote to a stream (all streams when stream_name is None)."""
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and (stream_name is None or out.get("name") == stream_name):
            parts.append(out.get("text", ""))
    return "".join(parts)


def html_pages(cell):
    """The HTML of each of a cell's outputs (of a display it updated, the last state), as text."""
    for out in cell.get("outputs", []):
        yield "".join(out.get("data", {}).get("text/html", ""))  # a list of lines as stored on disk


def compile_errors(cell):
    """The Go compiler's messages that GoNB displayed as HTML in a cell."""
    msgs = []
    for page in html_pages(cell):
        if "gonb-err" not in page:
            continue
        page = re.sub(r"(?s)<style.*?</style>|<div class=\"gonb-err-context\">.*?</div>\s*</div>", "\n", page)
        text = html.unescape(re.sub(r"<(div|br|p)\b[^>]*>", "\n", page))
        text = re.sub(r"<[^>]+>", "", text)
        msgs += [line.strip() for line in text.splitlines() if GO_ERROR.search(line)]
    return msgs


def coalesce_streams(nb):
    """Merge consecutive outputs of the same stream, as JupyterLab shows them: a Go program's
    output arrives in pieces, which nbconvert would otherwise print as separate blocks."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        merged = []
        for out in cell.get("outputs", []):
            if (out.get("output_type") == "stream" and merged and merged[-1].get("output_type") == "stream"
                    and merged[-1].get("name") == out.get("name")):
                merged[-1]["text"] += out.get("text", "")
            else:
                merged.append(out)
        cell["outputs"] = merged


def notebook_problems(cells, check_backend=True):
    """What went wrong in executed cells (nbformat's, or plain dicts of the same shape): a cell
    that wrote a compile error or a panic to stderr, an error output (with GoNB's compile errors
    quoted), and, when check_backend is true, no cell printing the backend line. The class test
    (docker/test/class_test.py) judges the notebooks it runs through JupyterHub with it too. Both run
    without a page, so a cell that opens a widget must also show the sentence saying it could not
    connect (tools/notebook-failures.json's widget_failed)."""
    problems = []
    saw_backend = False
    for i, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell.get("source", ""))  # a list of lines as stored on disk
        stderr = cell_text(cell, "stderr")
        m = BAD_STDERR.search(stderr)
        if m:
            src = source.strip().splitlines()
            first = src[0] if src else ""
            problems.append(f"cell {i} ({first!r}) wrote an error to stderr:\n{stderr.strip()}")
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                problems.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}")
                # GoNB shows compile errors as HTML; quote their lines.
                for msg in compile_errors(cell):
                    problems.append(f"cell {i}: {msg}")
        ran = cell.get("outputs") or cell.get("execution_count") is not None  # not after a failed cell
        if ran and WIDGET_CELL.search(source) and not any(WIDGET_FAILED_CLASS in page for page in html_pages(cell)):
            problems.append(
                f"cell {i} opens a widget, which no page connects in a run without a browser, but shows no"
                f" sentence saying so (HTML of class {WIDGET_FAILED_CLASS}: lib/charts' WidgetFailedHTML)"
            )
        if BACKEND_LINE.search(cell_text(cell, "stdout")):
            saw_backend = True
    if check_backend and not saw_backend:
        problems.append("no cell printed the backend line (backend.New's choice)")
    return problems


def run(path, out_dir, timeout):
    nb = nbformat.read(path, as_version=4)
    log_path = out_dir / (path.stem + ".kernel.log")
    client = NotebookClient(
        nb,
        kernel_name="gonb",
        timeout=timeout,
        resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},
        allow_errors=False,
        record_timing=True,
    )
    start = time.monotonic()
    error = None
    try:
        with open(log_path, "w") as log:  # the kernel's own log, which GoNB writes to its stderr
            client.execute(stdout=log, stderr=log)
    except CellTimeoutError as e:
        error = f"a cell ran longer than {timeout} s: {e}"
    except DeadKernelError as e:
        error = f"the kernel died: {e}"
    except CellExecutionError as e:
        error = str(e)
    elapsed = time.monotonic() - start

    coalesce_streams(nb)
    out_path = out_dir / path.name
    nbformat.write(nb, out_path)

    problems = []
    if error:
        problems.append(error + f"\n(the kernel's log: {log_path})")
    problems += notebook_problems(nb.cells, check_backend=not error)
    return elapsed, out_path, problems


def self_check():
    """Checks that notebook_problems catches what it must, on cells made for it: returns the
    checks that failed. `make test-clean` runs it (--self-check)."""
    backend = {"output_type": "stream", "name": "stdout", "text": "backend xla:cpu: the XLA CPU plugin\n"}
    explorer = "check(charts.BottleneckExplorer(os.Stdout, charts.ExplorerOptions{Idle: idle}))"
    sentence = {"output_type": "display_data", "data": {"text/html": f'<p class="{WIDGET_FAILED_CLASS}">…</p>'}}
    plain = "fmt.Println(1)"
    cases = [  # name, the cell's source and outputs, the one problem wanted ("" for none)
        ("a cell that printed the backend line", plain, [backend], ""),
        ("a panic on stderr", plain, [backend, {"output_type": "stream", "name": "stderr", "text": "panic: boom\n"}],
         "wrote an error to stderr"),
        ("no backend line", plain, [], "no cell printed the backend line"),
        ("the explorer, saying it could not connect", explorer, [backend, sentence], ""),
        ("the explorer, silent", explorer, [backend],
         f"shows no sentence saying so (HTML of class {WIDGET_FAILED_CLASS}"),
        ("the explorer, not run after a failed cell", explorer, [], "no cell printed the backend line"),
    ]
    failed = []
    for name, src, outputs, want in cases:
        got = notebook_problems([{"cell_type": "code", "source": src, "outputs": outputs}])
        if (want == "" and got) or (want and (len(got) != 1 or want not in got[0])):
            failed.append(f"{name}: got {got}, want {'one problem: ' + repr(want) if want else 'no problem'}")
    return failed


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--self-check", action="store_true",
                    help="check that the runner's checks catch what they must (no kernel needed), and exit")
    ap.add_argument("notebooks", nargs="*", help="notebook file names in notebooks/ (default: all NN-*.ipynb)")
    ap.add_argument("--out", help="folder for the executed copies (default: a new temporary folder)")
    ap.add_argument("--timeout", type=int, default=1800, help="seconds a single cell may run (default 1800)")
    ap.add_argument("--full", action="store_true", help="don't set the short settings' environment variables")
    args = ap.parse_args()

    if args.self_check:
        failed = self_check()
        for f in failed:
            print("FAIL", f, flush=True)
        print("the runner's checks catch what they must" if not failed else f"{len(failed)} check(s) of the runner failed")
        return 1 if failed else 0

    if not args.full:
        for k, v in SHORT_ENV.items():
            os.environ.setdefault(k, v)
    os.environ.setdefault("GOMLX_NO_AUTO_INSTALL", "1")

    names = args.notebooks or sorted(p.name for p in NOTEBOOKS_DIR.glob("[0-9][0-9]-*.ipynb"))
    if not names:
        print("no notebooks found in", NOTEBOOKS_DIR, file=sys.stderr)
        return 1
    out_dir = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="advcnn-notebooks-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = " ".join(f"{k}={os.environ[k]}" for k in SHORT_ENV if k in os.environ)
    print(f"executing {len(names)} notebook(s) with {settings or 'the full settings'}; executed copies in {out_dir}", flush=True)

    failed = 0
    total = time.monotonic()
    for name in names:
        path = NOTEBOOKS_DIR / name
        if not path.is_file():
            print(f"FAIL {name}: no such notebook in {NOTEBOOKS_DIR}", flush=True)
            failed += 1
            continue
        print(f"---- {name}", flush=True)
        elapsed, out_path, problems = run(path, out_dir, args.timeout)
        if problems:
            failed += 1
            print(f"FAIL {name} after {elapsed:.0f} s (executed copy: {out_path})", flush=True)
            for p in problems:
                print("  " + p.replace("\n", "\n  "), flush=True)
        else:
            print(f"ok   {name} in {elapsed:.0f} s -> {out_path}", flush=True)
    print(f"{len(names) - failed} of {len(names)} notebook(s) passed in {time.monotonic() - total:.0f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
