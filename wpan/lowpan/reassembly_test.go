package lowpan

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/meshgw/meshgw/wpan"
)

var t0 = time.Unix(1_700_000_000, 0)

// bigPacket is a 1280-byte RPL-style packet: link-local source, ICMPv6.
func bigPacket(n int) []byte {
	body := make([]byte, n-40)
	for i := range body {
		body[i] = byte(i * 7)
	}
	return ip6(0x60000000, 58, 64, llSrc, llDst, body)
}

// fragments splits pkt into frame payloads with the given budget and tag.
func fragments(t testing.TB, l *Layer, pkt []byte, budget int) [][]byte {
	t.Helper()
	var f Fragments
	if err := l.Output(&f, pkt, otLongSrc, otLongDst, budget); err != nil {
		t.Fatalf("Output: %v", err)
	}
	var frames [][]byte
	for fr, ok := f.Next(nil); ok; fr, ok = f.Next(nil) {
		frames = append(frames, fr)
	}
	return frames
}

func TestFragment1280(t *testing.T) {
	pkt := bigPacket(1280)
	l := New(Config{})
	const budget = 81 // RFC 4944 §1: 127 − 25 MAC − 21 AES-CCM-128
	frames := fragments(t, l, pkt, budget)
	// FRAG1: 4 + 3 (IPHC) + 72 bytes; each FRAGN: 5 + 72 bytes.
	if len(frames) != 18 {
		t.Errorf("%d frames, want 18", len(frames))
	}
	first := frames[0]
	if first[0]&0xf8 != dispatchFrag1 || int(first[0]&7)<<8|int(first[1]) != 1280 {
		t.Fatalf("first frame header % x", first[:4])
	}
	tag := uint16(first[2])<<8 | uint16(first[3])
	if !bytes.Equal(first[4:7], hx("7a 33 3a")) {
		t.Errorf("FRAG1 IPHC % x", first[4:7])
	}
	off := 40 + len(first) - 7
	for i, fr := range frames[1:] {
		if len(fr) > budget {
			t.Errorf("frame %d: %d bytes", i+1, len(fr))
		}
		if fr[0]&0xf8 != dispatchFragN || uint16(fr[2])<<8|uint16(fr[3]) != tag || int(fr[4])*8 != off {
			t.Fatalf("frame %d header % x, want offset %d tag %d", i+1, fr[:5], off, tag)
		}
		if n := len(fr) - 5; i < len(frames)-2 && n%8 != 0 {
			t.Errorf("frame %d carries %d bytes, not a multiple of 8", i+1, n)
		}
		off += len(fr) - 5
	}
	if off != 1280 {
		t.Errorf("fragments cover %d bytes", off)
	}
	// The next datagram gets the next tag.
	next := fragments(t, l, pkt, budget)
	if got := uint16(next[0][2])<<8 | uint16(next[0][3]); got != tag+1 {
		t.Errorf("next tag %d, want %d", got, tag+1)
	}
	rx := New(Config{})
	var got []byte
	for i := len(frames) - 1; i >= 0; i-- { // in reverse order
		p, err := rx.Input(t0, nil, otLongSrc, otLongDst, frames[i])
		if err != nil {
			t.Fatal(err)
		}
		if p != nil {
			got = p
		}
	}
	if !bytes.Equal(got, pkt) {
		t.Fatal("reassembled packet differs")
	}
}

// TestFragmentUncompressedFallback: a budget too small for the IPHC header
// in FRAG1 sends the uncompressed dispatch, which reassembles too.
func TestFragmentUncompressedFallback(t *testing.T) {
	pkt := ip6(0x60000000, 58, 64, "2001:db8::1", "2001:db8::2", make([]byte, 60))
	l := New(Config{})
	frames := fragments(t, l, pkt, 30)
	if frames[0][4] != dispatchIPv6 {
		t.Fatalf("FRAG1 dispatch %#x, want 0x41", frames[0][4])
	}
	rx := New(Config{})
	var got []byte
	for _, fr := range frames {
		p, err := rx.Input(t0, nil, otLongSrc, otLongDst, fr)
		if err != nil {
			t.Fatal(err)
		}
		if p != nil {
			got = p
		}
	}
	if !bytes.Equal(got, pkt) {
		t.Fatal("reassembled packet differs")
	}
}

