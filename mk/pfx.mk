# Opening GOST PKCS#12 files (key derivation included) with keyfile/pfx
# against `openssl pkcs12 -in -nodes` with the GOST engine on the same files
# in the same run, and signing with a PKCS#12 key as the agent does (open +
# sign, and sign with the key open) against OpenSSL signing with the same
# key: `openssl pkcs12` + `openssl cms -sign`, `openssl cms -sign` with the
# key in PEM, and CMS_sign in the cmsbench harness (see mk/cms.mk and
# keyfile/pfx/internal/pfxbench).
BENCH_STEPS += bench-pfx

.PHONY: bench-pfx
bench-pfx: $(BUILD)/cmsbench/cmsbench-ossl
	@mkdir -p $(BUILD)/bench.d
	$(GO) run ./keyfile/pfx/internal/pfxbench -out $(BUILD)/bench.d/pfx.jsonl \
		-openssl-conf $(CURDIR)/testdata/openssl-gost.cnf -vectors $(CURDIR)/keyfile/pfx/testdata \
		-dir $(BUILD)/pfxbench -cms-harness $(BUILD)/cmsbench/cmsbench-ossl
