package mle

import "testing"

// BenchmarkSealAdvertisement encodes and secures a typical Advertisement
// into a reused frame-sized buffer.
func BenchmarkSealAdvertisement(b *testing.B) {
	src, ipSrc, ipDst := vectorAddrs(b)
	c := vectorCipher(b, 0)
	m := advertisement(b)
	buf := make([]byte, 0, 127)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := AppendSecured(buf[:0], m, c, src, uint32(i), ipSrc, ipDst); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenAdvertisement verifies, decrypts and decodes the same
// Advertisement (the copy restores the ciphertext that Open decrypts in
// place).
func BenchmarkOpenAdvertisement(b *testing.B) {
	src, ipSrc, ipDst := vectorAddrs(b)
	c := vectorCipher(b, 0)
	sealed, err := AppendSecured(nil, advertisement(b), c, src, 7, ipSrc, ipDst)
	if err != nil {
		b.Fatal(err)
	}
	rx := make([]byte, len(sealed))
	var m Message
	b.SetBytes(int64(len(sealed)))
	b.ReportAllocs()
	for b.Loop() {
		copy(rx, sealed)
		body, _, err := Open(rx, c, src, ipSrc, ipDst)
		if err != nil {
			b.Fatal(err)
		}
		if err := m.Decode(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecode decodes a Link Accept And Request carrying every TLV.
func BenchmarkDecode(b *testing.B) {
	body := unhex(b, msgCases[1].body)
	var m Message
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := m.Decode(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncode encodes the same message.
func BenchmarkEncode(b *testing.B) {
	var m Message
	if err := m.Decode(unhex(b, msgCases[1].body)); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 127)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.AppendBinary(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDeriveKeys derives the keys of one key sequence (done once per
// rotation, not per message).
func BenchmarkDeriveKeys(b *testing.B) {
	k := vectorKey(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = DeriveKeys(k, uint32(i))
	}
}