func TestOutputErrors(t *testing.T) {
	l := New(Config{})
	var f Fragments
	for _, tc := range []struct {
		name   string
		pkt    []byte
		budget int
		want   error
	}{
		{"budget below FRAGN + 8", bigPacket(100), minBudget - 1, ErrBudget},
		{"too big to fragment", bigPacket(2048), 100, ErrTooBig},
		{"short packet", []byte{0x60, 0, 0}, 100, ErrBadIPv6},
		{"bad version", append([]byte{0x40}, bigPacket(48)[1:]...), 100, ErrBadIPv6},
		{"payload length mismatch", bigPacket(48)[:47], 100, ErrBadIPv6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := l.Counters().Drops[tc.want.(*Error).Reason]
			if err := l.Output(&f, tc.pkt, otLongSrc, otLongDst, tc.budget); !errors.Is(err, tc.want) {
				t.Fatalf("Output = %v, want %v", err, tc.want)
			}
			if _, ok := f.Next(nil); ok {
				t.Error("Next yields a frame after a failed Output")
			}
			if got := l.Counters().Drops[tc.want.(*Error).Reason]; got != before+1 {
				t.Errorf("drop counter %d, want %d", got, before+1)
			}
		})
	}
}

// frag1 and fragN build fragment payloads by hand.
func frag1(size int, tag uint16, rest []byte) []byte {
	return append([]byte{0xc0 | byte(size>>8), byte(size), byte(tag >> 8), byte(tag)}, rest...)
}

func fragN(size int, tag uint16, off int, rest []byte) []byte {
	return append([]byte{0xe0 | byte(size>>8), byte(size), byte(tag >> 8), byte(tag), byte(off / 8)}, rest...)
}

func TestReassemblyErrors(t *testing.T) {
	pkt := bigPacket(96) // 40-byte header + 56 bytes
	// Uncompressed first fragment with the first 48 bytes.
	first := frag1(96, 7, append([]byte{dispatchIPv6}, pkt[:48]...))
	second := fragN(96, 7, 48, pkt[48:])
	for _, tc := range []struct {
		name   string
		frames [][]byte
		want   error // of the last frame
	}{
		{"FRAGN header truncated", [][]byte{{0xe0, 96, 0, 7}}, ErrTruncated},
		{"FRAG1 header truncated", [][]byte{{0xc0, 96, 0}}, ErrTruncated},
		{"FRAG1 with truncated IPHC", [][]byte{frag1(96, 7, hx("7a"))}, ErrTruncated},
		{"FRAG1 IPHC inline field past end", [][]byte{frag1(96, 7, hx("7a 11 3a 02 00"))}, ErrTruncated},
		{"FRAG1 unknown context", [][]byte{frag1(96, 7, hx("7a d5 99 3a 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"))}, ErrUnknownContext},
		{"datagram size below IPv6 header", [][]byte{frag1(39, 7, append([]byte{dispatchIPv6}, pkt[:39]...))}, ErrFragmentSize},
		{"fragment past datagram size", [][]byte{fragN(96, 7, 88, pkt[:16])}, ErrFragmentSize},
		{"FRAG1 decompresses past datagram size", [][]byte{frag1(48, 7, cat(hx("7a 33 3a"), make([]byte, 16)))}, ErrFragmentSize},
		{"middle fragment not a multiple of 8", [][]byte{fragN(96, 7, 48, pkt[48:60])}, ErrFragmentSize},
		{"FRAGN at offset 0", [][]byte{fragN(96, 7, 0, pkt[:8])}, ErrFragmentSize},
		{"empty FRAGN", [][]byte{fragN(96, 7, 48, nil)}, ErrFragmentSize},
		{"fragment inside fragment", [][]byte{frag1(96, 7, frag1(96, 7, nil))}, ErrFragmentSize},
		{"mesh header inside FRAG1", [][]byte{frag1(96, 7, hx("b5 00 01 00 02"))}, ErrMeshHeader},
		{"overlap", [][]byte{first, fragN(96, 7, 40, pkt[40:56])}, ErrFragmentConflict},
		{"conflicting duplicate", [][]byte{second, fragN(96, 7, 48, make([]byte, 48))}, ErrFragmentConflict},
		{"conflicting FRAG1", [][]byte{first, frag1(96, 7, append([]byte{dispatchIPv6}, make([]byte, 48)...))}, ErrFragmentConflict},
		{"bad IPv6 after reassembly", [][]byte{frag1(96, 7, append([]byte{dispatchIPv6}, make([]byte, 48)...)), second}, ErrBadIPv6},
		{"larger than the memory bound", [][]byte{frag1(2047, 7, append([]byte{dispatchIPv6}, pkt[:48]...))}, ErrReassemblyFull},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReassembler(Config{MaxReassemblyBytes: 1500})
			ctx := &Contexts{}
			var err error
			for i, fr := range tc.frames {
				var p []byte
				p, err = r.Add(t0, nil, otLongSrc, otLongDst, fr, ctx)
				if p != nil {
					t.Fatalf("frame %d completed a datagram", i)
				}
				if i < len(tc.frames)-1 && err != nil {
					t.Fatalf("frame %d: %v", i, err)
				}
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if got := r.Counters().Drops[tc.want.(*Error).Reason]; got != 1 {
				t.Errorf("drop counter %v = %d, want 1", tc.want.(*Error).Reason, got)
			}
			if tc.want == ErrFragmentConflict || tc.want == ErrBadIPv6 {
				if d, b := r.Pending(); d != 0 || b != 0 {
					t.Errorf("datagram kept after %v: %d, %d", tc.want, d, b)
				}
				// The datagram is gone: the other fragment alone does not
				// complete anything.
				if p, _ := r.Add(t0, nil, otLongSrc, otLongDst, second, ctx); p != nil {
					t.Error("completed from a discarded datagram")
				}
			}
		})
	}
}

