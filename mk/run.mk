# make run: Zavera's main job for a newcomer. Installs what is missing
# (setup), builds zavera and the GOST test token, provisions the demo
# tokens once (build/demo-tokens: a leader's and an accountant's token,
# PIN 12345678), starts the demo portal in the background and the agent in
# the foreground, where it asks for approvals and PINs (in its windows,
# shown by build/zavera-ui, when there is a display, else on this
# terminal).
# Ctrl-C stops both. The agent's configuration, approvals, journal and the
# portal's log live in build/run.

RUN_DIR      := $(BUILD)/run
PORTAL_PORT  ?= 8765
AGENT_PORT   ?= 27413

.PHONY: run
run: setup $(BIN) testtoken demo-tokens
	@mkdir -p $(RUN_DIR)
	@printf '{\n  "port": %s,\n  "devOrigins": ["http://127.0.0.1:%s", "http://localhost:%s"],\n  "statePortalOrigins": ["http://127.0.0.1:%s", "http://localhost:%s"],\n  "modules": ["%s"],\n  "noModuleDiscovery": true\n}\n' \
		'$(AGENT_PORT)' '$(PORTAL_PORT)' '$(PORTAL_PORT)' '$(PORTAL_PORT)' '$(PORTAL_PORT)' '$(CURDIR)/$(BUILD)/libgosttoken.so' > $(RUN_DIR)/config.json
	@set -e; \
	$(BIN) demo-portal --ca $(BUILD)/demo-tokens/demo-ca.crt --listen 127.0.0.1:$(PORTAL_PORT) \
		--agent-port $(AGENT_PORT) --verbose > $(RUN_DIR)/portal.log 2>&1 & portal=$$!; \
	trap 'kill $$portal 2>/dev/null || true' EXIT INT TERM; \
	i=0; until grep -q 'demo portal on' $(RUN_DIR)/portal.log; do \
		if ! kill -0 $$portal 2>/dev/null || [ $$i -ge 100 ]; then echo "The demo portal did not start:"; cat $(RUN_DIR)/portal.log; exit 1; fi; \
		i=$$((i+1)); sleep 0.1; \
	done; \
	mode=--headless; \
	if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] && [ -x $(UI_BIN) ]; then mode=; fi; \
	echo; \
	echo "  Demo portal:  http://127.0.0.1:$(PORTAL_PORT)/   <- open this address in Chromium, Chrome or Firefox"; \
	echo "  With the Zavera extension (make extension): http://127.0.0.1:$(PORTAL_PORT)/esia/ (Вход через ЕСИА, IFCPlugin)"; \
	echo "                and http://127.0.0.1:$(PORTAL_PORT)/org/create (Создание организации, gosuslugi.plugin)"; \
	echo "  Agent:        ws://127.0.0.1:$(AGENT_PORT)/ with the demo tokens in $(BUILD)/demo-tokens"; \
	echo "  Tokens:       «Zavera Demo Leader» (Генеральный директор) and «Zavera Demo Accountant» (Главный бухгалтер), PIN 12345678"; \
	where="in Zavera's window"; [ -z "$$mode" ] || where="on this terminal"; \
	echo "  Approve the site and type the PIN $$where; Ctrl-C stops both."; \
	echo; \
	GOSTTOKEN_DIR=$(CURDIR)/$(BUILD)/demo-tokens ZAVERA_PKCS11_MODULES= \
		$(BIN) serve $$mode --config $(RUN_DIR)/config.json
