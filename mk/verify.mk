# Verification of GOST CAdES-BES with package validate against OpenSSL's
# CMS with the GOST engine (a C harness on libcrypto built here, and the
# openssl command), and verify-server's requests per second against the
# in-process rate (see internal/verifybench).
BENCH_STEPS += bench-verify

VERIFYBENCH_DIR  := $(BUILD)/verifybench
VERIFYBENCH_OSSL := $(VERIFYBENCH_DIR)/verifybench-ossl
VERIFYBENCH_CC   ?= gcc
VERIFYBENCH_CFLAGS := -std=c11 -Iinternal/benchfig/csrc -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Wno-deprecated-declarations \
	$(shell pkg-config --cflags libcrypto 2>/dev/null)
VERIFYBENCH_LIBS := $(shell pkg-config --libs libcrypto 2>/dev/null || echo -lcrypto)

$(VERIFYBENCH_OSSL): internal/verifybench/csrc/verifybench.c mk/verify.mk internal/benchfig/csrc/harness.h
	@mkdir -p $(VERIFYBENCH_DIR)
	$(VERIFYBENCH_CC) $(VERIFYBENCH_CFLAGS) -o $@ $< $(VERIFYBENCH_LIBS)

.PHONY: bench-verify
bench-verify: $(VERIFYBENCH_OSSL) $(BIN)
	$(GO) run ./internal/verifybench -out $(BUILD)/bench.d/verify.jsonl -ossl $(VERIFYBENCH_OSSL) \
		-zavera $(BIN) -openssl-conf $(CURDIR)/testdata/openssl-gost.cnf \
		-realworld $(CURDIR)/../shared/realworld -dir $(VERIFYBENCH_DIR)
