# `make test-windows`: the tests of the packages with Windows-specific code,
# and of a few portable ones as a check of the harness, built for Windows
# and run under Wine (see .ci/wine-test and docs/windows.md). The Wine
# prefix in build/windows-test/prefix is kept between runs; Go's build
# cache keeps the test binaries' builds.

WIN_TEST_DIR  := $(BUILD)/windows-test
# x:PACKAGE runs under Xvfb, ru:PACKAGE on a Russian Windows (see
# .ci/wine-test).
WIN_TEST_PKGS := ./agent/journal ./agent/peer ./agent/sessionlock ./pkcs11 ru:./pkcs11 x:./agent/terminal ru:./ui/i18n x:./ui/tray ./ui/prompter \
	./internal/childproc ./internal/appconf ./internal/regpolicy ./internal/logfile x:./internal/console x:./internal/sessionend ./internal/userpipe \
	./installer ./gost/streebog ./cert

TEST_DEPS += test-windows

.PHONY: test-windows
test-windows:
	GO=$(GO) MINGW_CC=$(MINGW_CC) AGENT_TAGS=$(AGENT_TAGS) .ci/wine-test $(WIN_TEST_DIR) $(WIN_TEST_PKGS)

# `make bench-windows`: the agent's start-up and idle memory as zavera.exe
# under Wine against the Linux agent in the same run (.ci/wine-bench,
# internal/winbench).
WIN_BENCH_DIR := $(BUILD)/windows-bench

BENCH_STEPS += bench-windows

.PHONY: bench-windows
bench-windows: $(AGENT_BENCH_BIN)
	@mkdir -p $(BUILD)/bench.d
	GO=$(GO) MINGW_CC=$(MINGW_CC) AGENT_TAGS=$(AGENT_TAGS) .ci/wine-bench $(WIN_BENCH_DIR) \
		$(CURDIR)/$(AGENT_BENCH_BIN) $(BUILD)/bench.d/windows.jsonl
