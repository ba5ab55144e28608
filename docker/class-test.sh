#!/usr/bin/env bash
# `make class-test` and `make class-bench`: a class on one server. JupyterHub
# (docker/hub/jupyterhub_config.py, from .venv-hub/) and its proxy (from
# docker/hub/node_modules/) run on this host; DockerSpawner gives each of three
# students a container of the teaching image and a volume of their own, through
# podman's Docker-compatible API. docker/hub/class_test.py then drives the
# students through the hub's public URL (docs/classroom.md).
#
#   docker/class-test.sh          the checks: logins, notebook 01, isolation,
#                                 persistence, a kernel killed mid-training
#   docker/class-test.sh bench    what each student's training costs, alone and
#                                 two and three at a time (writes plots/class/bench.json)
#
# It uses podman as make image-test configures it (docker/podman.sh), with the
# same storage, and builds the image the same way when it is missing. Everything
# it starts (the hub, the proxy, podman's API service, the containers, their
# volumes and network) is removed at the end, also when a check fails, and
# anything a killed earlier run left behind is removed at the start.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
MODE=${1:-test}
[[ $MODE == test || $MODE == bench ]] || { echo "usage: $0 [test|bench]" >&2; exit 2; }

# shellcheck source=docker/podman.sh
source docker/podman.sh

[[ $(id -u) == 0 ]] || fail "the class test runs podman as root: run it as root"
[[ -x .venv-hub/bin/jupyterhub && -x docker/hub/node_modules/.bin/configurable-http-proxy ]] \
	|| fail "the hub is not installed: run it as \`make class-$MODE\`, which installs it first"

STUDENTS=(alice bob carol)
NETWORK=advcnn-class
RUN=$W/class
HUB_PORT=${CLASS_HUB_PORT:-18000}
PROXY_API_PORT=$((HUB_PORT + 1))
HUB_API_PORT=$((HUB_PORT + 81))

podman_setup >/dev/null
podman() { command podman "$@" 2> >(grep -v 'systemd connection' >&2); }

service_pid=
hub_pid=
cleanup() {
	set +e
	if [[ -n $hub_pid ]] && kill -0 "$hub_pid" 2>/dev/null; then
		kill -TERM "$hub_pid"  # the hub stops the students' servers and its proxy
		for _ in $(seq 60); do kill -0 "$hub_pid" 2>/dev/null || break; sleep 1; done
		kill -KILL "$hub_pid" 2>/dev/null
	fi
	# What a killed earlier run, or a hub that did not stop in time, left behind.
	for pidfile in "$RUN/jupyterhub.pid" "$RUN/jupyterhub-proxy.pid"; do
		[[ -f $pidfile ]] && kill -TERM "$(cat "$pidfile")" 2>/dev/null
	done
	for s in "${STUDENTS[@]}"; do
		command podman rm --force --time 0 "advcnn-jupyter-$s" >/dev/null 2>&1
		command podman volume rm --force "advcnn-class-$s" >/dev/null 2>&1
	done
	command podman network rm --force "$NETWORK" >/dev/null 2>&1
	if [[ -n $service_pid ]]; then
		kill -TERM "$service_pid" 2>/dev/null
		wait "$service_pid" 2>/dev/null
	fi
	set -e
}
trap cleanup EXIT
cleanup

if ! podman image exists "$IMAGE"; then
	step "$IMAGE is missing: building it as make image-test does"
	build_image
fi
printf 'image %s, built %s\n' "$IMAGE" "$(podman image inspect --format '{{.Created}}' "$IMAGE")"
lap "the image"

step "podman's Docker-compatible API, a network for the class, the hub"
rm -rf "$RUN" && mkdir -p "$RUN" && chmod 700 "$RUN"
for port in "$HUB_PORT" "$PROXY_API_PORT" "$HUB_API_PORT"; do
	! ss -ltnH "sport = :$port" | grep -q . || fail "port $port is taken: set CLASS_HUB_PORT to another (it uses that port, +1 and +81)"
