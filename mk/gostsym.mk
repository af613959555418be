# GOST symmetric figures against OpenSSL's GOST engine, both measured in
# process in the same run (see internal/gostsymbench): Kuznyechik-CTR
# throughput and PBKDF2-HMAC-Streebog-512 with 2000 iterations.
BENCH_STEPS += bench-gostsym

GOSTSYMBENCH_HARNESS := $(BUILD)/gostsymbench-harness

$(GOSTSYMBENCH_HARNESS): internal/gostsymbench/csrc/harness.c mk/gostsym.mk internal/benchfig/csrc/harness.h
	@mkdir -p $(BUILD)
	$(GOSTBENCH_CC) $(GOSTBENCH_CFLAGS) -o $@ $< $(GOSTBENCH_LIBS)

.PHONY: bench-gostsym
bench-gostsym: $(GOSTSYMBENCH_HARNESS)
	@mkdir -p $(BUILD)/bench.d
	$(GO) run ./internal/gostsymbench -harness $(GOSTSYMBENCH_HARNESS) \
		-openssl-conf $(CURDIR)/testdata/openssl-gost.cnf -out $(BUILD)/bench.d/gostsym.jsonl
