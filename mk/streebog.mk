# Streebog throughput against OpenSSL's GOST engine (see internal/streebogbench).
BENCH_STEPS += bench-streebog

.PHONY: bench-streebog
bench-streebog: $(BIN)
	$(GO) run ./internal/streebogbench -out $(BUILD)/bench.d/streebog.jsonl -zavera $(BIN) \
		-openssl-conf $(CURDIR)/testdata/openssl-gost.cnf -file $(BUILD)/bench-256MiB.bin
