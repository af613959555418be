# Validation of real-world signatures (CryptoARM's CAdES-BES and its
# CAdES-X Long Type 1, offline) against OpenSSL's CMS_verify of the same
# files, and the X Long one also against OpenSSL verifying its time-stamp
# tokens and OCSP response as well (see internal/validatebench). The
# reference is the OpenSSL harness of the verification bench
# (mk/verify.mk), counting CPU time as this one.
BENCH_STEPS += bench-validate

VALIDATEBENCH_DIR := $(BUILD)/validatebench

.PHONY: bench-validate
bench-validate: $(BUILD)/verifybench/verifybench-ossl
	@mkdir -p $(VALIDATEBENCH_DIR)
	$(GO) run ./internal/validatebench -out $(BUILD)/bench.d/validate.jsonl -ossl $(VERIFYBENCH_OSSL) \
		-openssl-conf $(CURDIR)/testdata/openssl-gost.cnf -realworld $(CURDIR)/../shared/realworld -dir $(VALIDATEBENCH_DIR)
