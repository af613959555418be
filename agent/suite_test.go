package agent_test

import "testing"

// methodSuite is the part of the tests that speak only the protocol:
// they run over every transport, and must pass alike, since methods,
// origin rules, consent, journal and limits belong to the session, not
// to what carries it.
var methodSuite = []struct {
	name string
	run  func(*testing.T)
}{
	{"hello/nothing before approval", TestNothingBeforeApproval},
	{"pair", TestPairing},
	{"pair twice", TestPairTwiceOnePrompt},
	{"certificates", TestInfoTokensCertificates},
	{"sign", TestSignDocuments},
	{"sign refusals", TestSignRefusals},
	{"signChallenge", TestSignChallenge},
	{"login only by signChallenge", TestLoginOnlyThroughSignChallenge},
	{"signBatch", TestSignBatch},
	{"cancel batch", TestBatchCancel},
	{"confirmation", TestConfirmationDescribesTheDocument},
	{"in flight", TestInFlightLimit},
	{"in flight kept full", TestInFlightLimitKeptFull},
	{"one prompt per origin", TestOnePromptPerOrigin},
	{"cool-down and timeout", TestCooldownAndTimeout},
	{"PIN", TestPIN},
	{"busy refusals counted", TestBusyRefusalsAreCounted},
	{"progress", TestBatchProgressShown},
	{"upload and sign", TestUploadAndSign},
	{"upload errors", TestUploadErrors},
	{"upload cancelled", TestUploadCancelled},
	{"upload connection dropped", TestUploadConnectionDropped},
	{"upload needs approval", TestUploadNeedsApproval},
	{"upload chunk forms", TestUploadChunkForms},
	{"signXML and verifyXML", TestSignXMLAndVerifyXML},
	{"signXML refusals", TestSignXMLRefusals},
}

func TestMethodSuiteOverBothTransports(t *testing.T) {
	for _, tr := range []string{overWebsocket, overLocal} {
		t.Run(tr, func(t *testing.T) {
			useTransport(t, tr)
			for _, tc := range methodSuite {
				t.Run(tc.name, tc.run)
			}
		})
	}
}