func TestReassemblyDuplicate(t *testing.T) {
	pkt := bigPacket(96)
	l := New(Config{})
	frames := fragments(t, l, pkt, 32)
	if len(frames) < 2 {
		t.Fatalf("%d frames", len(frames))
	}
	r := NewReassembler(Config{})
	for _, fr := range frames[:len(frames)-1] {
		for range 3 {
			if p, err := r.Add(t0, nil, otLongSrc, otLongDst, fr, nil); p != nil || err != nil {
				t.Fatalf("Add = %x, %v", p, err)
			}
		}
	}
	p, err := r.Add(t0, nil, otLongSrc, otLongDst, frames[len(frames)-1], nil)
	if err != nil || !bytes.Equal(p, pkt) {
		t.Fatalf("Add = %x, %v", p, err)
	}
	c := r.Counters()
	if want := uint64(2 * (len(frames) - 1)); c.Drops[DropDuplicate] != want || c.Reassembled != 1 {
		t.Errorf("duplicates %d (want %d), reassembled %d", c.Drops[DropDuplicate], want, c.Reassembled)
	}
}

// TestReassemblyKey: fragments differing in source, destination, size or
// tag belong to different datagrams.
func TestReassemblyKey(t *testing.T) {
	pkt := bigPacket(96)
	first := frag1(96, 7, append([]byte{dispatchIPv6}, pkt[:48]...))
	r := NewReassembler(Config{})
	other := wpan.ShortAddress(1)
	for _, fr := range []struct {
		src, dst wpan.Addr
		b        []byte
	}{
		{otLongSrc, otLongDst, first},
		{other, otLongDst, fragN(96, 7, 48, pkt[48:])},
		{otLongSrc, other, fragN(96, 7, 48, pkt[48:])},
		{otLongSrc, otLongDst, fragN(96, 8, 48, pkt[48:])},
		{otLongSrc, otLongDst, fragN(104, 7, 48, pkt[48:])},
	} {
		if p, err := r.Add(t0, nil, fr.src, fr.dst, fr.b, nil); p != nil || err != nil {
			t.Fatalf("Add = %x, %v", p, err)
		}
	}
	if d, _ := r.Pending(); d != 5 {
		t.Fatalf("%d datagrams pending, want 5", d)
	}
	p, err := r.Add(t0, nil, otLongSrc, otLongDst, fragN(96, 7, 48, pkt[48:]), nil)
	if err != nil || !bytes.Equal(p, pkt) {
		t.Fatalf("Add = %x, %v", p, err)
	}
}

func TestReassemblyTimeout(t *testing.T) {
	pkt := bigPacket(96)
	first := frag1(96, 7, append([]byte{dispatchIPv6}, pkt[:48]...))
	l := New(Config{})
	if _, ok := l.Deadline(); ok {
		t.Fatal("deadline with nothing pending")
	}
	if _, err := l.Input(t0, nil, otLongSrc, otLongDst, first); err != nil {
		t.Fatal(err)
	}
	d, ok := l.Deadline()
	if !ok || !d.Equal(t0.Add(60*time.Second)) {
		t.Fatalf("Deadline = %v, %v; want first fragment + 60 s", d, ok)
	}
	l.Poll(d.Add(-time.Nanosecond))
	if n, _ := l.Pending(); n != 1 {
		t.Fatal("expired early")
	}
	l.Poll(d)
	if n, b := l.Pending(); n != 0 || b != 0 {
		t.Fatal("not expired at the deadline")
	}
	if c := l.Counters(); c.Drops[DropTimeout] != 1 {
		t.Errorf("timeouts %d", c.Drops[DropTimeout])
	}
	// The second fragment now starts a new datagram instead of completing.
	if p, err := l.Input(d, nil, otLongSrc, otLongDst, fragN(96, 7, 48, pkt[48:])); p != nil || err != nil {
		t.Fatalf("Input = %x, %v", p, err)
	}
}

