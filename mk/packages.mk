# `make packages`: Zavera's installers in build/packages/, each with its
# size reported at the end (the Linux packages must stay under 25 MB).
#
# Every package holds two programs side by side: zavera, the agent and its
# tools, and zavera-ui, which shows the windows (the agent starts it from
# its own folder and so never links Fyne).
#
#   Linux    .deb and .rpm built by nfpm from installer/linux/nfpm.yaml.
#   Windows  zavera.exe and zavera-ui.exe, both GUI-subsystem programs
#            (-H=windowsgui), so that neither the agent started at login
#            nor a window opens a console; zavera.exe attaches to the
#            console it is typed in for its CLI commands (internal/console,
#            docs/windows.md). Cross-built with
#            gcc-mingw-w64 (cgo) and a per-user NSIS installer
#            (installer/windows/zavera.nsi); all signed by osslsigncode
#            and checked with `osslsigncode verify`. The release
#            certificate comes from ZAVERA_SIGN_PFX and ZAVERA_SIGN_PASS;
#            without them a test certificate is made in
#            build/packages/signing.
#   macOS    the Zavera.app layout and the LaunchAgent; the executables
#            are built only on macOS (cgo needs Apple's toolchain).
#
# Package builds are slow (minutes with the desktop window): `make test`
# does not run them; the tests in installer/ build what they check.

PKG_DIR       := $(BUILD)/packages
PKG_STAGE     := $(PKG_DIR)/stage
PKG_VERSION   ?= 0.1.0
NFPM_VERSION  ?= v2.45.2
NFPM          := $(GO) run github.com/goreleaser/nfpm/v2/cmd/nfpm@$(NFPM_VERSION)
PKG_LDFLAGS   := -s -w
PKG_UI_WIN_LDFLAGS := $(PKG_LDFLAGS) -H=windowsgui
PKG_AGENT_WIN_LDFLAGS := $(PKG_LDFLAGS) -H=windowsgui
PKG_LINUX_MAX := 26214400
MINGW_CC      ?= x86_64-w64-mingw32-gcc
PKG_SIGN_DIR  := $(CURDIR)/$(PKG_DIR)/signing
PKG_SETUP     := $(PKG_DIR)/zavera-$(PKG_VERSION)-setup.exe
PKG_APP       := $(PKG_DIR)/macos/Zavera.app

.PHONY: packages packages-linux packages-windows packages-macos packages-report

packages: setup packages-linux packages-windows packages-macos
	@$(MAKE) --no-print-directory packages-report

