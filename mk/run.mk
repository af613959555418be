# make run: Zavera's main job for a newcomer.
run: setup $(BIN)
	@echo "Zavera cannot sign from a browser yet: the agent, the demo token and the demo portal are not built."
	@echo "What works today: Streebog digests of files, for example:"
	@echo "  $(BIN) digest --alg streebog256 README.md"
	$(BIN) digest --alg streebog256 README.md
