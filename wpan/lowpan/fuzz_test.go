package lowpan

import (
	"bytes"
	"testing"
	"time"

	"github.com/meshgw/meshgw/wpan"
)

// fuzzAddr turns a selector byte into a link-layer address.
func fuzzAddr(sel byte, v uint64) wpan.Addr {
	switch sel % 3 {
	case 0:
		return wpan.Addr{}
	case 1:
		return wpan.ShortAddress(wpan.ShortAddr(v))
	default:
		return wpan.ExtAddress(wpan.ExtAddrFromUint64(v))
	}
}

func addrSel(a wpan.Addr) (byte, uint64) {
	switch a.Mode {
	case wpan.AddrShort:
		return 1, uint64(a.Short)
	case wpan.AddrExt:
		return 2, a.Ext.Uint64()
	}
	return 0, 0
}

// FuzzDecompress: no input panics; whatever decompresses compresses and
// decompresses back to the same packet, and a failed decompression leaves
// the buffer alone.
func FuzzDecompress(f *testing.F) {
	for _, v := range allVectors() {
		ss, sv := addrSel(v.src)
		ds, dv := addrSel(v.dst)
		f.Add(cat(v.iphc, otPayload), ss, sv, ds, dv)
	}
	for _, s := range []string{"7a 00", "7e 33 ee 7e 33 ee 7a 33 3a", "f0 41 60 00 00 00 00 00 3b 40", "b5 00 01 00 02", "7e 33 e1 00 e3 00 f0 00 00 00 00 00 00"} {
		f.Add(hx(s), byte(2), uint64(1), byte(1), uint64(2))
	}
	ctx := otContexts(f)
	f.Fuzz(func(t *testing.T, frame []byte, ss byte, sv uint64, ds byte, dv uint64) {
		src, dst := fuzzAddr(ss, sv), fuzzAddr(ds, dv)
		buf := make([]byte, 3, 4096)
		pkt, err := Decompress(buf, frame, src, dst, ctx)
		if err != nil {
			if _, ok := ReasonOf(err); !ok {
				t.Fatalf("error %v is not a lowpan.Error", err)
			}
			if len(pkt) != 3 {
				t.Fatalf("Decompress changed dst on error")
			}
			return
		}
		pkt = pkt[3:]
		if err := checkIPv6(pkt); err != nil {
			t.Fatalf("Decompress produced a bad packet: %v\n% x", err, pkt)
		}
		again, err := Compress(nil, pkt, src, dst, ctx)
		if err != nil {
			t.Fatalf("Compress(% x): %v", pkt, err)
		}
		back, err := Decompress(nil, again, src, dst, ctx)
		if err != nil {
			t.Fatalf("Decompress(Compress(% x)) = % x: %v", pkt, again, err)
		}
		if !bytes.Equal(back, pkt) {
			t.Fatalf("round trip\n pkt % x\nfrm % x\nback % x", pkt, again, back)
		}
	})
}

// FuzzReassembly feeds a sequence of fragments, split from the input by
// length bytes, to a small reassembler: no panics, only lowpan errors,
// memory within its bound, and any delivered packet is a whole IPv6 packet
// of its datagram_size.
func FuzzReassembly(f *testing.F) {
	seed := func(frames ...[]byte) []byte {
		var b []byte
		for _, fr := range frames {
			b = append(b, byte(len(fr)))
			b = append(b, fr...)
		}
		return b
	}
	l := New(Config{})
	for _, n := range []int{96, 200, 300} {
		var fr Fragments
		if err := l.Output(&fr, bigPacket(n), otLongSrc, otLongDst, 60); err != nil {
			f.Fatal(err)
		}
		var frames [][]byte
		for b, ok := fr.Next(nil); ok; b, ok = fr.Next(nil) {
			frames = append(frames, b)
		}
		f.Add(seed(frames...))
		f.Add(seed(append(frames[1:], frames[0], frames[0])...))
	}
	pkt := bigPacket(96)
	f.Add(seed(frag1(96, 7, append([]byte{dispatchIPv6}, pkt[:48]...)), fragN(96, 7, 40, pkt[40:56])))
	f.Add(seed(fragN(96, 7, 48, pkt[48:]), frag1(96, 7, append([]byte{dispatchIPv6}, pkt[:48]...))))
	f.Fuzz(func(t *testing.T, in []byte) {
		cfg := Config{MaxReassemblies: 3, MaxReassemblyBytes: 1000, ReassemblyTimeout: 10 * time.Second}
		r := NewReassembler(cfg)
		ctx := otContexts(t)
		now := t0
		for len(in) > 0 {
			n := int(in[0])
			in = in[1:]
			// The top bit of the length byte switches the link source,
			// so that several datagrams interleave.
			src := otLongSrc
			if n&0x80 != 0 {
				src = otShortSrc
				n &= 0x7f
			}
			n = min(n, len(in))
			fr := in[:n]
			in = in[n:]
			now = now.Add(time.Second)
			p, err := r.Add(now, nil, src, otLongDst, fr, ctx)
			if err != nil {
				if _, ok := ReasonOf(err); !ok {
					t.Fatalf("error %v is not a lowpan.Error", err)
				}
				if p != nil {
					t.Fatal("packet and error")
				}
			}
			if p != nil {
				if err := checkIPv6(p); err != nil {
					t.Fatalf("delivered a bad packet: %v", err)
				}
			}
			d, b := r.Pending()
			if d > cfg.MaxReassemblies || b > cfg.MaxReassemblyBytes {
				t.Fatalf("pending %d datagrams, %d bytes: over the bound", d, b)
			}
		}
	})
}