packages-linux:
	@mkdir -p $(PKG_STAGE)
	rm -f $(PKG_DIR)/*.deb $(PKG_DIR)/*.rpm
	CGO_ENABLED=1 $(GO) build -trimpath -tags '$(AGENT_TAGS)' -ldflags '$(PKG_LDFLAGS)' -o $(PKG_STAGE)/zavera ./cmd/zavera
	CGO_ENABLED=1 $(GO) build -trimpath -ldflags '$(PKG_LDFLAGS)' -o $(PKG_STAGE)/zavera-ui ./cmd/zavera-ui
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(PKG_LDFLAGS)' -o $(PKG_STAGE)/zavera-host ./cmd/zavera-host
	ZAVERA_VERSION=$(PKG_VERSION) ZAVERA_ARCH=amd64 $(NFPM) pkg -f installer/linux/nfpm.yaml -p deb -t $(PKG_DIR)/
	ZAVERA_VERSION=$(PKG_VERSION) ZAVERA_ARCH=amd64 $(NFPM) pkg -f installer/linux/nfpm.yaml -p rpm -t $(PKG_DIR)/

packages-windows:
	@mkdir -p $(PKG_STAGE)/windows
	CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=$(MINGW_CC) \
		$(GO) build -trimpath -tags '$(AGENT_TAGS)' -ldflags '$(PKG_AGENT_WIN_LDFLAGS)' -o $(PKG_STAGE)/windows/zavera.exe ./cmd/zavera
	CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=$(MINGW_CC) \
		$(GO) build -trimpath -ldflags '$(PKG_UI_WIN_LDFLAGS)' -o $(PKG_STAGE)/windows/zavera-ui.exe ./cmd/zavera-ui
	CGO_ENABLED=0 GOOS=windows GOARCH=amd64 \
		$(GO) build -trimpath -ldflags '$(PKG_LDFLAGS)' -o $(PKG_STAGE)/windows/zavera-host.exe ./cmd/zavera-host
	@if [ -z "$$ZAVERA_SIGN_PFX" ]; then installer/windows/make-test-cert.sh $(PKG_SIGN_DIR); fi
	ZAVERA_TEST_SIGN_DIR=$(PKG_SIGN_DIR) installer/windows/sign.sh $(PKG_STAGE)/windows/zavera.exe
	ZAVERA_TEST_SIGN_DIR=$(PKG_SIGN_DIR) installer/windows/sign.sh $(PKG_STAGE)/windows/zavera-ui.exe
	ZAVERA_TEST_SIGN_DIR=$(PKG_SIGN_DIR) installer/windows/sign.sh $(PKG_STAGE)/windows/zavera-host.exe
	ZAVERA_TEST_SIGN_DIR=$(PKG_SIGN_DIR) makensis -V2 -DEXE=$(CURDIR)/$(PKG_STAGE)/windows/zavera.exe \
		-DUIEXE=$(CURDIR)/$(PKG_STAGE)/windows/zavera-ui.exe \
		-DHOSTEXE=$(CURDIR)/$(PKG_STAGE)/windows/zavera-host.exe \
		-DVERSION=$(PKG_VERSION) -DOUTFILE=$(CURDIR)/$(PKG_SETUP) -DSIGN=$(CURDIR)/installer/windows/sign.sh \
		installer/windows/zavera.nsi
	@ca=; if [ -z "$$ZAVERA_SIGN_PFX" ]; then ca="-CAfile $(PKG_SIGN_DIR)/test-ca.pem"; fi; \
	for f in $(PKG_STAGE)/windows/zavera.exe $(PKG_STAGE)/windows/zavera-ui.exe $(PKG_STAGE)/windows/zavera-host.exe $(PKG_SETUP); do \
		osslsigncode verify $$ca -in $$f | grep -q 'Signature verification: ok' || { echo "$$f: signature does not verify"; exit 1; }; \
		echo "$$f: signature verified"; \
	done

packages-macos:
	rm -rf $(PKG_DIR)/macos
	mkdir -p $(PKG_APP)/Contents/MacOS $(PKG_APP)/Contents/Resources $(PKG_DIR)/macos/LaunchAgents
	sed 's/@VERSION@/$(PKG_VERSION)/g' installer/macos/Info.plist > $(PKG_APP)/Contents/Info.plist
	cp installer/icons/zavera.svg $(PKG_APP)/Contents/Resources/
	cp installer/macos/ru.zavera.agent.plist $(PKG_DIR)/macos/LaunchAgents/
	@if [ "$$(uname -s)" = Darwin ]; then \
		$(GO) build -trimpath -tags '$(AGENT_TAGS)' -ldflags '$(PKG_LDFLAGS)' -o $(PKG_APP)/Contents/MacOS/zavera ./cmd/zavera && \
		$(GO) build -trimpath -ldflags '$(PKG_LDFLAGS)' -o $(PKG_APP)/Contents/MacOS/zavera-ui ./cmd/zavera-ui; \
	else \
		echo "macOS: the Zavera.app layout and LaunchAgent are in $(PKG_DIR)/macos; the executables (zavera, zavera-ui) need a Mac to build"; \
	fi

packages-report:
	@echo "Packages in $(PKG_DIR):"
	@for f in $(PKG_DIR)/*.deb $(PKG_DIR)/*.rpm $(PKG_DIR)/*-setup.exe; do \
		[ -f "$$f" ] || continue; \
		size=$$(stat -c %s "$$f"); \
		awk -v n="$$(basename $$f)" -v s=$$size 'BEGIN { printf "  %-40s %6.1f MB\n", n, s / 1048576 }'; \
		case "$$f" in *.deb|*.rpm) if [ $$size -gt $(PKG_LINUX_MAX) ]; then echo "  $$f is over 25 MB"; exit 1; fi;; esac; \
	done
