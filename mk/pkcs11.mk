# Package pkcs11: its tests load the GOST test token, and `make bench`
# measures signatures per second through the package against raw C_Sign on
# the same key in the same run (see internal/pkcs11bench), on a SoftHSM
# ECDSA P-256 key and on the GOST test token. The module's build rule is
# in mk/testtoken.mk; it is named by path here because that fragment is
# read after this one.
PKCS11_GOSTTOKEN := $(BUILD)/libgosttoken.so

TEST_DEPS += $(PKCS11_GOSTTOKEN)
BENCH_STEPS += bench-pkcs11

.PHONY: bench-pkcs11
bench-pkcs11: $(PKCS11_GOSTTOKEN)
	@mkdir -p $(BUILD)/bench.d
	$(GO) run ./internal/pkcs11bench -out $(BUILD)/bench.d/pkcs11.jsonl -gosttoken $(CURDIR)/$(PKCS11_GOSTTOKEN) \
		-openssl-conf $(CURDIR)/testdata/openssl-gost.cnf
