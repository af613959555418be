# Opening GOST PKCS#12 files (key derivation included) with keyfile/pfx
# against `openssl pkcs12 -in -nodes` with the GOST engine on the same files
# in the same run (see keyfile/pfx/internal/pfxbench).
BENCH_STEPS += bench-pfx

.PHONY: bench-pfx
bench-pfx:
	@mkdir -p $(BUILD)/bench.d
	$(GO) run ./keyfile/pfx/internal/pfxbench -out $(BUILD)/bench.d/pfx.jsonl \
		-openssl-conf $(CURDIR)/testdata/openssl-gost.cnf -vectors $(CURDIR)/keyfile/pfx/testdata \
		-dir $(BUILD)/pfxbench
