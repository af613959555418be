package validate_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/zavera/zavera/cades"
	"github.com/zavera/zavera/cert"
	"github.com/zavera/zavera/cms"
	"github.com/zavera/zavera/internal/testpki"
	"github.com/zavera/zavera/tsp"
	"github.com/zavera/zavera/validate"
)

// A certificate valid one day, a signature whose signer's clock ran two
// days ahead, validated a month later: the signer's own claim puts the
// signature after the certificate's end, the time-stamp proves it existed
// before.
func TestSignatureTimestampProvesTimeBeforeExpiry(t *testing.T) {
	ca := testpki.NewCA(t, "Zavera Test Root")
	tsa := testpki.StartTSA(t, ca, testpki.TSAExt)
	signer := ca.Signer(t, "leaf", "Иванов Иван", "-days", "1")
	content := []byte("отчёт")
	bes, err := cms.Sign(bytes.NewReader(content), signer, &cms.Options{SigningTime: time.Now().Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	later := func() time.Time { return time.Now().Add(30 * 24 * time.Hour) }
	opts := func() *validate.Options {
		return &validate.Options{Content: bytes.NewReader(content), Anchors: []*cert.Certificate{ca.Cert}, Now: later}
	}
	rep, err := validate.Validate(bes, opts())
	if err != nil {
		t.Fatal(err)
	}
	if s := rep.Signatures[0]; s.Indication != validate.Failed || s.SubIndication != validate.Expired {
		t.Fatalf("without a time-stamp: %s %s (%s)", s.Indication, s.SubIndication, s.Detail)
	}

	stampedAt := time.Now()
	sigT, err := cades.AddTimestamp(context.Background(), bes, &tsp.Client{URL: tsa.URL})
	if err != nil {
		t.Fatal(err)
	}
	rep, err = validate.Validate(sigT, opts())
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Signatures[0]
	if s.Indication != validate.Passed || s.ValidationTimeSource != validate.TimeTimestamp {
		t.Fatalf("with a time-stamp: %s %s (%s), time from %s", s.Indication, s.SubIndication, s.Detail, s.ValidationTimeSource)
	}
	if d := s.BestSignatureTime.Sub(stampedAt); d < -2*time.Second || d > time.Minute || !s.ValidationTime.Equal(s.BestSignatureTime) {
		t.Errorf("best signature time %v, validated at %v, stamped at %v", s.BestSignatureTime, s.ValidationTime, stampedAt)
	}
	if len(s.Timestamps) != 1 || s.Timestamps[0].Indication != validate.Passed || s.Timestamps[0].TSA.Subject.CommonName != "Zavera Test TSA" {
		t.Fatalf("timestamps %+v", s.Timestamps)
	}
	if j := rep.Simple().Signatures[0]; len(j.Timestamps) != 1 || j.ValidationTimeInfo.ValidationTimeSource != "timestamp" {
		t.Errorf("JSON: %+v", j)
	}

	// Past the end of the certificate even at the time-stamp's time, the
	// signature lacks a proof of existence while it was valid.
	rep, err = validate.Validate(sigT, &validate.Options{Content: bytes.NewReader(content), Anchors: []*cert.Certificate{ca.Cert},
		At: time.Now().Add(72 * time.Hour), Now: later})
	if err != nil {
		t.Fatal(err)
	}
	if s := rep.Signatures[0]; s.Indication != validate.Indeterminate || s.SubIndication != validate.OutOfBoundsNoPOE {
		t.Errorf("at a time after the end: %s %s", s.Indication, s.SubIndication)
	}
}

func TestSignatureTimestampWrongImprint(t *testing.T) {
	ca := testpki.NewCA(t, "Zavera Test Root")
	tsa := testpki.StartTSA(t, ca, testpki.TSAExt)
	signer := ca.Signer(t, "leaf", "Иванов Иван")
	content := []byte("отчёт")
	bes, err := cms.Sign(bytes.NewReader(content), signer, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A genuine token, over another signature's value.
	alg, other, _ := tsp.Digest([]byte("another signature value"), 32)
	tok, err := (&tsp.Client{URL: tsa.URL}).Timestamp(context.Background(), alg, other)
	if err != nil {
		t.Fatal(err)
	}
	attr, err := cms.MarshalAttribute(cades.OIDSignatureTimeStamp, tok.Raw)
	if err != nil {
		t.Fatal(err)
	}
	sigT, err := cms.AddUnsignedAttributes(bes, 0, attr)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := validate.Validate(sigT, &validate.Options{Content: bytes.NewReader(content), Anchors: []*cert.Certificate{ca.Cert}})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Signatures[0]
	if len(s.Timestamps) != 1 || s.Timestamps[0].Indication != validate.Failed || s.Timestamps[0].SubIndication != validate.HashFailure {
		t.Fatalf("timestamps %+v", s.Timestamps)
	}
	if s.ValidationTimeSource == validate.TimeTimestamp {
		t.Error("a time-stamp over other data was used as proof of time")
	}
	if s.Indication != validate.Passed {
		t.Errorf("the signature itself: %s %s", s.Indication, s.SubIndication)
	}
}

func TestSignatureTimestampUntrustedTSA(t *testing.T) {
	ca := testpki.NewCA(t, "Zavera Test Root")
	tsaCA := testpki.NewCA(t, "Unknown TSA Root")
	tsa := testpki.StartTSA(t, tsaCA, testpki.TSAExt)
	content := []byte("отчёт")
	bes, err := cms.Sign(bytes.NewReader(content), ca.Signer(t, "leaf", "Иванов"), nil)
	if err != nil {
		t.Fatal(err)
	}
	sigT, err := cades.AddTimestamp(context.Background(), bes, &tsp.Client{URL: tsa.URL})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := validate.Validate(sigT, &validate.Options{Content: bytes.NewReader(content), Anchors: []*cert.Certificate{ca.Cert}})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Signatures[0]
	if len(s.Timestamps) != 1 || s.Timestamps[0].Indication != validate.Indeterminate || s.ValidationTimeSource == validate.TimeTimestamp {
		t.Fatalf("timestamps %+v, time from %s", s.Timestamps[0], s.ValidationTimeSource)
	}
}