done
command podman system service --time=0 "unix://$RUN/podman.sock" >"$RUN/podman-service.log" 2>&1 &
service_pid=$!
for _ in $(seq 30); do [[ -S $RUN/podman.sock ]] && break; sleep 0.5; done
[[ -S $RUN/podman.sock ]] || fail "podman system service did not make $RUN/podman.sock (log: $RUN/podman-service.log)"
podman network create "$NETWORK" >/dev/null
gateway=$(podman network inspect "$NETWORK" | .venv-hub/bin/python -c 'import json,sys; print(json.load(sys.stdin)[0]["subnets"][0]["gateway"])')
echo "network $NETWORK, gateway $gateway: the students' servers reach the hub at $gateway:$HUB_API_PORT"

# Each student's own password, and the driver's service token: made here, for this run only.
.venv-hub/bin/python - "$RUN/passwords.json" "${STUDENTS[@]}" <<'EOF'
import json, secrets, sys
json.dump({name: secrets.token_urlsafe(12) for name in sys.argv[2:]}, open(sys.argv[1], "w"))
EOF
service_token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
if [[ $MODE == test ]]; then
	student_env=$(.venv-hub/bin/python docker/hub/class_test.py short-env)
	mem_limit=${CLASS_MEM_LIMIT:-2G}
else
	student_env='{"ADVCNN_QUICK": "1"}'
	mem_limit=${CLASS_MEM_LIMIT:-6G}
fi
echo "students: ${STUDENTS[*]}; their servers get memory limit $mem_limit, PJRT_NPROC=${CLASS_XLA_THREADS:-1} and $student_env"

(
	cd "$RUN"
	exec env ADVCNN_HUB_IMAGE="$IMAGE" ADVCNN_HUB_DOCKER_HOST="unix://$RUN/podman.sock" \
		ADVCNN_HUB_NETWORK="$NETWORK" ADVCNN_HUB_CONNECT_IP="$gateway" \
		ADVCNN_HUB_URL="http://127.0.0.1:$HUB_PORT" ADVCNN_HUB_PROXY_API="http://127.0.0.1:$PROXY_API_PORT" \
		ADVCNN_HUB_API_PORT="$HUB_API_PORT" ADVCNN_HUB_STATE_DIR="$RUN" \
		ADVCNN_HUB_PROXY_COMMAND="$REPO/docker/hub/node_modules/.bin/configurable-http-proxy" \
		ADVCNN_HUB_MEM_LIMIT="$mem_limit" ADVCNN_HUB_XLA_THREADS="${CLASS_XLA_THREADS:-1}" \
		ADVCNN_HUB_STUDENT_ENV="$student_env" ADVCNN_HUB_PASSWORDS="$RUN/passwords.json" \
		ADVCNN_HUB_SERVICE_TOKEN="$service_token" \
		"$REPO/.venv-hub/bin/jupyterhub" -f "$REPO/docker/hub/jupyterhub_config.py"
) >"$RUN/hub.log" 2>&1 &
hub_pid=$!
for _ in $(seq 60); do
	curl --noproxy '*' -fsS "http://127.0.0.1:$HUB_PORT/hub/api/" >/dev/null 2>&1 && break
	kill -0 "$hub_pid" 2>/dev/null || { tail -30 "$RUN/hub.log"; fail "the hub exited (log: $RUN/hub.log)"; }
	sleep 1
done
curl --noproxy '*' -fsS "http://127.0.0.1:$HUB_PORT/hub/api/" || { tail -30 "$RUN/hub.log"; fail "the hub does not answer"; }
echo
lap "API service, network, hub up"

driver=(.venv-hub/bin/python docker/hub/class_test.py "$MODE" --hub "http://127.0.0.1:$HUB_PORT"
	--passwords "$RUN/passwords.json" --service-token "$service_token")
if ! NO_PROXY='*' no_proxy='*' "${driver[@]}"; then
	echo "---- the hub's log (last 40 lines of $RUN/hub.log)"
	tail -40 "$RUN/hub.log"
	fail "make class-$MODE failed"
fi
lap "the driver ($MODE)"

printf '\n==> make class-%s passed in %d s\n' "$MODE" $((SECONDS - start))
printf '%s\n' "${timings[@]}"
