# Certificate parsing and chain verification against crypto/x509 and
# `openssl verify` with the GOST engine (see cert/internal/certbench).
BENCH_STEPS += bench-cert

.PHONY: bench-cert
bench-cert:
	@mkdir -p $(BUILD)/bench.d
	$(GO) run ./cert/internal/certbench -out $(BUILD)/bench.d/cert.jsonl \
		-realworld $(CURDIR)/../shared/realworld -openssl-conf $(CURDIR)/testdata/openssl-gost.cnf
