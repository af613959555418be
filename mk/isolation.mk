# Module isolation (pkcs11, "Module isolation"): `make bench` measures the
# sign round trip on one connection through a module host against the same
# module loaded in process, on the same SoftHSM and GOST test token keys in
# the same run, and the time from a crash of the GOST test token's module
# to the next signature (internal/isolationbench). The module's build rule
# is in mk/testtoken.mk.

BENCH_STEPS += bench-isolation

.PHONY: bench-isolation
bench-isolation: $(BUILD)/libgosttoken.so
	@mkdir -p $(BUILD)/bench.d
	$(GO) run ./internal/isolationbench -out $(BUILD)/bench.d/isolation.jsonl -gosttoken $(CURDIR)/$(BUILD)/libgosttoken.so \
		-openssl-conf $(CURDIR)/testdata/openssl-gost.cnf
