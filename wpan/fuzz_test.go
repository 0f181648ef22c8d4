package wpan

import (
	"bytes"
	"testing"
)

// frameSeeds returns on-air frames from the table tests.
func frameSeeds() [][]byte {
	seeds := [][]byte{
		unhex("02 10 5e"),
		unhex("6b dc 85 ce fa 47 36 07 d9 74 45 8d b2 6e 81 25 c9 db ac 2b 0a 0d 00 00 00 00 01 04 af 14 ce aa"),
		unhex("29 ee 53 ce fa 01 00 00 00 00 0a 6e 16 05 00 00 00 00 0a 6e 16 0d 01 00 00 00 01 04 0d 11 22 33 44 80 3f aa bb 01 02 03 04"),
		unhex("41 aa 01 cd ab 01 00 02 00 04 0d 11 22 33 44 00 3f 03 88 aa bb cc 00 f8 ee"),
		unhex("41 88 01 cd ab ff ff 01 00 41 60 00"),
		unhex("41 cc 01 cd ab 01 02 03 04 05 06 07 08 11 12 13 14 15 16 17 18 7a 33 3a"),
	}
	for _, v := range annexCVectors {
		seeds = append(seeds, unhex(v.secured))
	}
	return seeds
}

// FuzzFrameDecode checks that Decode never panics and that whatever it
// accepts re-encodes to a frame that decodes to the same fields, and that
// the encoding is then stable.
func FuzzFrameDecode(f *testing.F) {
	for _, s := range frameSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		in = bytes.Clone(in) // Open below decrypts in place
		_, _ = PeekAckInfo(in)
		var a Frame
		if err := a.Decode(in); err != nil {
			return
		}
		if len(in) > MaxFrameLen {
			t.Fatalf("accepted %d bytes", len(in))
		}
		enc, err := a.AppendTo(nil)
		if err != nil {
			t.Fatalf("re-encode of %x: %v", in, err)
		}
		var b Frame
		if err := b.Decode(enc); err != nil {
			t.Fatalf("decode of re-encoded %x (from %x): %v", enc, in, err)
		}
		if !frameEqual(&a, &b) {
			t.Fatalf("round trip of %x\n got %+v\nwant %+v", in, b, a)
		}
		enc2, err := b.AppendTo(nil)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding not stable: %x then %x (%v)", enc, enc2, err)
		}
		if hl := a.HeaderLen(); hl < 2 || hl > len(enc) {
			t.Fatalf("HeaderLen %d for a %d-byte frame", hl, len(enc))
		}
		for ies := a.HeaderIEs; len(ies) > 0; {
			var err error
			if _, _, ies, err = NextHeaderIE(ies); err != nil {
				t.Fatalf("decoded header IEs %x do not iterate: %v", a.HeaderIEs, err)
			}
		}
		for ies := a.PayloadIEs; len(ies) > 0; {
			var err error
			if _, _, ies, err = NextPayloadIE(ies); err != nil {
				t.Fatalf("decoded payload IEs %x do not iterate: %v", a.PayloadIEs, err)
			}
		}
		if a.Security {
			// Opening with a wrong key must fail cleanly (or succeed for
			// MIC-less levels) and never panic; a failure leaves the
			// frame bytes unchanged.
			key, _ := NewCCMStar(testKey)
			before := bytes.Clone(in)
			if err := a.Open(key, ExtAddr{}); err != nil && !bytes.Equal(in, before) {
				t.Fatalf("failed Open (%v) changed the frame", err)
			}
		}
	})
}

// FuzzAuxHeader checks Decode/AppendTo of the auxiliary security header.
func FuzzAuxHeader(f *testing.F) {
	for _, s := range []string{"02 05 00 00 00", "0d 01 00 00 00 01", "15 04 03 02 01 00 00 00 07 ff",
		"1f 09 00 00 00 01 02 03 04 05 06 07 08 02", "6d 03", "80", ""} {
		f.Add(unhex(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var a AuxHeader
		n, err := a.Decode(in)
		if err != nil {
			return
		}
		if n != a.Len() || n > len(in) || n > MaxAuxHeaderLen {
			t.Fatalf("n = %d, Len = %d, input %d", n, a.Len(), len(in))
		}
		enc, err := a.AppendTo(nil)
		if err != nil {
			t.Fatalf("AppendTo: %v", err)
		}
		if !bytes.Equal(enc, in[:n]) {
			t.Fatalf("re-encoded %x, want %x", enc, in[:n])
		}
		var b AuxHeader
		if m, err := b.Decode(enc); err != nil || m != n || a != b {
			t.Fatalf("round trip %+v vs %+v (%v)", a, b, err)
		}
	})
}
