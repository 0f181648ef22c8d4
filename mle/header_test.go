package mle

import (
	"bytes"
	"errors"
	"testing"
)

func TestAuxHeaderVector(t *testing.T) {
	want := AuxHeader{FrameCounter: vectorCounter, KeySequence: 0, KeyIndex: 1}
	raw := unhex(t, vectorAux)
	var h AuxHeader
	if err := h.Decode(raw); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if h != want {
		t.Errorf("Decode = %+v, want %+v", h, want)
	}
	got, err := want.AppendBinary(nil)
	if err != nil || !bytes.Equal(got, raw) {
		t.Errorf("AppendBinary = % x, %v; want % x", got, err, raw)
	}
}

func TestAuxHeaderByteOrder(t *testing.T) {
	// Frame counter little-endian, key source big-endian.
	h := AuxHeader{FrameCounter: 0x01020304, KeySequence: 0x0a0b0c0d, KeyIndex: KeyIndexFor(0x0a0b0c0d)}
	got, _ := h.AppendBinary(nil)
	want := unhex(t, "15 04030201 0a0b0c0d 0e")
	if !bytes.Equal(got, want) {
		t.Errorf("AppendBinary = % x, want % x", got, want)
	}
}

func TestKeyIndexFor(t *testing.T) {
	for _, tc := range []struct {
		seq  uint32
		want uint8
	}{{0, 1}, {1, 2}, {0x7f, 0x80}, {0x80, 1}, {0xffffffff, 0x80}} {
		if got := KeyIndexFor(tc.seq); got != tc.want {
			t.Errorf("KeyIndexFor(%#x) = %#x, want %#x", tc.seq, got, tc.want)
		}
	}
}

func TestHeaderDecode(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Header
		wantLen int
		err     error
	}{
		{"vector", vectorPayload, Header{Suite: Suite154, Aux: AuxHeader{FrameCounter: vectorCounter, KeyIndex: 1}}, 11, nil},
		{"shortest secured", "00 15 00000000 00000000 01 04 00000000", Header{Suite: Suite154, Aux: AuxHeader{KeyIndex: 1}}, 11, nil},
		{"unsecured", "ff 04", Header{Suite: SuiteNone}, 1, nil},
		{"unsecured without body", "ff", Header{Suite: SuiteNone}, 1, nil},
		{"empty", "", Header{}, 0, ErrTruncated},
		{"suite 1", "01 04", Header{}, 0, ErrUnknownSuite},
		{"suite 254", "fe 04", Header{}, 0, ErrUnknownSuite},
		{"aux header truncated", "00 15 00000000 0000", Header{}, 0, ErrTruncated},
		{"no room for command and MIC", "00 15 00000000 00000000 01 00000000", Header{}, 0, ErrTruncated},
		{"key id mode 1", "00 0d 00000000 00000000 01 04 00000000", Header{}, 0, ErrSecurityControl},
		{"level 6", "00 16 00000000 00000000 01 04 00000000", Header{}, 0, ErrSecurityControl},
		{"frame counter suppression", "00 35 00000000 00000000 01 04 00000000", Header{}, 0, ErrSecurityControl},
		{"reserved bit", "00 95 00000000 00000000 01 04 00000000", Header{}, 0, ErrSecurityControl},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var h Header
			err := h.Decode(unhex(t, tc.in))
			if !errors.Is(err, tc.err) {
				t.Fatalf("Decode = %v, want %v", err, tc.err)
			}
			if err != nil {
				return
			}
			if h != tc.want {
				t.Errorf("Decode = %+v, want %+v", h, tc.want)
			}
			if h.Len() != tc.wantLen {
				t.Errorf("Len = %d, want %d", h.Len(), tc.wantLen)
			}
		})
	}
}
