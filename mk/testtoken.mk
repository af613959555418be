# The GOST test token: a PKCS#11 module in C on OpenSSL's GOST engine
# (testtoken/csrc/). `make testtoken` builds build/libgosttoken.so; `make test`
# builds it first because the Go tests in testtoken/ load it.

TESTTOKEN_SO   := $(BUILD)/libgosttoken.so
TESTTOKEN_SRC  := $(wildcard testtoken/csrc/*.c)
TESTTOKEN_HDR  := $(wildcard testtoken/csrc/*.h)
TESTTOKEN_CC   ?= gcc
TESTTOKEN_ENGINES := $(shell pkg-config --variable=enginesdir libcrypto 2>/dev/null)
ifeq ($(TESTTOKEN_ENGINES),)
TESTTOKEN_ENGINES := /usr/lib/x86_64-linux-gnu/engines-3
endif
TESTTOKEN_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror \
	-Wno-deprecated-declarations -fPIC -pthread -fvisibility=hidden \
	$(shell pkg-config --cflags p11-kit-1 libcrypto 2>/dev/null || echo -I/usr/include/p11-kit-1) \
	-DGT_ENGINE_PATH='"$(TESTTOKEN_ENGINES)/gost.so"'
TESTTOKEN_LIBS := $(shell pkg-config --libs libcrypto 2>/dev/null || echo -lcrypto)

.PHONY: testtoken
testtoken: $(TESTTOKEN_SO)

$(TESTTOKEN_SO): $(TESTTOKEN_SRC) $(TESTTOKEN_HDR) mk/testtoken.mk
	@mkdir -p $(BUILD)
	$(TESTTOKEN_CC) $(TESTTOKEN_CFLAGS) -shared -Wl,--no-undefined -Wl,-z,defs \
		-o $@ $(TESTTOKEN_SRC) $(TESTTOKEN_LIBS)

TEST_DEPS += $(TESTTOKEN_SO)

# The benchmark: signatures per second through the module against OpenSSL's
# EVP called directly, measured in the same run.
TESTTOKEN_BENCH := $(BUILD)/testtoken-bench

$(TESTTOKEN_BENCH): testtoken/bench/tokenbench.c mk/testtoken.mk
	@mkdir -p $(BUILD)
	$(TESTTOKEN_CC) -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Wno-deprecated-declarations -pthread \
		$(shell pkg-config --cflags p11-kit-1 libcrypto 2>/dev/null || echo -I/usr/include/p11-kit-1) \
		-o $@ $< $(TESTTOKEN_LIBS) -ldl

BENCH_STEPS += bench-testtoken

.PHONY: bench-testtoken
bench-testtoken: $(TESTTOKEN_SO) $(TESTTOKEN_BENCH)
	@mkdir -p $(BUILD)/bench.d
	rm -rf $(BUILD)/testtoken-bench.d && mkdir -p $(BUILD)/testtoken-bench.d
	OPENSSL_CONF=$(CURDIR)/testdata/openssl-gost.cnf $(TESTTOKEN_BENCH) $(CURDIR)/$(TESTTOKEN_SO) \
		$(CURDIR)/$(BUILD)/testtoken-bench.d 0.3 > $(BUILD)/bench.d/testtoken.jsonl
	@cat $(BUILD)/bench.d/testtoken.jsonl

# Demo tokens for `make run` and manual tries: a demo CA and the leader's and
# accountant's tokens in build/demo-tokens (made once; delete the folder to
# start again). Use them with GOSTTOKEN_DIR=build/demo-tokens.
TESTTOKEN_DEMO := $(BUILD)/demo-tokens

.PHONY: demo-tokens
demo-tokens: $(TESTTOKEN_DEMO)/leader.token

$(TESTTOKEN_DEMO)/leader.token: | $(TESTTOKEN_SO)
	rm -rf $(TESTTOKEN_DEMO)
	$(GO) run ./testtoken/cmd/gosttoken-demo -dir $(TESTTOKEN_DEMO) -module $(CURDIR)/$(TESTTOKEN_SO) \
		-engine $(TESTTOKEN_ENGINES)/gost.so
