# The state services portal's plug-in interfaces in the extension
# (web/extension/src/ifc, src/gosuslugi, src/portal): their tests run with
# the extension's under `make e2e` (web/extension/test/portal*.mjs). The
# bench signs a 100 MiB document through gosuslugi.plugin in chunks in
# headless Chromium against `zavera digest` of the same bytes, with the
# agent's peak memory and the processor time of every process it crosses
# (web/bench/portal.mjs), and against the floor: the same chunks through a
# minimal extension to a native host that only answers (web/bench/floor.mjs).

BENCH_STEPS += bench-portal

.PHONY: bench-portal
bench-portal: $(BUILD)/zavera-script $(EXT_HOST) testtoken demo-tokens extension $(E2E_NODE_DEPS)
	@mkdir -p $(BUILD)/bench.d
	cd web && CHROMIUM=$(E2E_CHROMIUM) node bench/portal.mjs --out $(CURDIR)/$(BUILD)/bench.d/portal.jsonl
	@cat $(BUILD)/bench.d/portal.jsonl
