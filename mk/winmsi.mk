# `make msi`: the per-machine MSI for administrators
# (installer/windows/zavera.wxs), built on Linux with wixl (Debian's wixl)
# from the programs `make packages-windows` stages, and signed like them.
# Cached as a file: rebuilt when the WiX source or one of the staged
# programs is newer than it; the programs are built only when missing
# (`make packages-windows msi` rebuilds both after a source change; the
# Windows smoke test does that when a hash of their inputs changes).
# docs/windows.md says what the MSI installs and how to deploy it.

PKG_MSI      := $(PKG_DIR)/zavera-$(PKG_VERSION).msi
PKG_WIN_EXES := $(addprefix $(PKG_STAGE)/windows/,zavera.exe zavera-ui.exe zavera-host.exe)

.PHONY: msi
msi: $(PKG_MSI)

$(PKG_WIN_EXES):
	$(MAKE) --no-print-directory packages-windows PKG_VERSION=$(PKG_VERSION)

$(PKG_MSI): installer/windows/zavera.wxs $(PKG_WIN_EXES)
	@command -v wixl >/dev/null || { echo "msi: wixl is missing (make setup installs it)"; exit 1; }
	wixl -a x64 -D Version=$(PKG_VERSION) -D ExeDir=$(PKG_STAGE)/windows -o $@.new installer/windows/zavera.wxs
	@if [ -z "$$ZAVERA_SIGN_PFX" ]; then installer/windows/make-test-cert.sh $(PKG_SIGN_DIR); fi
	ZAVERA_TEST_SIGN_DIR=$(PKG_SIGN_DIR) installer/windows/sign.sh $@.new
	@ca=; if [ -z "$$ZAVERA_SIGN_PFX" ]; then ca="-CAfile $(PKG_SIGN_DIR)/test-ca.pem"; fi; \
	osslsigncode verify $$ca -in $@.new | grep -q 'Signature verification: ok' || { echo "$@: signature does not verify"; exit 1; }
	mv -f $@.new $@
	@echo "$@: built and signed"
