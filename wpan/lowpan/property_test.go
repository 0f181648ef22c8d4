package lowpan

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/meshgw/meshgw/wpan"
)

// Prefixes the generator draws addresses from and the context
// configurations install: byte-aligned and not, shorter and longer than 64
// bits.
var genPrefixes = []netip.Prefix{
	netip.MustParsePrefix("fd00:cafe:face:1234::/64"),
	netip.MustParsePrefix("2001:db8:1::/48"),
	netip.MustParsePrefix("2001:db8:2:3:4:5::/96"),
	netip.MustParsePrefix("2001:db8:aaaa:bbbb:1:2:3:4/128"),
	netip.MustParsePrefix("2001:db8:5:8000::/49"),
	netip.MustParsePrefix("2001:db8:6:7:8000::/65"),
}

// contextConfigs are the context tables the properties run under.
var contextConfigs = []struct {
	name string
	ctx  func() *Contexts
}{
	{"none", func() *Contexts { return nil }},
	{"stateless only", func() *Contexts { return &Contexts{} }},
	{"C=1", func() *Contexts { return genContexts(func(int) bool { return true }) }},
	{"C=0", func() *Contexts { return genContexts(func(int) bool { return false }) }},
	{"mixed", func() *Contexts { return genContexts(func(i int) bool { return i%2 == 0 }) }},
}

func genContexts(compress func(int) bool) *Contexts {
	var c Contexts
	for i, p := range genPrefixes {
		if err := c.Set(Context{ID: uint8(i * 2), Prefix: p, Compress: compress(i)}); err != nil {
			panic(err)
		}
	}
	return &c
}

type gen struct {
	r        *rand.Rand
	src, dst wpan.Addr
	headers  int // extension headers left to emit
}

func (g *gen) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.r.Uint32())
	}
	return b
}

func (g *gen) linkAddr() wpan.Addr {
	switch g.r.IntN(10) {
	case 0:
		return wpan.Addr{} // absent: nothing may be derived from it
	case 1, 2, 3, 4:
		return wpan.ShortAddress(wpan.ShortAddr(g.r.Uint32()))
	default:
		return wpan.ExtAddress(wpan.ExtAddrFromUint64(g.r.Uint64()))
	}
}

// withPrefix returns a with the first bits of p.
func withPrefix(a [16]byte, p netip.Prefix) [16]byte {
	pa := p.Addr().As16()
	for i := 0; i < p.Bits(); i++ {
		m := byte(0x80) >> (i % 8)
		a[i/8] = a[i/8]&^m | pa[i/8]&m
	}
	return a
}

// unicast returns an address in one of the shapes IPHC distinguishes.
func (g *gen) unicast(ll wpan.Addr) [16]byte {
	var a [16]byte
	iid, hasIID := ll.IID()
	short := [16]byte{11: 0xff, 12: 0xfe, 14: byte(g.r.Uint32()), 15: byte(g.r.Uint32())}
	random := [16]byte(g.bytes(16))
	ctx := genPrefixes[g.r.IntN(len(genPrefixes))]
	switch g.r.IntN(12) {
	case 0: // the unspecified address
	case 1, 2:
		if hasIID {
			copy(a[8:], iid[:])
		}
		a[0], a[1] = 0xfe, 0x80
	case 3:
		a = short
		a[0], a[1] = 0xfe, 0x80
	case 4:
		copy(a[8:], random[8:])
		a[0], a[1] = 0xfe, 0x80
	case 5: // looks link-local but bytes 2–7 are not zero
		a = random
		a[0], a[1], a[7] = 0xfe, 0x80, a[7]|1
	case 6, 7:
		if hasIID {
			copy(a[8:], iid[:])
		}
		a = withPrefix(a, ctx)
	case 8:
		a = withPrefix(short, ctx)
	case 9:
		a = withPrefix(random, ctx)
	case 10: // the prefix with zero bits after it
		a = withPrefix(a, ctx)
	default:
		a = random
	}
	return a
}

