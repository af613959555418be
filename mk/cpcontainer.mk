# Opening a CryptoPro key container (keyfile/cpcontainer, KDF included)
# against the same password KDF with OpenSSL's GOST engine digests, both
# measured in the same run (see internal/cpcontainerbench).
BENCH_STEPS += bench-cpcontainer

CPCONTAINERBENCH_HARNESS := $(BUILD)/cpcontainerbench-harness

$(CPCONTAINERBENCH_HARNESS): internal/cpcontainerbench/csrc/harness.c mk/cpcontainer.mk internal/benchfig/csrc/harness.h
	@mkdir -p $(BUILD)
	$(GOSTBENCH_CC) $(GOSTBENCH_CFLAGS) -o $@ $< $(GOSTBENCH_LIBS)

.PHONY: bench-cpcontainer
bench-cpcontainer: $(CPCONTAINERBENCH_HARNESS)
	@mkdir -p $(BUILD)/bench.d
	$(GO) run ./internal/cpcontainerbench -harness $(CPCONTAINERBENCH_HARNESS) \
		-openssl-conf $(CURDIR)/testdata/openssl-gost.cnf -out $(BUILD)/bench.d/cpcontainer.jsonl
