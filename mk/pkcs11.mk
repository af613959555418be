# Signatures per second through package pkcs11 against raw C_Sign on the
# same key in the same run (see internal/pkcs11bench): SoftHSM ECDSA P-256
# and the GOST test token.
BENCH_STEPS += bench-pkcs11

.PHONY: bench-pkcs11
bench-pkcs11: $(TESTTOKEN_SO)
	@mkdir -p $(BUILD)/bench.d
	$(GO) run ./internal/pkcs11bench -out $(BUILD)/bench.d/pkcs11.jsonl -gosttoken $(CURDIR)/$(TESTTOKEN_SO) \
		-openssl-conf $(CURDIR)/testdata/openssl-gost.cnf