func (g *gen) multicast() [16]byte {
	a := [16]byte{0: 0xff}
	switch g.r.IntN(6) {
	case 0:
		a[1], a[15] = 0x02, byte(g.r.Uint32())
	case 1:
		a[1] = byte(g.r.Uint32())
		copy(a[13:], g.bytes(3))
	case 2:
		a[1] = byte(g.r.Uint32())
		copy(a[11:], g.bytes(5))
	case 3: // RFC 3306 unicast-prefix-based, maybe matching a context
		p := genPrefixes[g.r.IntN(len(genPrefixes))]
		a[1], a[2] = 0x30|byte(g.r.IntN(16)), byte(g.r.Uint32())
		a[3] = byte(p.Bits())
		pa := p.Masked().Addr().As16()
		copy(a[4:12], pa[:8])
		copy(a[12:], g.bytes(4))
		if g.r.IntN(4) == 0 {
			a[3]++
		}
	case 4:
		a[1] = 0x1a // all-RPL-nodes shape ff02::1a is case 0; this is ff1a::…
		a[15] = 0x1a
	default:
		copy(a[1:], g.bytes(15))
	}
	return a
}

// ipv6 returns an IPv6 packet with a random header chain.
func (g *gen) ipv6(depth int) []byte {
	proto, rest := g.chain(depth)
	h := make([]byte, 40, 40+len(rest))
	tc := byte(0)
	var fl uint32
	switch g.r.IntN(4) {
	case 1:
		tc = byte(g.r.Uint32())
	case 2:
		fl = g.r.Uint32() & 0xfffff
	case 3:
		tc, fl = byte(g.r.Uint32()), g.r.Uint32()&0xfffff
	}
	binary.BigEndian.PutUint32(h, 6<<28|uint32(tc)<<20|fl)
	binary.BigEndian.PutUint16(h[4:], uint16(len(rest)))
	h[6] = proto
	h[7] = []byte{1, 64, 255, byte(g.r.Uint32())}[g.r.IntN(4)]
	s := g.unicast(g.src)
	var d [16]byte
	if g.r.IntN(3) == 0 {
		d = g.multicast()
	} else {
		d = g.unicast(g.dst)
	}
	copy(h[8:], s[:])
	copy(h[24:], d[:])
	return append(h, rest...)
}

// options returns a Hop-by-Hop or Destination Options body of size total
// bytes less the first two: an RPL Option (RFC 6553) or random options, and
// padding that is canonical or not.
func (g *gen) options(rpi bool) []byte {
	var opts []byte
	if rpi {
		opts = append(opts, 0x63, 4, byte(g.r.Uint32())&0xe0, byte(g.r.Uint32()), byte(g.r.Uint32()), byte(g.r.Uint32()))
	}
	for n := g.r.IntN(3); n > 0; n-- {
		l := g.r.IntN(12)
		opts = append(opts, 0x1e+byte(g.r.IntN(8)), byte(l))
		opts = append(opts, g.bytes(l)...)
	}
	pad := (8 - (len(opts)+2)%8) % 8
	switch g.r.IntN(4) {
	case 0: // Pad1s only
		for range pad {
			opts = append(opts, 0)
		}
	case 1: // padding with content, or a full extra unit of padding
		if pad >= 2 {
			opts = append(opts, 1, byte(pad-2))
			opts = append(opts, g.bytes(pad-2)...)
		} else {
			opts = append(opts, make([]byte, pad)...)
			opts = append(opts, 1, 6, 0, 0, 0, 0, 0, 0)
		}
	default: // canonical
		switch {
		case pad == 1:
			opts = append(opts, 0)
		case pad >= 2:
			opts = append(opts, 1, byte(pad-2))
			opts = append(opts, make([]byte, pad-2)...)
		}
	}
	return opts
}

