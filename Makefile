# Kite's developer entry points. Each target is a thin layer over `go` and the scripts in
# hack/, so what a target does can be read here in one line. `make` alone lists them.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

GO ?= go
BIN := bin
KITE := $(BIN)/kite
# The data directory of a developer run: store, certificates, kubeconfig.
DATA_DIR ?= .kite
# The machines have two cores: two test binaries at a time, with the race detector, and a
# limit well inside CI's time.
TEST_FLAGS ?= -race -count=1 -timeout 30m -p 2

GOLANGCI_LINT_VERSION := v2.15.0
GOLANGCI_LINT := $(BIN)/golangci-lint

.PHONY: help build run test test-e2e bench lint verify clean deps \
	verify-gofmt verify-vet verify-tidy verify-arch

help: ## Show this list.
	@echo "Usage: make TARGET"
	@awk 'BEGIN { FS = ":.*## " } /^[a-z0-9-]+:.*## / { printf "  %-18s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

deps: ## Install the Debian packages Kite needs (containerd, runc, CNI plugins, iptables, etcd, ...).
	@bash hack/install-deps.sh

build: ## Build bin/kite.
	$(GO) build -o $(KITE) ./cmd/kite

run: deps build images ## Start a single-node cluster in the foreground; it prints the kubectl line to use.
	./$(KITE) server --data-dir $(DATA_DIR) --images $(IMAGES_DIR)

# The image tarballs the node agent imports: pause, busybox and nginx, built from Debian
# packages and Kite's own pause program without a registry (hack/images skips current ones).
IMAGES_DIR := build/images
.PHONY: images conformance-images
images: deps ## Build the everyday image tarballs (pause, busybox, nginx) into build/images/.
	$(GO) run ./hack/images -out $(IMAGES_DIR)

# The other images the conformance specs run (agnhost, nautilus, nonewprivs,
# glibc-dns-testing, sample-apiserver, etcd), the Go programs compiled in the
# conformance/ module.
conformance-images: deps ## Build the conformance specs' image tarballs into build/images/ (agnhost: minutes cold).
	$(GO) run ./hack/images -out $(IMAGES_DIR) -group conformance

test: deps ## Run all tests with the race detector, end-to-end tests included.
	$(GO) test $(TEST_FLAGS) ./...
	cd conformance && $(GO) test $(TEST_FLAGS) ./cmd/...

test-e2e: deps ## Run only the end-to-end tests (they drive the real kite binary).
	$(GO) test $(TEST_FLAGS) ./e2e/...

bench: ## Run the storage and API benchmarks against etcd and a fresh kite (hack/bench.sh).
	bash hack/bench.sh

.PHONY: bench-podstart
bench-podstart: images ## Pod start-up latency (1, 30, 100 pods) and the node agent's RSS on a fresh kite (hack/podstart.sh).
	bash hack/podstart.sh

lint: ## Run golangci-lint with .golangci.yml, installing the pinned version into bin/ first.
	@if ! $(GOLANGCI_LINT) version 2>/dev/null | grep -q "version $(GOLANGCI_LINT_VERSION:v%=%) "; then \
		echo "installing golangci-lint $(GOLANGCI_LINT_VERSION) into $(BIN)/"; \
		GOBIN="$(CURDIR)/$(BIN)" $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION); \
	fi
	$(GOLANGCI_LINT) config verify --config .golangci.yml
	$(GOLANGCI_LINT) run --config .golangci.yml ./...

# verify runs every check, even after one fails, so one run shows all that is wrong.
VERIFY_CHECKS := verify-gofmt verify-vet verify-tidy verify-arch
verify: ## Check gofmt, go vet, that go.mod/go.sum are tidy, and the architecture rules (arch/).
	@failed=(); \
	for check in $(VERIFY_CHECKS); do \
		$(MAKE) --no-print-directory $$check || failed+=("$$check"); \
	done; \
	if (( $${#failed[@]} )); then echo "verify: FAILED: $${failed[*]}" >&2; exit 1; fi; \
	echo "verify: all checks passed"

# Go files outside the hidden folders, bin/ and testdata/ (which may hold broken Go on
# purpose), as the go command itself sees the tree.
verify-gofmt:
	@unformatted="$$(find . -mindepth 1 \( -name '.*' -o -path ./$(BIN) -o -name testdata \) -prune \
		-o -name '*.go' -print | xargs -r gofmt -l)"; \
	if [[ -n "$$unformatted" ]]; then echo "gofmt -l: run gofmt -w on:"; echo "$$unformatted"; exit 1; fi

verify-vet:
	$(GO) vet ./...

verify-tidy:
	$(GO) mod tidy -diff

verify-arch:
	$(GO) test -count=1 ./arch/

# `kite server --cleanup` runs first, so that what a run's node agent left on the host
# (its pods, containerd and its mounts, the kite0 bridge, KITE- iptables chains) goes too.
clean: ## Remove what the node agent left on the host, bin/, build/ and the developer data directory .kite/.
	if [[ -d $(DATA_DIR) ]]; then $(GO) run ./cmd/kite server --cleanup --data-dir $(DATA_DIR); fi
	rm -rf $(BIN) build $(DATA_DIR)

# The upstream Kubernetes conformance suite, built and run by conformance/ (a Go module of
# its own, so the main module never imports k8s.io/kubernetes). FOCUS=regex and SKIP=regex
# narrow a run; with KUBECONFIG set it runs against that cluster instead of a fresh kite.
.PHONY: conformance conformance-build conformance-gate

conformance: images conformance-images ## Run the upstream [Conformance] specs against a fresh kite server; writes conformance/STATUS.md.
	bash conformance/run.sh

conformance-build: ## Build e2e.test and ginkgo into conformance/bin/ (cached; about 10 minutes cold).
	bash conformance/build.sh

conformance-gate: ## Run the specs in conformance/gate.txt (a no-agent sample of passing.txt) and fail if any fails.
	bash conformance/run.sh --gate
