#!/usr/bin/env bash
# `make image-test`: builds the teaching image from nothing on a Debian machine
# like the project's CI (as root, no container registry reachable), starts it,
# and checks it as a teacher would use it. It prints the time of each step, the
# checks' results and the image's size, and exits non-zero on any failure.
#
# From nothing, it:
#   1. installs podman and debootstrap from Debian, when they are missing;
#   2. configures podman for this kind of machine, in $IMAGE_TEST_DIR:
#      runc and cgroupfs (crun fails here on hybrid cgroups), ulimits within the
#      host's hard limits, and its own overlay storage;
#   3. makes a Debian bookworm base image with debootstrap, from the machine's
#      apt mirror, and a local golang:<go.mod's version>-bookworm from it and
#      the Go toolchain module on the Go module proxy (no registry needed);
#   4. builds the image with `make image`, passing the host's CA bundle as a
#      build secret (HTTPS here goes through a proxy that re-signs
#      certificates); the secret is never written into the image.
# The folder $IMAGE_TEST_DIR (default /var/tmp/advanced-cnn-image-test) keeps
# podman's storage, so a second run reuses the base images and build layers.
set -euo pipefail
cd "$(dirname "$0")/.."

MAX_BYTES=${MAX_BYTES:-2500000000}
# shellcheck source=docker/podman.sh
source docker/podman.sh
passed=()
ok() { passed+=("ok    $*"); printf 'ok    %s\n' "$*"; }

[[ $(id -u) == 0 ]] || fail "make image-test installs and runs podman as root: run it as root (to build only, use make image)"

# 1 and 2. The engine and its configuration, for this machine only.
podman_setup
lap "engine installed"

# 3 and 4. The base images, then the image as `make image` builds it.
build_image

# The checks.
name=advcnn-test-$$
volume=advcnn-work-$$
token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
cleanup() {
	podman rm --force --time 0 "$name" >/dev/null 2>&1 || true
	podman volume rm --force "$volume" >/dev/null 2>&1 || true
}
trap cleanup EXIT
# Without systemd, podman logs an error about health-check timers at each
# container start and stop; `podman healthcheck run` works all the same.
podman() { command podman "$@" 2> >(grep -v 'systemd connection' >&2); }
curl() { command curl --noproxy '*' --silent --show-error "$@"; }

step "starting it: token set, a volume on notebooks/, port 8888 published on 127.0.0.1"
podman run --pull never --detach --name "$name" -e JUPYTER_TOKEN="$token" -p 127.0.0.1::8888 \
	-v "$volume:/home/jovyan/advanced-cnn/notebooks" "$IMAGE" >/dev/null
address=$(podman port "$name" 8888/tcp | head -1)
healthy=false
for _ in $(seq 90); do
	if podman healthcheck run "$name" >/dev/null 2>&1; then healthy=true; break; fi
	[[ $(podman inspect --format '{{.State.Running}}' "$name") == true ]] || break
	sleep 2
done
$healthy || { podman logs "$name" | tail -30; fail "the container did not become healthy"; }
ok "healthy after $((SECONDS - last)) s (HEALTHCHECK: healthcheck.py, GET /api)"
lap "start until healthy"

code=$(curl --output /dev/null --write-out '%{http_code}' "http://$address/api/status")
[[ $code == 403 ]] || fail "/api/status without the token answered $code, want 403"
code=$(curl --output /dev/null --write-out '%{http_code}' -H "Authorization: token $token" "http://$address/api/status")
[[ $code == 200 ]] || fail "/api/status with the token answered $code, want 200"
ok "token: /api/status answers 403 without it and 200 with it"

