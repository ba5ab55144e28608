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
#   4. builds the image with `make image`, passing the host's CA bundle and a
#      dummy CA unique to the build as a build secret (HTTPS here goes through a
#      proxy that re-signs certificates); the checks prove that no layer of the
#      image holds it.
# The folder $IMAGE_TEST_DIR (default /var/tmp/advanced-cnn-image-test) keeps
# podman's storage, so a second run reuses the base images and build layers.
set -euo pipefail
cd "$(dirname "$0")/../.."

MAX_BYTES=${MAX_BYTES:-2500000000}
# shellcheck source=docker/test/podman.sh
source docker/test/podman.sh
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
# A wrong token, in the header as an API client sends it and in the URL as a
# shared link carries it: refused with 403, JupyterLab's page as well as the
# API (the image's identity provider, docker/image/advcnn_identity.py; plain
# jupyter_server sends a page request with a wrong token to the login page).
# With no token at all, the page still sends a browser to log in.
wrong=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
seen=()
for path in /api/status /api/contents /lab; do
	for how in header url; do
		if [[ $how == header ]]; then
			out=$(curl --output /dev/null --write-out '%{http_code} %{redirect_url}' -H "Authorization: token $wrong" "http://$address$path")
		else
			out=$(curl --output /dev/null --write-out '%{http_code} %{redirect_url}' "http://$address$path?token=$wrong")
		fi
		code=${out%% *} location=${out#* }
		[[ $code == 403 ]] || fail "$path with a wrong token ($how) answered $code $location, want 403"
		seen+=("$path ($how) $code")
	done
done
code=$(curl --output /dev/null --write-out '%{http_code}' -H "Authorization: token $token" "http://$address/lab")
[[ $code == 200 ]] || fail "/lab with the right token answered $code, want 200"
out=$(curl --output /dev/null --write-out '%{http_code} %{redirect_url}' "http://$address/lab")
[[ $out == "302 "*/login?next=* ]] || fail "/lab with no token answered $out, want a redirect to the login page"
ok "a wrong token is refused: $(IFS=,; echo "${seen[*]}" | sed 's/,/, /g'); /lab with the right one 200, with none the login page (302)"

# The student's environment is root's: uid 1000 cannot plant a file among the
# server's static files (JupyterHub's Security Overview: served without login
# on the hub's domain), nor change a package; their notebooks and caches are theirs.
probe=$(podman exec "$name" bash -c '
	static=$(python -c "import jupyter_server, os; print(os.path.join(os.path.dirname(jupyter_server.__file__), \"static\"))")
	for d in "$static" "$(python -c "import sys; print(sys.prefix)")/share/jupyter/lab/static" .venv/lib/python3.11/site-packages .tools/bin lib ~/.jupyter ~/.local/share/jupyter ~; do
		if echo planted >"$d/planted.html" 2>/dev/null; then echo "WRITABLE $d"; rm -f "$d/planted.html"; fi
	done
	for d in notebooks "$(go env GOCACHE)" /tmp runs ~/.local/share/jupyter/runtime; do
		if echo mine >"$d/mine.txt" 2>/dev/null; then rm -f "$d/mine.txt"; else echo "NOT-WRITABLE $d"; fi
	done
	echo "static: $static"')
! grep -q 'WRITABLE' <<<"$probe" || { echo "$probe"; fail "uid 1000 can write where it must not, or cannot where it must"; }
code=$(curl --output /dev/null --write-out '%{http_code}' "http://$address/static/planted.html")
[[ $code == 404 ]] || fail "/static/planted.html answered $code, want 404"
ok "uid 1000 cannot write jupyter_server's or JupyterLab's static files, .venv, .tools, lib/, ~/.jupyter, ~/.local/share/jupyter or ~, and writes notebooks/, GOCACHE, /tmp, runs/ and the runtime folder"

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
logs=$(podman logs "$name" 2>&1)
[[ -n $logs ]] || fail "the container's log is empty: nothing to search for the token"
! grep -qF "$token" <<<"$logs" || fail "the token appears in the container's log"
ok "the token never appears in the container's log ($(wc -l <<<"$logs") lines, from the start to the stop)"
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
# gopls: the kernels' completion server by default; a class hub's ADVCNN_GOPLS=off
# keeps it from starting (docker/image/gopls.sh).
podman run --pull never --rm --network none "$IMAGE" gopls version >/dev/null || fail "gopls does not run in the image"
if out=$(podman run --pull never --rm --network none -e ADVCNN_GOPLS=off "$IMAGE" gopls version 2>&1); then
	fail "ADVCNN_GOPLS=off: gopls still ran ($out)"
fi
grep -q 'ADVCNN_GOPLS=off' <<<"$out" || fail "ADVCNN_GOPLS=off: gopls failed without saying why: $out"
ok "gopls runs in the image, and ADVCNN_GOPLS=off (a class hub's default) turns it off with a sentence"
lap "token, uid, doctor, volume checks"

step "a cell's tools in the image ask the network nothing, and link its program stripped"
podman run --pull never --rm --network none -v "$PWD/docker/test/cell-offline.sh:/usr/local/bin/cell-offline.sh:ro" \
	"$IMAGE" bash /usr/local/bin/cell-offline.sh || fail "a cell's goimports, go get or go build asked the network, or linked unstripped (above)"
ok "a cell's goimports, go get and go build, with the kernelspec's environment, send no request (GOPROXY=off), and link with -s -w"
lap "a cell offline"

step "notebook 01 in a container with --network none, short settings"
podman run --pull never --rm --network none "$IMAGE" bash -c '
	if curl --silent --max-time 5 https://proxy.golang.org/ >/dev/null 2>&1; then echo "the network is reachable"; exit 1; fi
	echo "network: unreachable, as intended"
	exec python notebooks/run_notebooks.py 01-one-by-one-convolution.ipynb' \
	|| fail "notebook 01 failed offline"
ok "notebook 01 runs offline (--network none), short settings"
lap "notebook 01 offline"

step "what the image must not hold: the build's CA, CA or token settings, setuid files"
# Every layer of the image, read where podman keeps it, for the subject of each
# dummy CA any of its builds was given (build_image in docker/test/podman.sh).
layers=$(podman image inspect --format '{{.GraphDriver.Data.UpperDir}}:{{.GraphDriver.Data.LowerDir}}' "$IMAGE" | tr ':' ' ')
[[ -s $W/build-ca-markers ]] || fail "no build of $IMAGE recorded its dummy CA ($W/build-ca-markers): remove the image and run again"
n=$(wc -w <<<"$layers")
# shellcheck disable=SC2086
if found=$(grep -rlF -f "$W/build-ca-markers" $layers 2>/dev/null | head -5) && [[ -n $found ]]; then
	fail "a layer holds the build's dummy CA: $found"
fi
ok "no layer of the image ($n layers) holds the dummy CA given to its build ($(wc -l <"$W/build-ca-markers") build(s) recorded)"
env_names=$(podman image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$IMAGE" | cut -d= -f1)
bad=$(grep -E 'SSL|CERT|(^|_)CA(_|$)|CA_BUNDLE|TOKEN|PASSWORD|SECRET' <<<"$env_names" || true)
[[ -z $bad ]] || fail "the image's environment sets $bad"
ok "the image's environment sets no CA, certificate, token or password variable: $(tr '\n' ' ' <<<"$env_names")"
setuid=$(podman run --pull never --rm --network none --user 0 "$IMAGE" find / -xdev -perm /6000 -type f 2>/dev/null)
[[ -z $setuid ]] || fail "setuid or setgid files in the image: $(tr '\n' ' ' <<<"$setuid")"
ok "no setuid or setgid file in the image (find / -xdev -perm /6000)"
lap "what the image must not hold"

size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
step "what the image holds"
podman run --pull never --rm "$IMAGE" bash -c 'du -sh "$GOPATH/pkg/mod" ~/.cache/go-build ~/.local/lib/go-xla .venv .tools data /usr/local/go 2>/dev/null'
(( size <= MAX_BYTES )) || fail "the image is $size bytes, more than $MAX_BYTES"
ok "image size: $(awk -v s="$size" 'BEGIN {printf "%.2f GB (%d bytes)", s / 1e9, s}'), limit $(awk -v s="$MAX_BYTES" 'BEGIN {printf "%.1f GB", s / 1e9}')"

printf '\n==> make image-test passed in %d s\n' $((SECONDS - start))
printf '%s\n' "${timings[@]}" "${passed[@]}"
