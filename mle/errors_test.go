package mle

import (
	"errors"
	"strings"
	"testing"
)

// TestSentinelsDistinct checks that no sentinel matches another, so callers
// can count drops by cause.
func TestSentinelsDistinct(t *testing.T) {
	all := []error{
		ErrTruncated, ErrUnknownSuite, ErrSecurityControl, ErrUnsecured, ErrKeySequence,
		ErrSecurityFailure, ErrFrameCounterExhausted, ErrAddress, ErrUnknownCommand,
		ErrTLVTruncated, ErrTLVLength, ErrDuplicateTLV, ErrTooManyTLVs, ErrUnsecuredTLV,
		ErrInvalidMessage,
	}
	for i, a := range all {
		if !strings.HasPrefix(a.Error(), "mle: ") {
			t.Errorf("%q lacks the package prefix", a)
		}
		for j, b := range all {
			if i != j && errors.Is(a, b) {
				t.Errorf("%q matches %q", a, b)
			}
		}
	}
}