read -r pid uid ppid < <(podman exec "$name" python3 -c '
import os
for p in filter(str.isdigit, os.listdir("/proc")):
    try:
        cmd = open(f"/proc/{p}/cmdline").read()
        status = dict(l.split(":", 1) for l in open(f"/proc/{p}/status"))
    except OSError:
        continue
    if "jupyter-lab" in cmd:
        print(p, status["Uid"].split()[0], status["PPid"].strip())
        break')
init=$(podman exec "$name" sh -c 'tr "\0" " " </proc/1/cmdline')
[[ $uid == 1000 ]] || fail "the server (pid $pid) runs as uid $uid, want 1000"
[[ $ppid == 1 && $init == tini* ]] || fail "the server's parent is pid $ppid, want 1 (tini); pid 1 is: $init"
ok "the server runs as uid 1000, as the child of PID 1: $init"

doctor=$(podman exec "$name" make doctor 2>&1) || { echo "$doctor"; fail "make doctor failed in the container"; }
grep -q 'xla:cpu' <<<"$doctor" || { echo "$doctor"; fail "make doctor does not report xla:cpu"; }
ok "make doctor: $(grep -m1 'xla:cpu' <<<"$doctor" | sed 's/  */ /g')"

code=$(curl --output /dev/null --write-out '%{http_code}' -X PUT -H "Authorization: token $token" \
	-H 'Content-Type: application/json' "http://$address/api/contents/student-work.ipynb" \
	--data '{"type": "notebook", "content": {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "my own notes"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}}')
[[ $code == 201 || $code == 200 ]] || fail "saving a notebook through the server answered $code"
podman stop --time 30 "$name" >/dev/null
exit_code=$(podman inspect --format '{{.State.ExitCode}}' "$name")
[[ $exit_code == 0 ]] || { podman logs "$name" | tail -20; fail "the container exited with $exit_code after podman stop, want 0"; }
ok "podman stop: the server shut down cleanly (exit code 0)"
podman rm "$name" >/dev/null
podman run --pull never --rm -v "$volume:/home/jovyan/advanced-cnn/notebooks" "$IMAGE" \
	grep -q 'my own notes' notebooks/student-work.ipynb \
	|| fail "the notebook saved in the volume is gone after the container was removed"
ok "a notebook saved through JupyterLab into the volume is still there after the container was removed"
seed=$(mktemp -d "$W/bind-XXXX")
chown 1000:100 "$seed"
podman run --pull never --rm -v "$seed:/home/jovyan/advanced-cnn/notebooks" "$IMAGE" start-notebook.sh --version >/dev/null
[[ -f $seed/01-one-by-one-convolution.ipynb && -f $seed/gonb-module.sh ]] \
	|| fail "an empty folder bind-mounted over notebooks/ did not get the lesson's notebooks"
rm -rf "$seed"
ok "an empty folder bind-mounted over notebooks/ gets the lesson's notebooks at the first start"
lap "token, uid, doctor, volume checks"

step "notebook 01 in a container with --network none, short settings"
podman run --pull never --rm --network none "$IMAGE" bash -c '
	if curl --silent --max-time 5 https://proxy.golang.org/ >/dev/null 2>&1; then echo "the network is reachable"; exit 1; fi
	echo "network: unreachable, as intended"
	exec python notebooks/run_notebooks.py 01-one-by-one-convolution.ipynb' \
	|| fail "notebook 01 failed offline"
ok "notebook 01 runs offline (--network none), short settings"
lap "notebook 01 offline"

size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
step "what the image holds"
podman run --pull never --rm "$IMAGE" bash -c 'du -sh "$GOPATH/pkg/mod" ~/.cache/go-build ~/.local/lib/go-xla .venv .tools data /usr/local/go 2>/dev/null'
(( size <= MAX_BYTES )) || fail "the image is $size bytes, more than $MAX_BYTES"
ok "image size: $(awk -v s="$size" 'BEGIN {printf "%.2f GB (%d bytes)", s / 1e9, s}'), limit $(awk -v s="$MAX_BYTES" 'BEGIN {printf "%.1f GB", s / 1e9}')"

printf '\n==> make image-test passed in %d s\n' $((SECONDS - start))
printf '%s\n' "${timings[@]}" "${passed[@]}"
