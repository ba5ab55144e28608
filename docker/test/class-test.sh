#!/usr/bin/env bash
# `make class-test` and `make class-bench`: a class on one server. JupyterHub
# (docker/hub/jupyterhub_config.py with docker/hub/class_spawner.py, from
# .venv-hub/) and its proxy (from docker/hub/node_modules/) run on this host;
# DockerSpawner gives each student a container of the teaching image and a disk
# of their own, through podman's Docker-compatible API, on the class's fenced
# network (docker/hub/class-network.sh). docker/test/class_test.py then drives
# the students through the hub's public URL, and attacks the class
# (docs/classroom.md, "What the class test proves").
#
#   docker/test/class-test.sh          the checks: logins, notebook 01, isolation,
#                                      persistence, a kernel killed mid-training,
#                                      and the ten attack checks
#   docker/test/class-test.sh bench    what each student's training costs, alone and
#                                      two and three at a time (writes plots/class/bench.json)
#
# CLASS_BASELINE=1 runs the same driver against the set-up before issue 20
# (commit 4cda82f's jupyterhub_config.py: a plain bridge, no firewall, plain-text
# passwords) and the image $BASELINE_IMAGE, to see the attack checks fail there.
#
# It uses podman as make image-test configures it (docker/test/podman.sh), with
# the same storage, and builds the image the same way when it is missing.
# Everything it starts (the hub, the proxy, podman's API service, the
# containers, the students' disks, the network and its rules) is removed at the
# end, also when a check fails, and anything a killed earlier run left behind
# is removed at the start.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
MODE=${1:-test}
[[ $MODE == test || $MODE == bench ]] || { echo "usage: $0 [test|bench]" >&2; exit 2; }

# shellcheck source=docker/test/podman.sh
source docker/test/podman.sh

[[ $(id -u) == 0 ]] || fail "the class test runs podman as root: run it as root"
[[ -x .venv-hub/bin/jupyterhub && -x docker/hub/node_modules/.bin/configurable-http-proxy ]] \
	|| fail "the hub is not installed: run it as \`make class-$MODE\`, which installs it first"

STUDENTS=(alice bob carol)
LOCKOUT_STUDENT=dave  # has a password, never logs in with it: check 9's target
NETWORK=advcnn-class-test
SUBNET=${CLASS_SUBNET:-10.89.201.0/24}
RUN=$W/class
HUB_PORT=${CLASS_HUB_PORT:-18000}
PROXY_API_PORT=$((HUB_PORT + 1))
HUB_API_PORT=$((HUB_PORT + 81))
BASELINE=${CLASS_BASELINE:-}
HUB_CONFIG=$REPO/docker/hub/jupyterhub_config.py
if [[ -n $BASELINE ]]; then
	IMAGE=${BASELINE_IMAGE:-localhost/advanced-cnn:old}
	mkdir -p "$W/baseline"
	HUB_CONFIG=$W/baseline/jupyterhub_config.py
	git show 4cda82f:docker/hub/jupyterhub_config.py >"$HUB_CONFIG"
fi
net() {
	ENGINE=podman ADVCNN_HUB_NETWORK=$NETWORK ADVCNN_HUB_SUBNET=$SUBNET ADVCNN_HUB_API_PORT=$HUB_API_PORT \
		docker/hub/class-network.sh "$@"
}

podman_setup >/dev/null
podman() { command podman "$@" 2> >(grep -v 'systemd connection' >&2); }

