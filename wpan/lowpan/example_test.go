package lowpan_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/meshgw/meshgw/wpan"
	"github.com/meshgw/meshgw/wpan/lowpan"
)

// A node sends a 200-byte packet over frames with 81 bytes of payload and
// its neighbour reassembles it.
func Example() {
	a := wpan.ExtAddress(wpan.ExtAddrFromUint64(0x00005eef10221100))
	b := wpan.ExtAddress(wpan.ExtAddrFromUint64(0x00005eef10aabbcc))
	tx, rx := lowpan.New(lowpan.Config{}), lowpan.New(lowpan.Config{})
	for _, l := range []*lowpan.Layer{tx, rx} {
		_ = l.Contexts.Set(lowpan.Context{ID: 0, Prefix: netip.MustParsePrefix("fd00:cafe:face:1234::/64"), Compress: true})
	}

	// fd00:cafe:face:1234:200:5eef:1022:1100 → …:10aa:bbcc, ICMPv6, 160 bytes of payload.
	pkt := make([]byte, 200)
	pkt[0], pkt[5], pkt[6], pkt[7] = 0x60, 160, 58, 64
	src := netip.MustParseAddr("fd00:cafe:face:1234:200:5eef:1022:1100").As16()
	dst := netip.MustParseAddr("fd00:cafe:face:1234:200:5eef:10aa:bbcc").As16()
	copy(pkt[8:], src[:])
	copy(pkt[24:], dst[:])

	var f lowpan.Fragments
	if err := tx.Output(&f, pkt, a, b, 81); err != nil {
		panic(err)
	}
	now := time.Now()
	frame := make([]byte, 0, 127)
	ip := make([]byte, 0, 1280)
	for fr, ok := f.Next(frame[:0]); ok; fr, ok = f.Next(frame[:0]) {
		fmt.Printf("frame of %d bytes, dispatch %#x\n", len(fr), fr[0]&0xf8)
		if fr[0]&0xf8 == 0xc0 {
			fmt.Printf("IPHC % x\n", fr[4:7])
		}
		p, err := rx.Input(now, ip[:0], a, b, fr)
		if err != nil {
			panic(err)
		}
		if p != nil {
			fmt.Printf("reassembled %d bytes\n", len(p))
		}
	}
	// Output:
	// frame of 79 bytes, dispatch 0xc0
	// IPHC 7a 77 3a
	// frame of 77 bytes, dispatch 0xe0
	// frame of 21 bytes, dispatch 0xe0
	// reassembled 200 bytes
}