// chain returns the protocol of the first header after an IPv6 header and
// the bytes from there to the end of the packet.
func (g *gen) chain(depth int) (byte, []byte) {
	k := g.r.IntN(10)
	if g.headers <= 0 && k < 6 {
		k = 7 + g.r.IntN(3)
	}
	switch k {
	case 0, 1, 2, 3, 4: // extension headers
		g.headers--
		var proto byte
		var body []byte
		switch k {
		case 0:
			proto, body = protoHopByHop, g.options(true)
		case 1:
			proto, body = protoDestOpts, g.options(g.r.IntN(2) == 0)
		case 2: // RPL source routing header (RFC 6554): type 3
			n := g.r.IntN(4)
			body = []byte{3, byte(g.r.IntN(n + 1)), byte(g.r.Uint32()), byte(g.r.Uint32()) & 0xf0, 0, 0}
			body = append(body, g.bytes(8*n+8-8)...)
			body = append(body, g.bytes(8)...)
			proto = protoRouting
		case 3: // fragment: what follows is data, never headers
			reserved := byte(0)
			if g.r.IntN(4) == 0 {
				reserved = byte(g.r.Uint32())
			}
			off := uint16(g.r.IntN(2)) * uint16(g.r.Uint32()) &^ 7
			h := []byte{protoUDP, reserved, byte(off >> 8), byte(off) | byte(g.r.IntN(2)), 0, 0, 0, 0}
			copy(h[4:], g.bytes(4))
			return protoFragment, append(h, g.bytes(g.r.IntN(40))...)
		case 4:
			proto, body = protoMobility, g.options(false)
		}
		next, rest := g.chain(depth)
		h := append([]byte{next, byte((len(body)+2)/8 - 1)}, body...)
		if (len(body)+2)%8 != 0 {
			panic("bad generated header length")
		}
		return proto, append(h, rest...)
	case 5:
		if depth < maxNesting {
			return protoIPv6, g.ipv6(depth + 1)
		}
		fallthrough
	case 6, 7:
		sp, dp := g.port(), g.port()
		u := udp(sp, dp, uint16(g.r.Uint32()), g.bytes(g.r.IntN(64)))
		if g.r.IntN(10) == 0 { // a UDP length that does not match
			u[5] ^= 1
		}
		return protoUDP, u
	default:
		return []byte{58, 6, 59, 255}[g.r.IntN(4)], g.bytes(g.r.IntN(80))
	}
}

func (g *gen) port() uint16 {
	switch g.r.IntN(4) {
	case 0:
		return 0xf0b0 | uint16(g.r.IntN(16))
	case 1:
		return 0xf000 | uint16(g.r.IntN(256))
	default:
		return uint16(g.r.Uint32())
	}
}

