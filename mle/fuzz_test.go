package mle

import (
	"bytes"
	"testing"
)

// FuzzDecode decodes arbitrary bodies. Whatever decodes must encode, to
// Len() bytes, and decode again to the same message (unknown TLVs are
// dropped by the first decode, so the round trip is on the Message).
func FuzzDecode(f *testing.F) {
	for _, tc := range msgCases {
		f.Add(unhex(f, tc.body))
	}
	f.Add(unhex(f, vectorPlaintext))
	for _, s := range []string{
		"", "07", "00 01", "00 03 04 0102", "00 00 03 010203", "04 06 04 01 e0 20 be",
		"00 01 01 08 01 01 08", "05 07 05 00 00000000 07 05 01 00000001", "04 06 01 0f",
	} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var m Message
		if err := m.Decode(data); err != nil {
			return
		}
		enc, err := m.AppendBinary(nil)
		if err != nil {
			t.Fatalf("decoded message does not encode: %v\n%+v", err, m)
		}
		if len(enc) != m.Len() {
			t.Fatalf("encoded %d bytes, Len() = %d", len(enc), m.Len())
		}
		var m2 Message
		if err := m2.Decode(enc); err != nil {
			t.Fatalf("re-decode of % x: %v", enc, err)
		}
		if !equalMessage(&m, &m2) {
			t.Fatalf("round trip differs:\n%+v\n%+v", m, m2)
		}
		enc2, _ := m2.AppendBinary(nil)
		if !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding not stable:\n% x\n% x", enc, enc2)
		}
	})
}

// FuzzOpen feeds arbitrary payloads to Header.Decode and Open. Neither may
// panic; a payload that opens must seal back to itself (when its key index
// is the one Thread sends).
func FuzzOpen(f *testing.F) {
	f.Add(unhex(f, vectorPayload))
	f.Add(unhex(f, "ff 04 00 02 0000"))
	f.Add(unhex(f, "00 15 00000000 00000000 01 04 00000000"))
	f.Add([]byte{})
	src, ipSrc, ipDst := vectorAddrs(f)
	c := vectorCipher(f, 0)
	f.Fuzz(func(t *testing.T, data []byte) {
		var h Header
		if err := h.Decode(data); err != nil {
			return
		}
		orig := bytes.Clone(data)
		body, aux, err := Open(data, c, src, ipSrc, ipDst)
		if err != nil {
			if !bytes.Equal(data, orig) {
				t.Fatal("failed Open changed the buffer")
			}
			return
		}
		if aux != h.Aux {
			t.Fatalf("Open aux %+v, Header.Decode aux %+v", aux, h.Aux)
		}
		if aux.KeyIndex != KeyIndexFor(aux.KeySequence) {
			return
		}
		again, err := Seal(nil, body, c, src, aux.FrameCounter, ipSrc, ipDst)
		if err != nil || !bytes.Equal(again, orig) {
			t.Fatalf("Seal(Open(x)) = % x, %v; want % x", again, err, orig)
		}
	})
}
