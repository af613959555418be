package agent_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/zavera/zavera/agent"
)

func TestCodeOf(t *testing.T) {
	cases := []struct {
		err  error
		code agent.Code
	}{
		{fmt.Errorf("pkcs11: C_Login: %w", &agent.PINError{TriesLeft: 2}), agent.CodePINIncorrect},
		{fmt.Errorf("x: %w", agent.ErrPINIncorrect), agent.CodePINIncorrect},
		{fmt.Errorf("x: %w", agent.ErrPINLocked), agent.CodePINLocked},
		{fmt.Errorf("x: %w", agent.ErrTokenNotFound), agent.CodeTokenNotFound},
		{fmt.Errorf("x: %w", agent.ErrCertificateNotFound), agent.CodeCertificateNotFound},
		{fmt.Errorf("x: %w", agent.ErrCancelled), agent.CodeCancelled},
		{fmt.Errorf("x: %w", agent.ErrOriginNotAllowed), agent.CodeOriginNotAllowed},
		{fmt.Errorf("x: %w", agent.ErrBusy), agent.CodeBusy},
		{fmt.Errorf("x: %w", agent.ErrTooLarge), agent.CodeTooLarge},
		{fmt.Errorf("x: %w", agent.ErrBadRequest), agent.CodeBadRequest},
		{fmt.Errorf("x: %w", agent.ErrTokenDriverFailed), agent.CodeTokenDriverFailed},
		{context.Canceled, agent.CodeInternal},
		{errors.New("CKR_DEVICE_ERROR"), agent.CodeInternal},
	}
	for _, tc := range cases {
		if got := agent.CodeOf(tc.err); got != tc.code {
			t.Errorf("CodeOf(%v) = %d, want %d", tc.err, got, tc.code)
		}
	}
	if !errors.Is(&agent.PINError{TriesLeft: 1}, agent.ErrPINIncorrect) {
		t.Error("PINError does not match ErrPINIncorrect")
	}
	// Reasons are the documented strings.
	want := map[agent.Code]string{
		agent.CodeCancelled: "cancelled", agent.CodeOriginNotAllowed: "origin_not_allowed", agent.CodePINIncorrect: "pin_incorrect",
		agent.CodePINLocked: "pin_locked", agent.CodeTokenNotFound: "token_not_found", agent.CodeCertificateNotFound: "certificate_not_found",
		agent.CodeBadRequest: "bad_request", agent.CodeParseError: "bad_request", agent.CodeTooLarge: "too_large", agent.CodeBusy: "busy",
		agent.CodeInternal: "internal", agent.CodeTokenDriverFailed: "token_driver_failed",
	}
	for c, r := range want {
		if c.Reason() != r {
			t.Errorf("%d: reason %q, want %q", c, c.Reason(), r)
		}
	}
}
