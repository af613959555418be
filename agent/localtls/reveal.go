package localtls

// EnvRevealCAKey names, in test builds only (build tag zavera_script), an
// existing file into which Issue writes the new CA's private scalar in
// hex, so that an end-to-end test knows what to look for in the agent's
// memory. The product is built without the tag: no code that writes the
// CA key exists in it.
const EnvRevealCAKey = "ZAVERA_TEST_REVEAL_CA_KEY"
