#!/usr/bin/env bash
# Starts JupyterLab on the lesson's notebooks: what `make lab` runs, and what
# the browser test (tools/browser/lab-test.mjs) starts. Extra arguments go to
# `jupyter lab`. JupyterLab prints the address to open, with its token.
#
# JupyterLab refuses to run as root ("Running as root is not recommended") unless
# given --allow-root. In a container, a lab machine or CI, root is normal: this
# script passes --allow-root then, and only then, and says so.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -x .venv/bin/jupyter ]]; then
	echo "JupyterLab is not installed in .venv: run \`make setup\` (or \`make lab\`, which runs it)." >&2
	exit 1
fi

args=()
if [[ "$(id -u)" == 0 ]]; then
	echo "Running as root: passing --allow-root to JupyterLab, which refuses root otherwise." >&2
	args+=(--allow-root)
fi
# ADVCNN_LAB_ROOT serves another folder of the repository instead: the browser
# test's self-check serves its broken notebooks that way.
exec .venv/bin/jupyter lab "${ADVCNN_LAB_ROOT:-notebooks/}" "${args[@]}" "$@"
