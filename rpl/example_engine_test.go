package rpl_test

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/meshgw/meshgw/rpl"
)

// Example_engine joins a router to a root by hand: the node code moves
// messages between PopOutbound and HandleMessage, here directly.
func Example_engine() {
	prefix := netip.MustParsePrefix("2001:db8:1::/64")
	rootLL, routerLL := netip.MustParseAddr("fe80::200:0:0:1"), netip.MustParseAddr("fe80::200:0:0:2")
	root, _ := rpl.New(rpl.Config{Root: true, DODAG: rpl.DefaultDODAGParams(prefix), LinkLocal: rootLL,
		Rand: rand.New(rand.NewPCG(1, 1))})
	router, _ := rpl.New(rpl.Config{LinkLocal: routerLL, Rand: rand.New(rand.NewPCG(1, 2))})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	root.Start(now)
	router.Start(now)

	deliver := func(from, to *rpl.Engine) {
		for {
			msg, out, ok := from.PopOutbound(nil)
			if !ok {
				return
			}
			rpl.SetChecksum(msg, out.Src, out.Dst)
			_ = to.HandleMessage(now, out.Src, out.Dst, msg)
		}
	}
	for range 40 { // 40 s of virtual time
		now = now.Add(time.Second)
		root.Poll(now)
		router.Poll(now)
		deliver(root, router)
		deliver(router, root)
	}

	st := router.State()
	fmt.Println("joined:", st.Joined, "rank:", st.Rank, "parent:", st.Parent)
	fmt.Println("global:", st.Global)
	var d rpl.Decision
	root.Forward(now, &rpl.Packet{Dst: st.Global}, &d)
	fmt.Println("root to router:", d.Action, d.NextHop, "O flag:", d.RPI.Down)
	// Output:
	// joined: true rank: 256 parent: fe80::200:0:0:1
	// global: 2001:db8:1:0:200::2
	// root to router: down fe80::200:0:0:2 O flag: true
}
