package wpan

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

var (
	extA = ExtAddrFromUint64(0x0011223344556677)
	extB = ExtAddrFromUint64(0x8899aabbccddeeff)
)

func addrOf(m AddrMode, n int) Addr {
	switch m {
	case AddrShort:
		return ShortAddress(ShortAddr(0x1000 + n))
	case AddrExt:
		if n == 0 {
			return ExtAddress(extA)
		}
		return ExtAddress(extB)
	}
	return Addr{}
}

// TestHeaderLen checks the 2006 header lengths of reference §1.3
// (OpenThread test_mac_frame.cpp).
func TestHeaderLen(t *testing.T) {
	N, S, E := AddrNone, AddrShort, AddrExt
	cases := []struct {
		dst, src AddrMode
		comp     bool
		kim      KeyIDMode
		secure   bool
		hdr      int
		footer   int
	}{
		{N, N, false, 0, false, 3, 2},
		{N, S, false, 0, false, 7, 2},
		{N, E, false, 0, false, 13, 2},
		{S, N, false, 0, false, 7, 2},
		{E, N, false, 0, false, 13, 2},
		{S, S, false, 0, false, 11, 2},
		{S, E, false, 0, false, 17, 2},
		{E, S, false, 0, false, 17, 2},
		{E, E, false, 0, false, 23, 2},
		{S, S, true, 0, false, 9, 2},
		{S, E, true, 0, false, 15, 2},
		{E, S, true, 0, false, 15, 2},
		{E, E, true, 0, false, 21, 2},
		{S, S, true, KeyIDIndex, true, 15, 6},
		{S, S, true, KeyIDSource4, true, 19, 6},
	}
	for _, c := range cases {
		name := fmt.Sprintf("%v-%v-comp%v-kim%d-sec%v", c.dst, c.src, c.comp, c.kim, c.secure)
		t.Run(name, func(t *testing.T) {
			f := Frame{Type: FrameData, Version: Version2006, Dst: addrOf(c.dst, 0), Src: addrOf(c.src, 1),
				PANIDCompression: c.comp, DstPAN: 0x1234, SrcPAN: 0x1234}
			if !c.comp {
				f.SrcPAN = 0x5678
			}
			if c.secure {
				f.Security = true
				f.Aux = AuxHeader{Level: LevelMIC32, KeyIDMode: c.kim, KeyIndex: 1}
			}
			if got := f.HeaderLen(); got != c.hdr {
				t.Fatalf("HeaderLen = %d, want %d", got, c.hdr)
			}
			if got := f.Overhead() - f.HeaderLen(); got != c.footer {
				t.Fatalf("footer = %d, want %d", got, c.footer)
			}
			if got := f.MaxPayload(); got != MaxPSDU-c.hdr-c.footer {
				t.Fatalf("MaxPayload = %d, want %d", got, MaxPSDU-c.hdr-c.footer)
			}
			f.MIC = make([]byte, f.Aux.Level.MICLen())
			if !c.secure {
				f.MIC = nil
			}
			f.Payload = make([]byte, f.MaxPayload())
			b, err := f.AppendTo(nil)
			if err != nil || len(b) != MaxFrameLen {
				t.Fatalf("full frame: len %d, %v; want %d", len(b), err, MaxFrameLen)
			}
			f.Payload = append(f.Payload, 0)
			if _, err := f.AppendTo(nil); !errors.Is(err, ErrFrameTooLong) {
				t.Fatalf("one byte more: %v, want ErrFrameTooLong", err)
			}
		})
	}
}

// TestRFC4944Budget checks the RFC 4944 §1 numbers: 25 bytes of maximum
// overhead leave 102; AES-CCM-128 costs 21 more (81), CCM-64 13, CCM-32 9.
func TestRFC4944Budget(t *testing.T) {
	f := Frame{Type: FrameData, Version: Version2006}
	f.SetAddrs(0x1234, ExtAddress(extA), 0x5678, ExtAddress(extB))
	if got := f.MaxPayload(); got != 102 {
		t.Fatalf("unsecured MaxPayload = %d, want 102", got)
	}
	f.Security = true
	for _, c := range []struct {
		level SecurityLevel
		want  int
	}{{LevelENCMIC128, 81}, {LevelENCMIC64, 89}, {LevelENCMIC32, 93}} {
		f.Aux = AuxHeader{Level: c.level}
		if got := f.MaxPayload(); got != c.want {
			t.Errorf("%v: MaxPayload = %d, want %d", c.level, got, c.want)
		}
	}
}

