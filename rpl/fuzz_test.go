package rpl

import (
	"net/netip"
	"testing"
)

func FuzzDecodeMessage(f *testing.F) {
	for _, tc := range messageCases {
		f.Add(tc.wire)
	}
	f.Add([]byte{0x9b, 0x8a, 0, 0, 0, 0, 0, 0})
	f.Add(append(append([]byte{}, vecDIO...), 0x00, 0x01, 0x01, 0x00, 0x2a, 0x00))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m1 Message
		if err := m1.Unmarshal(b); err != nil {
			return
		}
		enc, err := m1.Append(nil)
		if err != nil {
			t.Fatalf("Append of a decoded %v: %v", m1.Code, err)
		}
		var m2 Message
		if err := m2.Unmarshal(enc); err != nil {
			t.Fatalf("Unmarshal of re-encoded % x: %v", enc, err)
		}
		if !sameMessage(&m1, &m2) {
			t.Fatalf("round trip changed the message:\n%+v\n%+v", member(&m1), member(&m2))
		}
		enc2, err := m2.Append(nil)
		if err != nil || string(enc2) != string(enc) {
			t.Fatalf("second encoding differs: % x vs % x (%v)", enc, enc2, err)
		}
	})
}

func FuzzSRH(f *testing.F) {
	for _, tc := range srhCases {
		a := tc.firstHop.As16()
		f.Add(tc.wire, a[:], uint8(0))
	}
	f.Fuzz(func(t *testing.T, b, daBytes []byte, localMask uint8) {
		if len(daBytes) < 16 {
			return
		}
		da := netip.AddrFrom16([16]byte(daBytes[:16]))
		isLocal := func(a netip.Addr) bool { return a.As16()[15]&localMask == localMask && localMask != 0 }

		var s SRH
		decoded := s.Unmarshal(b, da) == nil
		if decoded {
			enc, err := s.Append(nil, da)
			if err != nil {
				t.Fatalf("Append of decoded SRH: %v", err)
			}
			var s2 SRH
			if err := s2.Unmarshal(enc, da); err != nil {
				t.Fatalf("Unmarshal of re-encoded SRH: %v", err)
			}
			if s2 != s {
				t.Fatalf("SRH round trip changed it")
			}
		}

		hdr := append([]byte{}, b...)
		d := da.As16()
		fwd, err := ProcessSRH(hdr, &d, isLocal)
		if err != nil || !fwd {
			if string(hdr) != string(b) || d != da.As16() {
				t.Fatal("ProcessSRH changed the packet without forwarding")
			}
			return
		}
		if !decoded {
			return
		}
		// The step swapped Address[i] and the destination.
		i := s.NumAddrs - int(s.SegmentsLeft) + 1
		if netip.AddrFrom16(d) != s.Addrs[i-1] || hdr[3] != s.SegmentsLeft-1 {
			t.Fatalf("ProcessSRH forwarded to %v, want Address[%d] = %v", netip.AddrFrom16(d), i, s.Addrs[i-1])
		}
		var after SRH
		if err := after.Unmarshal(hdr, netip.AddrFrom16(d)); err != nil {
			t.Fatalf("Unmarshal after ProcessSRH: %v", err)
		}
		for j := range s.NumAddrs {
			want := s.Addrs[j]
			if j == i-1 {
				want = da
			}
			// Entries compressed against a prefix the new destination does
			// not share cannot be compared; the swapped one always can.
			if j == i-1 && after.Addrs[j] != want {
				t.Fatalf("Address[%d] after swap = %v, want %v", j+1, after.Addrs[j], want)
			}
		}

		// A route built from the decoded addresses walks to its end.
		if hdr2, err := AppendSourceRoute(nil, 17, da, s.Addrs[:s.NumAddrs]); err == nil {
			cur := da.As16()
			for hop := 0; hop <= s.NumAddrs; hop++ {
				self := netip.AddrFrom16(cur)
				fwd, err := ProcessSRH(hdr2, &cur, func(a netip.Addr) bool { return a == self })
				if err != nil {
					t.Fatalf("walk hop %d: %v", hop, err)
				}
				if !fwd {
					if hop != s.NumAddrs || self != s.Addrs[s.NumAddrs-1] {
						t.Fatalf("walk stopped at hop %d at %v", hop, self)
					}
					break
				}
				if netip.AddrFrom16(cur) != s.Addrs[hop] {
					t.Fatalf("walk hop %d went to %v, want %v", hop, netip.AddrFrom16(cur), s.Addrs[hop])
				}
			}
		}
	})
}

func FuzzRPI(f *testing.F) {
	for _, tc := range rpiCases {
		f.Add(tc.wire)
	}
	f.Add([]byte{0x11, 0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x1e, 0x01, 0x00, 0x63, 0x04, 0x80, 0x00, 0x02, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		var r RPI
		if typ, err := r.UnmarshalOption(b); err == nil {
			opt, err := r.AppendOption(nil, typ)
			if err != nil {
				t.Fatal(err)
			}
			var r2 RPI
			if typ2, err := r2.UnmarshalOption(opt); err != nil || typ2 != typ || r2 != r {
				t.Fatalf("option round trip: %+v %#x %v, want %+v %#x", r2, typ2, err, r, typ)
			}
		}
		var h HopByHop
		if err := h.Unmarshal(b); err != nil || !h.HasRPI {
			return
		}
		if h.Len > len(b) || h.RPIOffset+4 > h.Len || !IsRPIType(b[h.RPIOffset-2]) {
			t.Fatalf("bad offsets %+v for % x", h, b)
		}
		enc, err := h.RPI.AppendHopByHop(nil, h.NextHeader, h.RPIType)
		if err != nil {
			t.Fatal(err)
		}
		var h2 HopByHop
		if err := h2.Unmarshal(enc); err != nil || h2.RPI != h.RPI || h2.RPIType != h.RPIType || h2.NextHeader != h.NextHeader {
			t.Fatalf("hop-by-hop round trip: %+v %v, want %+v", h2, err, h)
		}
	})
}
