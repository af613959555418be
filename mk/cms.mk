# CAdES-BES signing and verification against OpenSSL's CMS with the GOST
# engine (see internal/cmsbench). The reference is a small C harness on
# libcrypto, built here.
BENCH_STEPS += bench-cms

CMSBENCH_DIR  := $(BUILD)/cmsbench
CMSBENCH_OSSL := $(CMSBENCH_DIR)/cmsbench-ossl
CMSBENCH_CC   ?= gcc
CMSBENCH_CFLAGS := -std=c11 -Iinternal/benchfig/csrc -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Wno-deprecated-declarations \
	$(shell pkg-config --cflags libcrypto 2>/dev/null)
CMSBENCH_LIBS := $(shell pkg-config --libs libcrypto 2>/dev/null || echo -lcrypto)

$(CMSBENCH_OSSL): internal/cmsbench/csrc/cmsbench.c mk/cms.mk internal/benchfig/csrc/harness.h
	@mkdir -p $(CMSBENCH_DIR)
	$(CMSBENCH_CC) $(CMSBENCH_CFLAGS) -o $@ $< $(CMSBENCH_LIBS)

.PHONY: bench-cms
bench-cms: $(CMSBENCH_OSSL)
	$(GO) run ./internal/cmsbench -out $(BUILD)/bench.d/cms.jsonl -ossl $(CMSBENCH_OSSL) \
		-openssl-conf $(CURDIR)/testdata/openssl-gost.cnf -dir $(CMSBENCH_DIR)