// TestPANIDPresence checks both tables of reference §1.4 (Contiki-NG
// test-panid-handling.c; IEEE 802.15.4-2015 Table 7-2).
func TestPANIDPresence(t *testing.T) {
	N, S, E := AddrNone, AddrShort, AddrExt
	type row struct {
		dst, src     AddrMode
		comp         bool
		dstPAN, srcP bool
		ok           bool
	}
	v2006 := []row{
		{N, N, false, false, false, true},
		{N, N, true, false, false, false},
		{S, N, false, true, false, true},
		{E, N, false, true, false, true},
		{S, N, true, false, false, false},
		{N, S, false, false, true, true},
		{N, E, false, false, true, true},
		{N, E, true, false, false, false},
		{S, S, false, true, true, true},
		{S, E, false, true, true, true},
		{E, S, false, true, true, true},
		{E, E, false, true, true, true},
		{S, S, true, true, false, true},
		{S, E, true, true, false, true},
		{E, S, true, true, false, true},
		{E, E, true, true, false, true},
	}
	v2015 := []row{
		{N, N, false, false, false, true}, // 1
		{N, N, true, true, false, true},   // 2
		{S, N, false, true, false, true},  // 3
		{E, N, false, true, false, true},  // 3
		{S, N, true, false, false, true},  // 4
		{E, N, true, false, false, true},  // 4
		{N, S, false, false, true, true},  // 5
		{N, E, false, false, true, true},  // 5
		{N, S, true, false, false, true},  // 6
		{N, E, true, false, false, true},  // 6
		{E, E, false, true, false, true},  // 7
		{E, E, true, false, false, true},  // 8
		{S, S, false, true, true, true},   // 9
		{S, E, false, true, true, true},   // 10
		{E, S, false, true, true, true},   // 11
		{S, E, true, true, false, true},   // 12
		{E, S, true, true, false, true},   // 13
		{S, S, true, true, false, true},   // 14
	}
	for _, tc := range []struct {
		v    FrameVersion
		rows []row
	}{{Version2003, v2006}, {Version2006, v2006}, {Version2015, v2015}} {
		for _, r := range tc.rows {
			d, s, ok := PANIDPresence(tc.v, r.dst, r.src, r.comp)
			if d != r.dstPAN || s != r.srcP || ok != r.ok {
				t.Errorf("v%v %v/%v comp=%v: got dst=%v src=%v ok=%v, want %v %v %v",
					tc.v, r.dst, r.src, r.comp, d, s, ok, r.dstPAN, r.srcP, r.ok)
			}
		}
	}
}

// frameEqual compares every field of two frames, slices by content.
func frameEqual(a, b *Frame) bool {
	return a.Type == b.Type && a.Version == b.Version && a.Security == b.Security &&
		a.FramePending == b.FramePending && a.AckRequest == b.AckRequest &&
		a.PANIDCompression == b.PANIDCompression && a.SeqSuppressed == b.SeqSuppressed &&
		a.Seq == b.Seq && a.DstPAN == b.DstPAN && a.Dst == b.Dst && a.SrcPAN == b.SrcPAN &&
		a.Src == b.Src && a.Aux == b.Aux && bytes.Equal(a.HeaderIEs, b.HeaderIEs) &&
		bytes.Equal(a.PayloadIEs, b.PayloadIEs) && bytes.Equal(a.Payload, b.Payload) &&
		bytes.Equal(a.MIC, b.MIC) && a.pieHidden == b.pieHidden
}

// TestRoundTripAddressing encodes and decodes every addressing mode and
// PAN ID compression combination of every version, with PANs equal and
// different, through SetAddrs and through an explicit compression bit.
func TestRoundTripAddressing(t *testing.T) {
	modes := []AddrMode{AddrNone, AddrShort, AddrExt}
	for _, v := range []FrameVersion{Version2003, Version2006, Version2015} {
		for _, dm := range modes {
			for _, sm := range modes {
				for _, comp := range []bool{false, true} {
					for _, samePAN := range []bool{false, true} {
						name := fmt.Sprintf("v%v/%v-%v/comp=%v/samePAN=%v", v, dm, sm, comp, samePAN)
						t.Run(name, func(t *testing.T) {
							roundTripAddressing(t, v, dm, sm, comp, samePAN)
						})
					}
				}
			}
		}
	}
}

