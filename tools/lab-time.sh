#!/usr/bin/env bash
# How long `make lab` takes to reach JupyterLab's URL on this checkout: runs
# `make lab LAB_FLAGS=--no-browser` N times (default 5), each until its output
# shows the `http://…token=` address, then stops it; prints the seconds and the
# load average at each start. docs/setup.md quotes it. Usage: tools/lab-time.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5}
for _ in $(seq "$n"); do
	log=$(mktemp)
	load=$(cut -d' ' -f1 /proc/loadavg)
	start=$(date +%s.%N)
	setsid make lab LAB_FLAGS=--no-browser >"$log" 2>&1 &
	pid=$!
	until grep -q 'http://.*token=' "$log"; do
		if ! kill -0 "$pid" 2>/dev/null; then cat "$log" >&2; rm -f "$log"; echo "make lab stopped before showing its URL" >&2; exit 1; fi
		sleep 0.1
	done
	end=$(date +%s.%N)
	kill -TERM -- "-$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -f "$log"
	awk -v s="$start" -v e="$end" -v l="$load" 'BEGIN { printf "make lab: URL after %.1f s (load average %s)\n", e - s, l }'
done
