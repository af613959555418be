# GOST R 34.10-2012 sign and verify rates against OpenSSL's GOST engine,
# both measured in process in the same run (see internal/gostbench). The
# reference is a small C harness on libcrypto, built here.
BENCH_STEPS += bench-gost

GOSTBENCH_HARNESS := $(BUILD)/gostbench-harness
GOSTBENCH_CC      ?= gcc
GOSTBENCH_CFLAGS  := -std=c11 -Iinternal/benchfig/csrc -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Wno-deprecated-declarations \
	$(shell pkg-config --cflags libcrypto 2>/dev/null)
GOSTBENCH_LIBS    := $(shell pkg-config --libs libcrypto 2>/dev/null || echo -lcrypto)

$(GOSTBENCH_HARNESS): internal/gostbench/csrc/harness.c mk/gost.mk internal/benchfig/csrc/harness.h
	@mkdir -p $(BUILD)
	$(GOSTBENCH_CC) $(GOSTBENCH_CFLAGS) -o $@ $< $(GOSTBENCH_LIBS)

.PHONY: bench-gost
bench-gost: $(GOSTBENCH_HARNESS)
	@mkdir -p $(BUILD)/bench.d
	$(GO) run ./internal/gostbench -harness $(GOSTBENCH_HARNESS) \
		-openssl-conf $(CURDIR)/testdata/openssl-gost.cnf -out $(BUILD)/bench.d/gost.jsonl