func roundTripAddressing(t *testing.T, v FrameVersion, dm, sm AddrMode, comp, samePAN bool) {
	dp, sp, ok := PANIDPresence(v, dm, sm, comp)
	f := Frame{Type: FrameData, Version: v, Seq: 7, Dst: addrOf(dm, 0), Src: addrOf(sm, 1),
		PANIDCompression: comp, Payload: []byte("hello")}
	// Fill the PAN fields the way Decode reports them.
	if dp {
		f.DstPAN = 0xabcd
	}
	if sp {
		f.SrcPAN = 0xabcd
		if !samePAN {
			f.SrcPAN = 0x1234
		}
	} else if dp && dm != AddrNone && sm != AddrNone {
		f.SrcPAN = f.DstPAN
	}
	b, err := f.AppendTo(nil)
	if !ok {
		if !errors.Is(err, ErrPANIDCompression) {
			t.Fatalf("AppendTo = %v, want ErrPANIDCompression", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("AppendTo: %v", err)
	}
	if want := 3 + panLen(dp) + panLen(sp) + addrLen(dm) + addrLen(sm) + 5; len(b) != want {
		t.Fatalf("length %d, want %d", len(b), want)
	}
	var g Frame
	if err := g.Decode(b); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if !frameEqual(&f, &g) {
		t.Fatalf("round trip\n got %+v\nwant %+v", g, f)
	}
	// SetAddrs chooses a valid compression for the same addresses and
	// PANs, and the result decodes to the same addressing.
	dstPAN, srcPAN := PANID(0xabcd), PANID(0xabcd)
	if !samePAN {
		srcPAN = 0x1234
	}
	h := Frame{Type: FrameData, Version: v, Payload: []byte("x")}
	h.SetAddrs(dstPAN, f.Dst, srcPAN, f.Src)
	b, err = h.AppendTo(nil)
	if v == Version2015 && dm == AddrExt && sm == AddrExt && !samePAN {
		if !errors.Is(err, ErrPANIDMismatch) {
			t.Fatalf("2015 ext/ext inter-PAN: %v, want ErrPANIDMismatch", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("SetAddrs frame: %v", err)
	}
	if err := g.Decode(b); err != nil {
		t.Fatal(err)
	}
	if g.Dst != h.Dst || g.Src != h.Src {
		t.Fatalf("SetAddrs round trip addresses %v %v", g.Dst, g.Src)
	}
	if dm != AddrNone && g.DstPAN != dstPAN {
		t.Fatalf("dst PAN %#x, want %#x", g.DstPAN, dstPAN)
	}
	if sm != AddrNone && g.SrcPAN != srcPAN {
		t.Fatalf("src PAN %#x, want %#x", g.SrcPAN, srcPAN)
	}
}

// TestIERoundTrip covers header and payload IEs with and without payload
// and terminations, plain and MIC-only secured.
func TestIERoundTrip(t *testing.T) {
	hie := unhex("04 0d 11 22 33 44") // LE-CSL header IE
	pie := unhex("03 88 aa bb cc")    // payload IE, group 1 (MLME), 3 bytes
	cases := []struct {
		name          string
		hdr, pay      []byte
		payload       []byte
		wantOnAirTail string
	}{
		{"header IEs only", hie, nil, nil, "04 0d 11 22 33 44"},
		{"header IEs + payload", hie, nil, []byte{0xee}, "04 0d 11 22 33 44 80 3f ee"},
		{"payload IEs only", nil, pie, nil, "00 3f 03 88 aa bb cc"},
		{"payload IEs + payload", nil, pie, []byte{0xee}, "00 3f 03 88 aa bb cc 00 f8 ee"},
		{"both + payload", hie, pie, []byte{0xee}, "04 0d 11 22 33 44 00 3f 03 88 aa bb cc 00 f8 ee"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := Frame{Type: FrameData, Version: Version2015, Seq: 1, HeaderIEs: c.hdr, PayloadIEs: c.pay, Payload: c.payload}
			f.SetAddrs(0xface, ShortAddress(1), 0xface, ShortAddress(2))
			b, err := f.AppendTo(nil)
			if err != nil {
				t.Fatal(err)
			}
			if want := unhex(c.wantOnAirTail); !bytes.HasSuffix(b, want) {
				t.Fatalf("frame %x does not end with %x", b, want)
			}
			var g Frame
			if err := g.Decode(b); err != nil {
				t.Fatal(err)
			}
			if !frameEqual(&f, &g) {
				t.Fatalf("round trip\n got %+v\nwant %+v", g, f)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	long := make([]byte, MaxFrameLen+1)
	long[0], long[1] = 0x41, 0x88
	cases := []struct {
		name  string
		frame string
		want  error
	}{
		{"empty", "", ErrTruncated},
		{"one byte", "41", ErrTruncated},
		{"no seq", "41 88", ErrTruncated},
		{"short dst cut", "41 88 01 cd ab 01", ErrTruncated},
		{"ext src cut", "41 cc 01 cd ab 01 02 03 04 05 06 07 08 01 02 03", ErrTruncated},
		{"aux header cut", "69 98 01 cd ab 01 00 02 00 0d 01 00", ErrTruncated},
		{"MIC longer than frame", "69 98 01 cd ab 01 00 02 00 07 01 00 00 00 aa", ErrTruncated},
		{"reserved frame type 4", "44 88 01 cd ab 01 00 02 00", ErrReservedFrameType},
		{"multipurpose frame type 5", "45 88 01 cd ab 01 00 02 00", ErrUnsupportedFrameType},
		{"frak frame type 6", "46 88 01", ErrUnsupportedFrameType},
		{"extended frame type 7", "47 88 01", ErrUnsupportedFrameType},
		{"reserved version 3", "41 b8 01 cd ab 01 00 02 00", ErrReservedFrameVersion},
		{"reserved dst mode 1", "41 84 01 cd ab 01 00 02 00", ErrReservedAddrMode},
		{"reserved src mode 1", "41 48 01 cd ab 01 00 02 00", ErrReservedAddrMode},
		{"2006 comp without src", "41 18 01 cd ab 01 00", ErrPANIDCompression},
		{"2003 security", "49 88 01 cd ab 01 00 02 00 05 00 00 00 00", ErrUnsupportedSecurity},
		{"aux reserved bit 7", "69 98 01 cd ab 01 00 02 00 80 00 00 00 00", ErrBadAuxHeader},
		{"aux FC suppression in 2006", "69 98 01 cd ab 01 00 02 00 20 00", ErrBadAuxHeader},
		{"header IE cut", "41 aa 01 cd ab 01 00 02 00 04 0d 11", ErrBadIE},
		{"header IE odd byte", "41 aa 01 cd ab 01 00 02 00 04", ErrBadIE},
		{"HT1 with length", "41 aa 01 cd ab 01 00 02 00 01 3f 00", ErrBadIE},
		{"payload descriptor in header list", "41 aa 01 cd ab 01 00 02 00 00 88", ErrBadIE},
		{"payload IE cut", "41 aa 01 cd ab 01 00 02 00 00 3f 05 88 aa", ErrBadIE},
		{"header descriptor in payload list", "41 aa 01 cd ab 01 00 02 00 00 3f 00 0d", ErrBadIE},
		{"too long", fmt.Sprintf("%x", long), ErrFrameTooLong},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var f Frame
			err := f.Decode(unhex(c.frame))
			if !errors.Is(err, c.want) {
				t.Fatalf("Decode = %v, want %v", err, c.want)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	base := func() Frame {
		f := Frame{Type: FrameData, Version: Version2006}
		f.SetAddrs(1, ShortAddress(1), 1, ShortAddress(2))
		return f
	}
	cases := []struct {
		name string
		mod  func(*Frame)
		want error
	}{
		{"reserved type", func(f *Frame) { f.Type = FrameReserved }, ErrReservedFrameType},
		{"multipurpose", func(f *Frame) { f.Type = FrameMultipurpose }, ErrUnsupportedFrameType},
		{"type out of range", func(f *Frame) { f.Type = 9 }, ErrInvalidField},
		{"reserved version", func(f *Frame) { f.Version = 3 }, ErrReservedFrameVersion},
		{"reserved addr mode", func(f *Frame) { f.Dst.Mode = 1 }, ErrReservedAddrMode},
		{"seq suppression in 2006", func(f *Frame) { f.SeqSuppressed = true }, ErrInvalidField},
		{"IEs in 2006", func(f *Frame) { f.HeaderIEs = unhex("00 0d") }, ErrInvalidField},
		{"src PAN differs", func(f *Frame) { f.SrcPAN = 9 }, ErrPANIDMismatch},
		{"MIC without security", func(f *Frame) { f.MIC = []byte{1} }, ErrInvalidField},
		{"MIC wrong length", func(f *Frame) { f.Security = true; f.Aux.Level = LevelMIC32; f.MIC = []byte{1} }, ErrInvalidField},
		{"2003 security", func(f *Frame) { f.Version = Version2003; f.Security = true }, ErrUnsupportedSecurity},
		{"key source beyond mode", func(f *Frame) { f.Security = true; f.Aux.KeySource[0] = 1 }, ErrInvalidField},
		{"bad header IE", func(f *Frame) { f.Version = Version2015; f.HeaderIEs = unhex("05 0d 00") }, ErrBadIE},
		{"terminator in header IEs", func(f *Frame) { f.Version = Version2015; f.HeaderIEs = unhex("80 3f") }, ErrBadIE},
		{"bad payload IE", func(f *Frame) { f.Version = Version2015; f.PayloadIEs = unhex("00 0d") }, ErrBadIE},
		{"too long", func(f *Frame) { f.Payload = make([]byte, 120) }, ErrFrameTooLong},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := base()
			c.mod(&f)
			dst := []byte{0xAA}
			got, err := f.AppendTo(dst)
			if !errors.Is(err, c.want) {
				t.Fatalf("AppendTo = %v, want %v", err, c.want)
			}
			if len(got) != 1 {
				t.Fatalf("dst changed on error: %x", got)
			}
		})
	}
}

func TestPeekAckInfo(t *testing.T) {
	f := Frame{Type: FrameData, Version: Version2006, AckRequest: true, FramePending: true, Seq: 42}
	f.SetAddrs(0xface, ExtAddress(extA), 0xface, ShortAddress(0x0c00))
	b, err := f.AppendTo(nil)
	if err != nil {
		t.Fatal(err)
	}
	info, err := PeekAckInfo(b)
	if err != nil {
		t.Fatal(err)
	}
	want := AckInfo{Type: FrameData, Version: Version2006, AckRequest: true, FramePending: true, PANIDCompression: true,
		Seq: 42, DstPANPresent: true, DstPAN: 0xface, Dst: ExtAddress(extA), SrcPAN: 0xface, Src: ShortAddress(0x0c00)}
	if info != want {
		t.Fatalf("PeekAckInfo\n got %+v\nwant %+v", info, want)
	}
	ack, err := PeekAckInfo(AppendImmAck(nil, 42, true))
	if err != nil || ack.Type != FrameAck || ack.Seq != 42 || !ack.FramePending || ack.Dst.Mode != AddrNone {
		t.Fatalf("PeekAckInfo(imm-ack) = %+v, %v", ack, err)
	}
	if _, err := PeekAckInfo(unhex("44 88")); !errors.Is(err, ErrReservedFrameType) {
		t.Fatalf("reserved type: %v", err)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = PeekAckInfo(b) }); n != 0 {
		t.Fatalf("PeekAckInfo allocates %v times", n)
	}
}

func TestAuxHeaderRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		aux  AuxHeader
		wire string
	}{
		{"KIM 0", AuxHeader{Level: LevelMIC64, FrameCounter: 5}, "02 05 00 00 00"},
		{"KIM 1 Thread", AuxHeader{Level: LevelENCMIC32, KeyIDMode: KeyIDIndex, FrameCounter: 1, KeyIndex: 1}, "0d 01 00 00 00 01"},
		{"KIM 2", AuxHeader{Level: LevelENCMIC32, KeyIDMode: KeyIDSource4, FrameCounter: 0x01020304,
			KeySource: [8]byte{0, 0, 0, 7}, KeyIndex: 0xff}, "15 04 03 02 01 00 00 00 07 ff"},
		{"KIM 3", AuxHeader{Level: LevelENCMIC128, KeyIDMode: KeyIDSource8, FrameCounter: 9,
			KeySource: [8]byte{1, 2, 3, 4, 5, 6, 7, 8}, KeyIndex: 2}, "1f 09 00 00 00 01 02 03 04 05 06 07 08 02"},
		{"FC suppressed ASN", AuxHeader{Level: LevelENCMIC32, KeyIDMode: KeyIDIndex, FrameCounterSuppressed: true,
			ASNInNonce: true, KeyIndex: 3}, "6d 03"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := c.aux.AppendTo(nil)
			if err != nil || !bytes.Equal(b, unhex(c.wire)) {
				t.Fatalf("AppendTo = %x, %v; want %s", b, err, c.wire)
			}
			if c.aux.Len() != len(b) {
				t.Fatalf("Len = %d, want %d", c.aux.Len(), len(b))
			}
			var a AuxHeader
			n, err := a.Decode(append(b, 0xEE))
			if err != nil || n != len(b) || a != c.aux {
				t.Fatalf("Decode = %+v, %d, %v", a, n, err)
			}
			for i := range b {
				if _, err := a.Decode(b[:i]); !errors.Is(err, ErrTruncated) {
					t.Fatalf("Decode(%d bytes) = %v, want ErrTruncated", i, err)
				}
			}
		})
	}
}

func TestSecurityLevels(t *testing.T) {
	mic := []int{0, 4, 8, 16, 0, 4, 8, 16}
	for l := SecurityLevel(0); l <= 7; l++ {
		if l.MICLen() != mic[l] || l.Encrypted() != (l >= 4) {
			t.Errorf("level %v: MICLen %d Encrypted %v", l, l.MICLen(), l.Encrypted())
		}
	}
}
