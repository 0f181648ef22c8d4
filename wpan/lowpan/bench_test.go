package lowpan

import (
	"bytes"
	"testing"
)

// dioPacket is an RPL DIO (ICMPv6 155/1) from a link-local address derived
// from the MAC source to all-RPL-nodes ff02::1a, hop limit 255, with a DODAG
// Configuration option.
func dioPacket() []byte {
	dio := hx("9b 01 00 00" + // type 155 (RPL), code 1 (DIO), checksum
		" 1e f0 01 00 88 00 00 00" + // instance, version, rank 256, G MOP=1 Prf, DTSN, flags, reserved
		" fd 00 ca fe fa ce 12 34 02 00 5e ef 10 22 11 00" + // DODAG ID
		" 04 0e 00 08 0c 0a 07 00 01 00 00 01 00 ff ff ff") // DODAG Configuration option
	return ip6(0x60000000, 58, 255, llSrc, "ff02::1a", dio)
}

// udp64Packet is a 64-byte UDP datagram between mesh-local addresses
// (context 0) derived from short MAC addresses.
func udp64Packet() []byte {
	return ip6(0x60000000, 17, 64, ml+":ff:fe00:0", ml+":ff:fe00:c003", udp(19788, 19788, 0x1234, make([]byte, 56)))
}

func benchPackets() []struct {
	name string
	pkt  []byte
	iphc []byte
} {
	return []struct {
		name string
		pkt  []byte
		iphc []byte
	}{
		{"DIO", dioPacket(), hx("7b 3b 3a 1a")},
		{"UDP64", udp64Packet(), hx("7e 77 f0 4d 4c 4d 4c 12 34")},
	}
}

func TestBenchPackets(t *testing.T) {
	ctx := otContexts(t)
	for i, b := range benchPackets() {
		src, dst := otLongSrc, otBcast
		if i == 1 {
			src, dst = otShortSrc, otShortDst
		}
		frame, err := Compress(nil, b.pkt, src, dst, ctx)
		if err != nil || !bytes.HasPrefix(frame, b.iphc) {
			t.Errorf("%s: Compress = % x, %v; want prefix % x", b.name, frame, err, b.iphc)
		}
	}
}

func BenchmarkCompress(b *testing.B) {
	ctx := otContexts(b)
	for i, p := range benchPackets() {
		src, dst := otLongSrc, otBcast
		if i == 1 {
			src, dst = otShortSrc, otShortDst
		}
		b.Run(p.name, func(b *testing.B) {
			buf := make([]byte, 0, 256)
			b.ReportAllocs()
			b.SetBytes(int64(len(p.pkt)))
			for b.Loop() {
				var err error
				if buf, err = Compress(buf[:0], p.pkt, src, dst, ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecompress(b *testing.B) {
	ctx := otContexts(b)
	for i, p := range benchPackets() {
		src, dst := otLongSrc, otBcast
		if i == 1 {
			src, dst = otShortSrc, otShortDst
		}
		frame, err := Compress(nil, p.pkt, src, dst, ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(p.name, func(b *testing.B) {
			buf := make([]byte, 0, 256)
			b.ReportAllocs()
			b.SetBytes(int64(len(p.pkt)))
			for b.Loop() {
				var err error
				if buf, err = Decompress(buf[:0], frame, src, dst, ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFragment1280 splits a 1280-byte packet into 81-byte frame
// payloads (RFC 4944's worst case with AES-CCM-128).
func BenchmarkFragment1280(b *testing.B) {
	pkt := bigPacket(1280)
	l := New(Config{})
	var f Fragments
	buf := make([]byte, 0, 127)
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for b.Loop() {
		if err := l.Output(&f, pkt, otLongSrc, otLongDst, 81); err != nil {
			b.Fatal(err)
		}
		for fr, ok := f.Next(buf[:0]); ok; fr, ok = f.Next(buf[:0]) {
			_ = fr
		}
	}
}

// BenchmarkReassemble1280 reassembles the 18 fragments of a 1280-byte
// packet.
func BenchmarkReassemble1280(b *testing.B) {
	pkt := bigPacket(1280)
	frames := fragments(b, New(Config{}), pkt, 81)
	l := New(Config{})
	out := make([]byte, 0, 1280)
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for b.Loop() {
		var got []byte
		for _, fr := range frames {
			p, err := l.Input(t0, out[:0], otLongSrc, otLongDst, fr)
			if err != nil {
				b.Fatal(err)
			}
			if p != nil {
				got = p
			}
		}
		if len(got) != len(pkt) {
			b.Fatal("not reassembled")
		}
	}
}

// TestAllocs asserts the frame path does not allocate in steady state.
func TestAllocs(t *testing.T) {
	ctx := otContexts(t)
	pkt := udp64Packet()
	frame, _ := Compress(nil, pkt, otShortSrc, otShortDst, ctx)
	buf := make([]byte, 0, 2048)
	big := bigPacket(1280)
	frames := fragments(t, New(Config{}), big, 81)
	l := New(Config{})
	l.Contexts = *ctx
	var f Fragments
	for _, tc := range []struct {
		name string
		fn   func()
	}{
		{"Compress", func() { buf, _ = Compress(buf[:0], pkt, otShortSrc, otShortDst, ctx) }},
		{"Decompress", func() { buf, _ = Decompress(buf[:0], frame, otShortSrc, otShortDst, ctx) }},
		{"Input", func() { buf, _ = l.Input(t0, buf[:0], otShortSrc, otShortDst, frame) }},
		{"Output", func() {
			_ = l.Output(&f, big, otLongSrc, otLongDst, 81)
			for _, ok := f.Next(buf[:0]); ok; _, ok = f.Next(buf[:0]) {
			}
		}},
		{"Reassemble", func() {
			for _, fr := range frames {
				_, _ = l.Input(t0, buf[:0], otLongSrc, otLongDst, fr)
			}
		}},
		{"Drop", func() { _, _ = l.Input(t0, buf[:0], otShortSrc, otShortDst, frame[:5]) }},
	} {
		if n := testing.AllocsPerRun(100, tc.fn); n != 0 {
			t.Errorf("%s: %v allocations per run", tc.name, n)
		}
	}
}