func newGen(seed uint64) *gen {
	return &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// packet draws link addresses and a packet for them.
func (g *gen) packet() (pkt []byte, src, dst wpan.Addr) {
	g.src, g.dst = g.linkAddr(), g.linkAddr()
	g.headers = g.r.IntN(4)
	return g.ipv6(1), g.src, g.dst
}

// TestPropertyRoundTrip: compress then decompress gives the packet back, for
// random packets of every shape under every context configuration.
func TestPropertyRoundTrip(t *testing.T) {
	for ci, cc := range contextConfigs {
		t.Run(cc.name, func(t *testing.T) {
			ctx := cc.ctx()
			g := newGen(uint64(ci) + 1)
			frame := make([]byte, 0, 2048)
			out := make([]byte, 0, 2048)
			for i := range 4000 {
				pkt, src, dst := g.packet()
				var err error
				frame, err = Compress(frame[:0], pkt, src, dst, ctx)
				if err != nil {
					t.Fatalf("#%d Compress(% x): %v", i, pkt, err)
				}
				if frame[0]&dispatchIPHCMask != dispatchIPHC {
					t.Fatalf("#%d dispatch %#x", i, frame[0])
				}
				out, err = Decompress(out[:0], frame, src, dst, ctx)
				if err != nil {
					t.Fatalf("#%d Decompress(% x) from % x (%v→%v): %v", i, frame, pkt, src, dst, err)
				}
				if !bytes.Equal(out, pkt) {
					t.Fatalf("#%d round trip (%v→%v)\n pkt % x\nfrm % x\n got % x", i, src, dst, pkt, frame, out)
				}
			}
		})
	}
}

// TestPropertyCompressionUsed checks that the generator does reach the
// compressed forms, so the round trip is not vacuous: stateful addresses,
// every NHC kind and IPv6-in-IPv6 must all have appeared.
func TestPropertyCompressionUsed(t *testing.T) {
	ctx := contextConfigs[2].ctx()
	g := newGen(99)
	seen := map[string]bool{}
	for range 4000 {
		pkt, src, dst := g.packet()
		frame, err := Compress(nil, pkt, src, dst, ctx)
		if err != nil {
			t.Fatal(err)
		}
		if frame[1]&iphcSAC != 0 && (frame[1]>>4)&3 != 0 {
			seen["stateful src"] = true
		}
		if frame[1]&(iphcM|iphcDAC) == iphcM|iphcDAC {
			seen["stateful multicast"] = true
		}
		if frame[1]&iphcCID != 0 {
			seen["CID"] = true
		}
		for _, b := range frame[2:] {
			switch {
			case b == nhcIPv6:
				seen["EID7"] = true
			case b&0xf8 == nhcUDP && b&4 == 0:
				seen["UDP"] = true
			}
		}
	}
	for _, k := range []string{"stateful src", "stateful multicast", "CID", "EID7", "UDP"} {
		if !seen[k] {
			t.Errorf("generator never produced %s", k)
		}
	}
}

// TestPropertyFragmentReassemble: fragment, shuffle, duplicate, reassemble
// gives the packet, for random packets up to 1280 bytes and random budgets.
func TestPropertyFragmentReassemble(t *testing.T) {
	for ci, cc := range contextConfigs {
		t.Run(cc.name, func(t *testing.T) {
			g := newGen(uint64(ci) + 100)
			tx, rx := New(Config{}), New(Config{})
			if c := cc.ctx(); c != nil {
				tx.Contexts, rx.Contexts = *c, *c
			}
			var f Fragments
			now := time.Unix(1000, 0)
			for i := range 1500 {
				pkt, src, dst := g.packet()
				// Pad to a random size up to 1280 with a trailing payload
				// the headers do not describe: use an outer UDP-less
				// packet of the right size.
				if g.r.IntN(2) == 0 {
					pkt = ip6(0x60000000, 58, 64, llSrc, "ff02::1a", g.bytes(g.r.IntN(1241)))
				}
				budget := minBudget + g.r.IntN(127-minBudget)
				if err := tx.Output(&f, pkt, src, dst, budget); err != nil {
					t.Fatalf("#%d Output(budget %d, %d bytes): %v", i, budget, len(pkt), err)
				}
				var frames [][]byte
				for fr, ok := f.Next(nil); ok; fr, ok = f.Next(nil) {
					if len(fr) > budget {
						t.Fatalf("#%d frame of %d bytes > budget %d", i, len(fr), budget)
					}
					frames = append(frames, fr)
				}
				if len(frames) != f.Frames() {
					t.Fatalf("#%d Frames() = %d, produced %d", i, f.Frames(), len(frames))
				}
				// Shuffle, then duplicate fragments (unfragmented frames
				// are deduplicated by the MAC, not here) at random places
				// before the fragment that completes the datagram.
				g.r.Shuffle(len(frames), func(a, b int) { frames[a], frames[b] = frames[b], frames[a] })
				if len(frames) > 1 {
					last := frames[len(frames)-1]
					for n := g.r.IntN(4); n > 0; n-- {
						d := frames[g.r.IntN(len(frames))]
						if bytes.Equal(d, last) {
							continue
						}
						at := g.r.IntN(len(frames) - 1)
						frames = append(frames[:at+1], frames[at:]...)
						frames[at] = d
					}
				}
				var got []byte
				delivered := 0
				for _, fr := range frames {
					p, err := rx.Input(now, make([]byte, 0, 1280), src, dst, fr)
					if err != nil {
						t.Fatalf("#%d Input: %v (budget %d, %d frames)", i, err, budget, len(frames))
					}
					if p != nil {
						got = p
						delivered++
					}
				}
				if delivered != 1 || !bytes.Equal(got, pkt) {
					t.Fatalf("#%d delivered %d packets; got\n% x\nwant\n% x", i, delivered, got, pkt)
				}
				if d, _ := rx.Pending(); d != 0 {
					t.Fatalf("#%d %d reassemblies left", i, d)
				}
				now = now.Add(time.Second)
			}
			c := rx.Counters()
			if c.Reassembled == 0 || c.Drops[DropDuplicate] == 0 {
				t.Errorf("counters %+v: expected reassemblies and duplicates", c)
			}
		})
	}
}
