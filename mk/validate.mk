# Validation of real-world signatures (CryptoARM's CAdES-BES and its
# CAdES-X Long Type 1, offline) against OpenSSL's CMS_verify of the same
# files (see internal/validatebench). The reference is a small C harness on
# libcrypto, built here.
BENCH_STEPS += bench-validate

VALIDATEBENCH_DIR  := $(BUILD)/validatebench
VALIDATEBENCH_OSSL := $(VALIDATEBENCH_DIR)/verifyfile

$(VALIDATEBENCH_OSSL): internal/validatebench/csrc/verifyfile.c mk/validate.mk
	@mkdir -p $(VALIDATEBENCH_DIR)
	$(CMSBENCH_CC) $(CMSBENCH_CFLAGS) -o $@ $< $(CMSBENCH_LIBS)

.PHONY: bench-validate
bench-validate: $(VALIDATEBENCH_OSSL)
	$(GO) run ./internal/validatebench -out $(BUILD)/bench.d/validate.jsonl -ossl $(VALIDATEBENCH_OSSL) \
		-openssl-conf $(CURDIR)/testdata/openssl-gost.cnf -realworld $(CURDIR)/../shared/realworld -dir $(VALIDATEBENCH_DIR)
