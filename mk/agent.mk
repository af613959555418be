# The agent end to end on a SoftHSM key (agent/internal/agentbench): round
# trip (over the websocket and through the native messaging host),
# signatures per second, resident memory and start-up, with the
# approving prompter that only builds tagged zavera_script contain.

AGENT_BENCH_BIN := $(BUILD)/zavera-script

BENCH_STEPS += bench-agent

.PHONY: $(AGENT_BENCH_BIN) bench-agent
$(AGENT_BENCH_BIN):
	@mkdir -p $(BUILD)
	$(GO) build -tags 'zavera_script $(AGENT_TAGS)' -o $@ ./cmd/zavera

bench-agent: $(AGENT_BENCH_BIN) $(HOST_BIN)
	@mkdir -p $(BUILD)/bench.d
	$(GO) run ./agent/internal/agentbench -out $(BUILD)/bench.d/agent.jsonl -zavera $(CURDIR)/$(AGENT_BENCH_BIN) \
		-host $(CURDIR)/$(HOST_BIN)
