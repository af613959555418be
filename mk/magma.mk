# GOST 28147-89 / Magma and GOST R 34.11-94 throughput against OpenSSL's
# GOST engine in the same run (see internal/magmabench).
BENCH_STEPS += bench-magma

.PHONY: bench-magma
bench-magma:
	@mkdir -p $(BUILD)/bench.d
	$(GO) run ./internal/magmabench -out $(BUILD)/bench.d/magma.jsonl \
		-openssl-conf $(CURDIR)/testdata/openssl-gost.cnf
