# Zavera build, test and benchmark entry points.
#
# Areas of the project add their own rules in mk/*.mk: they append
# prerequisites to TEST_DEPS (built before `make test`) and benchmark
# steps to BENCH_STEPS (each writes JSON lines into build/bench.d/).
# `make run` is defined in mk/run.mk.

GO        ?= go
BUILD     := build
BIN       := $(BUILD)/zavera
UI_BIN    := $(BUILD)/zavera-ui
HOST_BIN  := $(BUILD)/zavera-host
GOFLAGS   ?=
# AGENT_TAGS build the zavera program: it serves websockets over HTTP/1.1
# only, so the standard library's HTTP/2 code stays out of it (and out of
# its resident memory).
AGENT_TAGS := nethttpomithttp2

TEST_DEPS   :=
BENCH_STEPS :=

.PHONY: all build setup test bench bench-init lint run clean
all: build

build: $(BIN)

# The agent and its tools, and beside it zavera-ui, the program that shows
# Zavera's windows (the agent finds it there and does not link Fyne), and
# zavera-host, the native messaging host that browsers start for the
# extension.
$(BIN): $(UI_BIN) $(HOST_BIN) FORCE
	@mkdir -p $(BUILD)
	$(GO) build -tags '$(AGENT_TAGS)' -o $@ ./cmd/zavera

$(UI_BIN): FORCE
	@mkdir -p $(BUILD)
	$(GO) build -o $@ ./cmd/zavera-ui

$(HOST_BIN): FORCE
	@mkdir -p $(BUILD)
	$(GO) build -o $@ ./cmd/zavera-host

FORCE:

include $(wildcard mk/*.mk)

# setup installs the Debian packages in .ci/packages.txt that are missing.
setup:
	@bash .ci/setup

test: setup $(TEST_DEPS)
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 30m ./...

bench: setup bench-init $(BIN) $(BENCH_STEPS)
	$(GO) run ./internal/benchreport -dir $(BUILD)/bench.d -out $(BUILD)/bench.json

bench-init:
	rm -rf $(BUILD)/bench.d
	mkdir -p $(BUILD)/bench.d

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

STATICCHECK_VERSION ?= v0.8.2

clean:
	rm -rf $(BUILD)
