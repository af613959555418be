# `make test-windows-smoke`: the Windows smoke test under Wine
# (.ci/wine-smoke): the packaged installer installs, upgrades over a
# running agent and uninstalls in a fresh prefix of its own; the installed
# agent (a test build with the approving prompter in place of the real
# zavera.exe) answers a Linux websocket client over ws:// and wss:// and
# signs, and OpenSSL verifies the signatures. The packages are rebuilt
# only when their inputs change (`make packages-windows`, minutes when
# cold); the rest takes about a minute.

WIN_SMOKE_DIR := $(BUILD)/windows-smoke

TEST_DEPS += test-windows-smoke

.PHONY: test-windows-smoke
test-windows-smoke:
	GO=$(GO) MAKE="$(MAKE)" MINGW_CC=$(MINGW_CC) AGENT_TAGS=$(AGENT_TAGS) PKG_VERSION=$(PKG_VERSION) \
		.ci/wine-smoke $(WIN_SMOKE_DIR)
