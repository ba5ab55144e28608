#!/usr/bin/env bash
# `make class-bench`, second part: how many threads XLA's CPU plugin starts in a
# student's container, and what each way of limiting them does. It runs the
# residual net's training step (cmd/bench, xla:cpu) in containers of the
# teaching image, one setting at a time, and prints, for each, the threads the
# program had (all, and XLA's intra-op pool, "tf_XLAEigen"), the wall and CPU
# time per step (cmd/bench's table) and so the cores it kept busy.
#
# What XLA does (xla/pjrt/utils.cc, DefaultThreadPoolSize, and the PJRT C API
# CPU plugin's PJRT_Client_Create): its pools get max(N, 4) threads, where N
# is $PJRT_NPROC (or $NPROC) when set, otherwise the CPUs the process may run on
# (sched_getaffinity: a cpuset counts, a CPU quota does not), and 4 is the
# plugin's default device count. lib/backend creates the client with one
# device (backend.CPUDevices), so the floor is 1 for the lesson's programs.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=docker/test/podman.sh
source docker/test/podman.sh
podman_setup >/dev/null
podman image exists "$IMAGE" || fail "$IMAGE is missing: run make image-test (or make class-test) first"
STEPS=${XLA_THREADS_STEPS:-60}

probe() {
	local label=$1
	shift
	step "$label"
	command podman run --pull never --rm --network none "$@" "$IMAGE" bash -c '
		go build -o /tmp/bench ./cmd/bench || exit 1
		echo "CPUs the process may use: $(nproc); PJRT_NPROC=${PJRT_NPROC:-unset}; XLA_FLAGS=${XLA_FLAGS:-unset}"
		/tmp/bench -backends xla:cpu -nets resnet -rounds 1 -warmup 5 -steps '"$STEPS"' >/tmp/out 2>&1 &
		pid=$!
		all=0 eigen=0
		while kill -0 $pid 2>/dev/null; do
			n=$(ls /proc/$pid/task 2>/dev/null | wc -l)
			e=$(cat /proc/$pid/task/*/comm 2>/dev/null | grep -c XLAEigen || true)
			(( n > all )) && all=$n
			(( e > eigen )) && eigen=$e
			sleep 0.5
		done
		wait $pid || { cat /tmp/out; exit 1; }
		echo "threads of the program, at most: $all, of them XLA intra-op (tf_XLAEigen): $eigen"
		grep -E "resnet|ms/step" /tmp/out | grep -v "^round\|^compiling\|^ms/step is"' 2> >(grep -v 'systemd connection' >&2)
}

uptime
probe "no setting"
probe "PJRT_NPROC=1" -e PJRT_NPROC=1
probe "PJRT_NPROC=8" -e PJRT_NPROC=8
probe "a CPU quota of 1 core (--cpus 1, DockerSpawner cpu_limit)" --cpus 1
probe "a cpuset of 1 core (--cpuset-cpus 0)" --cpuset-cpus 0
probe "XLA_FLAGS=--xla_cpu_multi_thread_eigen=false" -e XLA_FLAGS=--xla_cpu_multi_thread_eigen=false
uptime