service_pid=
cleanup() {
	set +e
	# The hub stops its proxy and its services; the students' servers outlive
	# it (cleanup_servers = False) and are removed here. The hub is stopped
	# first, alone (its proxy stopped under it, it would start another), then
	# whatever it left in its process group (hub-start.sh runs it with setsid,
	# so its pid is the group's): a proxy or an idle culler still running.
	# Only processes of the hub's own are signalled, by pid, never a pid that
	# the system has since given to something else.
	local hub_pid= pid
	[[ -f $RUN/jupyterhub.pid ]] && hub_pid=$(cat "$RUN/jupyterhub.pid")
	if [[ -n $hub_pid ]] && grep -qa jupyterhub "/proc/$hub_pid/cmdline" 2>/dev/null && kill -TERM "$hub_pid"; then
		for _ in $(seq 60); do
			kill -0 "$hub_pid" 2>/dev/null || break
			sleep 1
		done
	fi
	if [[ -n $hub_pid ]]; then
		for pid in $(pgrep -g "$hub_pid"); do
			grep -qaE 'jupyterhub|configurable-http-proxy' "/proc/$pid/cmdline" 2>/dev/null && kill -KILL "$pid"
		done
	fi
	pid=$(cat "$RUN/jupyterhub-proxy.pid" 2>/dev/null)
	[[ -n $pid ]] && grep -qa configurable-http-proxy "/proc/$pid/cmdline" 2>/dev/null && kill -TERM "$pid"
	for s in "${STUDENTS[@]}" "$LOCKOUT_STUDENT"; do
		command podman rm --force --time 0 "advcnn-jupyter-$s" >/dev/null 2>&1
		command podman volume rm --force "advcnn-class-$s" >/dev/null 2>&1
		mountpoint -q "$RUN/disks/$s" 2>/dev/null && umount "$RUN/disks/$s"
	done
	net down >/dev/null 2>&1
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

step "podman's Docker-compatible API, the class's fenced network, the hub"
rm -rf "$RUN" && mkdir -p "$RUN" && chmod 700 "$RUN"
for port in "$HUB_PORT" "$PROXY_API_PORT" "$HUB_API_PORT"; do
	! ss -ltnH "sport = :$port" | grep -q . || fail "port $port is taken: set CLASS_HUB_PORT to another (it uses that port, +1 and +81)"
done
# From $RUN: Debian bookworm's conmon (2.1.6) creates an empty file "oom" in its working directory,
# which podman does not set, when a container runs out of memory, as attack 5 makes alice's do
# (containers/conmon#504, fixed upstream in July 2024 by #514). Started here, it left one in the checkout.
had_oom=$([[ -e oom ]] && echo yes || true)
(cd "$RUN" && exec podman system service --time=0 "unix://$RUN/podman.sock" >"$RUN/podman-service.log" 2>&1) &
service_pid=$!
for _ in $(seq 30); do [[ -S $RUN/podman.sock ]] && break; sleep 0.5; done
[[ -S $RUN/podman.sock ]] || fail "podman system service did not make $RUN/podman.sock (log: $RUN/podman-service.log)"
if [[ -n $BASELINE ]]; then
	podman network create --subnet "$SUBNET" "$NETWORK" >/dev/null  # as before issue 20: a plain bridge
else
	net up
fi
gateway=$(podman network inspect "$NETWORK" | .venv-hub/bin/python -c 'import json,sys; print(json.load(sys.stdin)[0]["subnets"][0]["gateway"])')
echo "network $NETWORK ($SUBNET), gateway $gateway: the students' servers reach the hub's API at $gateway:$HUB_API_PORT"

# Each student's own password, made for this run only: the driver gets them in
# plain text, the hub their hashes (docker/hub/class_passwords.py), in files only
# root can read. Before issue 20 the hub read the plain text.
.venv-hub/bin/python docker/test/class_test.py passwords --run "$RUN" ${BASELINE:+--plain} "${STUDENTS[@]}" "$LOCKOUT_STUDENT"
service_token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
if [[ $MODE == test ]]; then
	# run_notebooks.py's short settings, and activity reported every 10 s
	# (JupyterHub's default is 300 s) for the idle culler's short timeouts.
	student_env=$(.venv-hub/bin/python docker/test/class_test.py short-env)
	mem_limit=${CLASS_MEM_LIMIT:-2G}
else
	student_env='{"ADVCNN_QUICK": "1"}'
	mem_limit=${CLASS_MEM_LIMIT:-6G}
fi
echo "students: ${STUDENTS[*]}; their servers get memory limit $mem_limit, PJRT_NPROC=${CLASS_XLA_THREADS:-1} and $student_env"

# The hub's start, as a script, so that the driver can restart the hub (check
# 7), with more settings as its arguments (VAR=value ...).
{
	echo '#!/bin/bash'
	echo "# Runs the class test's hub (its caller puts it in the background); the hub writes its pid to $RUN/jupyterhub.pid."
	echo "cd $(printf %q "$RUN")"
	printf 'exec env'
	for kv in ADVCNN_HUB_IMAGE="$IMAGE" ADVCNN_HUB_DOCKER_HOST="unix://$RUN/podman.sock" \
		ADVCNN_HUB_NETWORK="$NETWORK" ADVCNN_HUB_CONNECT_IP="$gateway" \
		ADVCNN_HUB_URL="http://127.0.0.1:$HUB_PORT" ADVCNN_HUB_PROXY_API="http://127.0.0.1:$PROXY_API_PORT" \
		ADVCNN_HUB_API_PORT="$HUB_API_PORT" ADVCNN_HUB_STATE_DIR="$RUN" \
		ADVCNN_HUB_PROXY_COMMAND="$REPO/docker/hub/node_modules/.bin/configurable-http-proxy" \
		ADVCNN_HUB_MEM_LIMIT="$mem_limit" ADVCNN_HUB_XLA_THREADS="${CLASS_XLA_THREADS:-1}" \
		ADVCNN_HUB_STUDENT_ENV="$student_env" ADVCNN_HUB_PASSWORDS="$RUN/passwords.json" \
		ADVCNN_HUB_SERVICE_TOKEN="$service_token" ADVCNN_HUB_DISK_LIMIT="${CLASS_DISK_LIMIT:-256M}" \
		ADVCNN_HUB_MAX_SERVERS=3 ADVCNN_HUB_LOCKOUT_SECONDS=45 ADVCNN_HUB_ACTIVITY_INTERVAL=10; do
		printf ' \\\n\t%q' "$kv"
	done
	printf ' \\\n\t"$@" %q -f %q >>%q 2>&1\n' "$REPO/.venv-hub/bin/jupyterhub" "$HUB_CONFIG" "$RUN/hub.log"
} >"$RUN/hub-start.sh"
chmod 700 "$RUN/hub-start.sh"
setsid "$RUN/hub-start.sh" </dev/null &
for _ in $(seq 90); do
	curl --noproxy '*' -fsS "http://127.0.0.1:$HUB_PORT/hub/api/" >/dev/null 2>&1 && break
	sleep 1
done
curl --noproxy '*' -fsS "http://127.0.0.1:$HUB_PORT/hub/api/" || { tail -30 "$RUN/hub.log"; fail "the hub does not answer (log: $RUN/hub.log)"; }
echo
lap "API service, network, hub up"

driver=(.venv-hub/bin/python docker/test/class_test.py "$MODE" --hub "http://127.0.0.1:$HUB_PORT"
	--passwords "$RUN/test-passwords.json" --service-token "$service_token" --run "$RUN"
	--gateway "$gateway" --hub-api-port "$HUB_API_PORT" --proxy-api-port "$PROXY_API_PORT"
	--network "$NETWORK" --subnet "$SUBNET" --image "$IMAGE" --mem-limit "$mem_limit"
	--lockout-student "$LOCKOUT_STUDENT")
if ! NO_PROXY='*' no_proxy='*' "${driver[@]}"; then
	echo "---- the hub's log (last 40 lines of $RUN/hub.log)"
	tail -40 "$RUN/hub.log"
	fail "make class-$MODE failed"
fi
lap "the driver ($MODE)"
[[ -n $had_oom || ! -e oom ]] || fail "the class $MODE left a file 'oom' in the checkout ($PWD): conmon's (see the podman service above)"

printf '\n==> make class-%s passed in %d s\n' "$MODE" $((SECONDS - start))
printf '%s\n' "${timings[@]}"
