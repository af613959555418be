# A 1 GiB document streamed to the agent over the websocket against
# `zavera digest` of the same file, with the agent's peak resident memory
# and the same through the extension's native messaging host
# (agent/internal/streambench).

BENCH_STEPS += bench-stream

.PHONY: bench-stream
bench-stream: $(AGENT_BENCH_BIN) $(HOST_BIN)
	@mkdir -p $(BUILD)/bench.d
	$(GO) run ./agent/internal/streambench -out $(BUILD)/bench.d/stream.jsonl -zavera $(CURDIR)/$(AGENT_BENCH_BIN) \
		-host $(CURDIR)/$(HOST_BIN)
