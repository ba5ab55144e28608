# Sourced by docker/test/image-test.sh, class-test.sh and xla-threads.sh: the one place that
# installs podman and configures it for this kind of machine (as root, no
# container registry reachable), and that builds the teaching image from
# nothing. Both scripts share $IMAGE_TEST_DIR's storage, so the image and its
# layers are built once.
#
#   podman_setup    install podman, buildah, runc and debootstrap from Debian when
#                   missing, and write and export podman's configuration:
#                   runc and cgroupfs (crun fails here on hybrid cgroups), ulimits
#                   within the host's hard limits, and its own overlay storage
#   build_image     the Debian and Go base images (made locally, no registry),
#                   then `make image` of this checkout as $IMAGE, given the
#                   host's CA bundle plus a dummy CA unique to this build as the
#                   build secret (image-test.sh then checks that no layer holds it)
#
#   step, lap, fail the scripts' report: a step's title with the seconds since
#                   the start, a lap's time kept in $timings, and a failure that exits

W=${IMAGE_TEST_DIR:-/var/tmp/advanced-cnn-image-test}
IMAGE=${IMAGE:-localhost/advanced-cnn:test}
HOST_CA=${HOST_CA:-/etc/ssl/certs/ca-certificates.crt}
GO_VERSION=$(awk '$1 == "go" {print $2; exit}' go.mod)
GO_BASE=localhost/golang:${GO_VERSION}-bookworm

start=$SECONDS
last=$SECONDS
timings=()
step() { printf '\n==> [%3d s] %s\n' $((SECONDS - start)) "$*"; }
lap() { timings+=("$(printf '%-44s %4d s' "$1" $((SECONDS - last)))"); last=$SECONDS; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

podman_setup() {
	if ! command -v podman >/dev/null || ! command -v debootstrap >/dev/null || ! command -v runc >/dev/null; then
		step "installing podman, buildah, runc and debootstrap from Debian"
		apt-get update -qq
		apt-get install --yes -qq --no-install-recommends -o DPkg::Lock::Timeout=900 \
			podman buildah runc uidmap iptables containernetworking-plugins debootstrap >/dev/null
	fi
	mkdir -p "$W/conf"
	cat >"$W/conf/storage.conf" <<EOT
[storage]
driver = "overlay"
runroot = "$W/run"
graphroot = "$W/storage"
EOT
	cat >"$W/conf/containers.conf" <<EOT
[containers]
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=16384:16384"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
EOT
	export CONTAINERS_STORAGE_CONF=$W/conf/storage.conf CONTAINERS_CONF=$W/conf/containers.conf
	podman --version
}

build_image() {
	if ! podman image exists localhost/debian:bookworm; then
		local mirror
		mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
		mirror=${mirror:-http://deb.debian.org/debian}
		step "Debian bookworm base image with debootstrap, from $mirror"
		rm -rf "$W/rootfs"
		debootstrap --variant=minbase bookworm "$W/rootfs" "$mirror" >"$W/debootstrap.log" 2>&1 \
			|| { tail -20 "$W/debootstrap.log"; fail "debootstrap failed (log: $W/debootstrap.log)"; }
		tar -C "$W/rootfs" -c . | podman import --change 'CMD ["/bin/bash"]' - localhost/debian:bookworm >/dev/null
		rm -rf "$W/rootfs"
	fi
	lap "Debian base image"

	if ! podman image exists "$GO_BASE"; then
		local toolchain dir
		toolchain=golang.org/toolchain@v0.0.1-go${GO_VERSION}.linux-amd64
		step "$GO_BASE from Debian and the Go toolchain module $toolchain"
		dir=$(go mod download -json "$toolchain" | awk -F'"' '$2 == "Dir" {print $4}')
		[[ -x $dir/bin/go || -f $dir/bin/go ]] || fail "go mod download $toolchain gave no toolchain"
		rm -rf "$W/golang-context" && mkdir -p "$W/golang-context"
		cp -r "$dir" "$W/golang-context/go"
		chmod -R u+w,a+rX "$W/golang-context/go"
		chmod a+x "$W/golang-context/go/bin/"* "$W/golang-context/go/pkg/tool/"*/*
		podman build --isolation chroot --network host --format docker --build-arg GOLANG_VERSION="$GO_VERSION" \
			-f docker/test/golang-local.Dockerfile -t "$GO_BASE" "$W/golang-context"
		rm -rf "$W/golang-context"
	fi
	lap "Go base image"

	# The build's CA bundle: the host's (HTTPS here goes through a proxy that
	# re-signs certificates) and a dummy CA made for this build alone, whose
	# subject image-test.sh looks for in every layer of the image. Each build's
	# subject is kept in $W/build-ca-markers, as layers outlive their build.
	local marker=advcnn-dummy-build-ca-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$marker" \
		-keyout /dev/null -out "$W/dummy-ca.pem" 2>/dev/null || fail "openssl could not make the dummy CA"
	cat "$HOST_CA" "$W/dummy-ca.pem" >"$W/build-ca.pem"
	echo "$marker" >>"$W/build-ca-markers"
	step "building $IMAGE on $GO_BASE"
	make image ENGINE=podman IMAGE="$IMAGE" BASE_IMAGE="$GO_BASE" BUILD_CA="$W/build-ca.pem" \
		IMAGE_BUILD_FLAGS="--isolation chroot --network host"
	rm -f "$W/build-ca.pem"
	podman image exists "$IMAGE" || fail "make image built no $IMAGE"
	lap "the lesson's image (make image)"
}
