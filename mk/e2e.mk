# End-to-end tests of the page side (web/): the JS client against the real
# agent with Node's test runner, and the demo portal in headless Chromium
# through playwright-core, with the agent built with the approving test
# prompter (build/zavera-script, rule in mk/agent.mk), the GOST test token
# and the demo tokens. `make test` runs them first (TEST_DEPS).

E2E_AGENT     := $(BUILD)/zavera-script
# A loopback CA, time-stamping authority and OCSP responder for the
# long-term signature tests (internal/testpki/pkiserver).
E2E_PKI       := $(BUILD)/zavera-testpki
E2E_NODE_DEPS := web/node_modules/.package-lock.json
E2E_CHROMIUM  ?= /usr/bin/chromium

$(E2E_NODE_DEPS): web/package.json web/package-lock.json
	@command -v npm >/dev/null || { echo "e2e: npm is missing: install Node.js 20 or newer with npm"; exit 1; }
	cd web && npm ci --no-audit --no-fund

.PHONY: $(E2E_PKI)
$(E2E_PKI):
	@mkdir -p $(BUILD)
	$(GO) build -o $@ ./internal/testpki/pkiserver

.PHONY: e2e
e2e: $(E2E_AGENT) $(E2E_PKI) $(BUILD)/zavera-host testtoken demo-tokens extension $(E2E_NODE_DEPS)
	@command -v node >/dev/null || { echo "e2e: node is missing: install Node.js 20 or newer (Debian package nodejs)"; exit 1; }
	@test -x $(E2E_CHROMIUM) || { echo "e2e: $(E2E_CHROMIUM) is missing: install Debian's chromium (make setup)"; exit 1; }
	cd web && CHROMIUM=$(E2E_CHROMIUM) node --test --test-concurrency=1 --test-timeout=300000 client/test/ e2e/ extension/test/

TEST_DEPS += e2e

# The JS client's cost against a bare JSON-RPC client on the same agent and
# GOST test token, measured in the same run (web/bench/client.mjs).
BENCH_STEPS += bench-web

.PHONY: bench-web
bench-web: $(E2E_AGENT) testtoken demo-tokens $(E2E_NODE_DEPS)
	@mkdir -p $(BUILD)/bench.d
	cd web && node bench/client.mjs --out $(CURDIR)/$(BUILD)/bench.d/web.jsonl
	@cat $(BUILD)/bench.d/web.jsonl
