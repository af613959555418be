# The desktop UI (package ui): screenshots of every window and the UI
# figures of `make bench`.
#
# make screenshots  pictures every window, in Russian and English, under
#                   Xvfb into build/screenshots/ (ui/internal/screens).
# bench-ui          idle memory of the agent with its tray and the time to
#                   show the signing window, each against a reference
#                   Fyne program measured in the same run
#                   (ui/internal/uibench, ui/internal/fyneref).
# The tray's test needs dbus-daemon, which .ci/packages.txt lists.

UI_XSHOT   := $(BUILD)/xshot
UI_FYNEREF := $(BUILD)/fyneref
UI_XVFB    := xvfb-run -a -s "-screen 0 1280x1024x24"

BENCH_STEPS += bench-ui

.PHONY: screenshots bench-ui $(UI_XSHOT) $(UI_FYNEREF)

$(UI_XSHOT):
	@mkdir -p $(BUILD)
	$(GO) build -o $@ ./ui/internal/xshot

$(UI_FYNEREF):
	@mkdir -p $(BUILD)
	$(GO) build -o $@ ./ui/internal/fyneref

# $(BIN) builds zavera-ui ($(UI_BIN)) beside zavera: the windows are
# pictured from zavera-ui, whose diagnostics page runs zavera doctor.
screenshots: setup $(BIN) $(UI_XSHOT)
	rm -rf $(BUILD)/screenshots
	$(UI_XVFB) $(GO) run ./ui/internal/screens -zavera-ui $(UI_BIN) -xshot $(UI_XSHOT) -out $(BUILD)/screenshots

bench-ui: $(BIN) $(UI_FYNEREF)
	@mkdir -p $(BUILD)/bench.d
	$(UI_XVFB) dbus-run-session -- $(GO) run ./ui/internal/uibench -zavera $(BIN) -zavera-ui $(UI_BIN) -ref $(UI_FYNEREF) -out $(BUILD)/bench.d/ui.jsonl