func TestReassemblyEviction(t *testing.T) {
	pkt := bigPacket(96)
	first := func(tag uint16) []byte { return frag1(96, tag, append([]byte{dispatchIPv6}, pkt[:48]...)) }
	t.Run("by count", func(t *testing.T) {
		r := NewReassembler(Config{MaxReassemblies: 3})
		for tag := range uint16(5) {
			if _, err := r.Add(t0.Add(time.Duration(tag)*time.Second), nil, otLongSrc, otLongDst, first(tag), nil); err != nil {
				t.Fatal(err)
			}
		}
		if n, _ := r.Pending(); n != 3 {
			t.Fatalf("%d pending", n)
		}
		if c := r.Counters(); c.Drops[DropEvicted] != 2 {
			t.Errorf("evicted %d, want 2", c.Drops[DropEvicted])
		}
		// Tags 0 and 1 were the oldest and are gone; 4 completes.
		now := t0.Add(5 * time.Second)
		if p, _ := r.Add(now, nil, otLongSrc, otLongDst, fragN(96, 0, 48, pkt[48:]), nil); p != nil {
			t.Error("evicted datagram completed")
		}
		if p, _ := r.Add(now, nil, otLongSrc, otLongDst, fragN(96, 4, 48, pkt[48:]), nil); !bytes.Equal(p, pkt) {
			t.Error("newest datagram did not complete")
		}
	})
	t.Run("by bytes", func(t *testing.T) {
		r := NewReassembler(Config{MaxReassemblies: 10, MaxReassemblyBytes: 250})
		for tag := range uint16(4) {
			if _, err := r.Add(t0.Add(time.Duration(tag)*time.Second), nil, otLongSrc, otLongDst, first(tag), nil); err != nil {
				t.Fatal(err)
			}
		}
		n, b := r.Pending()
		if n != 2 || b != 192 {
			t.Fatalf("pending %d datagrams, %d bytes; want 2, 192", n, b)
		}
		if c := r.Counters(); c.Drops[DropEvicted] != 2 {
			t.Errorf("evicted %d, want 2", c.Drops[DropEvicted])
		}
	})
}

// TestInputCounters: every Input error is counted under its reason.
func TestInputCounters(t *testing.T) {
	l := New(Config{})
	for _, frame := range []string{"", "3f", "42", "f1 7a", "b5 00 01 00 02", "50 07", "7a 00", "7a 34 3a", "7a d5 77 3a", "7e 33 f7 00"} {
		if _, err := l.Input(t0, nil, otLongSrc, otLongDst, hx(frame)); err == nil {
			t.Fatalf("Input(%s) succeeded", frame)
		}
	}
	c := l.Counters()
	for _, r := range []DropReason{DropTruncated, DropNotLowpan, DropUnsupportedDispatch, DropPageSwitch, DropMesh,
		DropBroadcast, DropReserved, DropUnknownContext, DropChecksumElided} {
		if c.Drops[r] == 0 {
			t.Errorf("%v not counted", r)
		}
	}
	var total uint64
	for _, n := range c.Drops {
		total += n
	}
	if total != 10 {
		t.Errorf("%d drops counted, want 10", total)
	}
	if _, err := l.Input(t0, nil, otLongSrc, otLongDst, hx("7a 33 3a 80 00")); err != nil {
		t.Fatal(err)
	}
	if l.Counters().Received != 1 {
		t.Error("Received not counted")
	}
}

func TestDropReasonString(t *testing.T) {
	seen := map[string]bool{}
	for r := range DropReason(NumDropReasons) {
		s := r.String()
		if s == "" || s == "unknown" || seen[s] {
			t.Errorf("reason %d has name %q", r, s)
		}
		seen[s] = true
	}
	if DropReason(NumDropReasons).String() != "unknown" {
		t.Error("out-of-range reason")
	}
}
