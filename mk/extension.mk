# The browser extension (web/extension): one source, a manifest per browser
# family. `make extension` builds the unpacked folders
# build/extension/chromium and build/extension/firefox and their zips.

EXT_DIR     := web/extension
EXT_OUT     := $(BUILD)/extension
EXT_SOURCES := $(wildcard $(EXT_DIR)/src/*.js $(EXT_DIR)/src/*.html $(EXT_DIR)/src/*/*.js \
                 $(EXT_DIR)/icons/*.png $(EXT_DIR)/manifests/*.json $(EXT_DIR)/*.json) $(EXT_DIR)/build.mjs

.PHONY: extension
extension: $(EXT_OUT)/zavera-chromium.zip $(EXT_OUT)/zavera-firefox.zip

$(EXT_OUT)/%/manifest.json: $(EXT_SOURCES)
	@command -v node >/dev/null || { echo "extension: node is missing: install Node.js 20 or newer"; exit 1; }
	node $(EXT_DIR)/build.mjs $* $(EXT_OUT)/$*

$(EXT_OUT)/zavera-%.zip: $(EXT_OUT)/%/manifest.json
	@command -v zip >/dev/null || { echo "extension: zip is missing (Debian package zip)"; exit 1; }
	rm -f $@
	cd $(EXT_OUT)/$* && zip -qrX $(CURDIR)/$@ .

# The unpacked folders are products too (tests load them), not intermediates.
.SECONDARY: $(EXT_OUT)/chromium/manifest.json $(EXT_OUT)/firefox/manifest.json

# The native messaging host the browser tests register for the extension
# (built by the Makefile's own rule).
EXT_HOST := $(HOST_BIN)

# The sign round trip through the extension and native messaging against the
# websocket, and the page API's cost against the same call without it, in
# one Chromium page (web/bench/extension.mjs).
BENCH_STEPS += bench-extension

.PHONY: bench-extension
bench-extension: $(BUILD)/zavera-script $(EXT_HOST) testtoken demo-tokens extension $(E2E_NODE_DEPS)
	@mkdir -p $(BUILD)/bench.d
	cd web && CHROMIUM=$(E2E_CHROMIUM) node bench/extension.mjs --out $(CURDIR)/$(BUILD)/bench.d/extension.jsonl
	@cat $(BUILD)/bench.d/extension.jsonl
