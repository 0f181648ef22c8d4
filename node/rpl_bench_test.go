package node

import (
	"net/netip"
	"testing"
	"time"

	"github.com/meshgw/meshgw/radio"
	"github.com/meshgw/meshgw/rpl"
	"github.com/meshgw/meshgw/sim"
)

// swPort is the simulated radio until stub is set; then it keeps the last
// frame handed to it instead of sending it, so that a benchmark can drive
// nodes frame by frame outside the medium.
type swPort struct {
	*sim.Radio
	stub   bool
	handle uint32
	psdu   []byte
}

func (p *swPort) Capabilities() radio.Capabilities {
	if p.Radio == nil {
		return radio.Capabilities{AutoAck: true, Retries: true}
	}
	return p.Radio.Capabilities()
}

func (p *swPort) Configure(c radio.Config) error {
	if p.Radio == nil {
		return nil
	}
	return p.Radio.Configure(c)
}

func (p *swPort) Transmit(r radio.TxRequest) error {
	if !p.stub {
		return p.Radio.Transmit(r)
	}
	p.handle = r.Handle
	p.psdu = append(p.psdu[:0], r.PSDU...)
	return nil
}

// ack completes the frame in flight at n.
func (p *swPort) ack(now time.Time, n *Node) {
	ev := radio.Event{Kind: radio.EventTxDone, TxDone: radio.TxDone{Handle: p.handle, Status: radio.TxAcked, Attempts: 1}}
	n.HandleRadio(now, &ev)
}

// forwardBench is a converged three-node line, root – router – leaf, with
// its radios stubbed.
type forwardBench struct {
	now                 time.Time
	root, router, leaf  *Node
	rootP, routerP, lfP *swPort
	up, down            []byte
}

func newForwardBench(b *testing.B, mode rplMode) *forwardBench {
	b.Helper()
	topo := sim.Line(3, 55)
	m, err := sim.New(topo, sim.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	var nodes [3]*Node
	var ports [3]*swPort
	for i := range 3 {
		c := mleTestConfig(i)
		c.RPL = rplConfig(i, mode)
		ports[i] = &swPort{Radio: m.Radio(sim.NodeID(i))}
		if nodes[i], err = New(c, ports[i]); err != nil {
			b.Fatal(err)
		}
		if err := m.Attach(sim.NodeID(i), nodes[i]); err != nil {
			b.Fatal(err)
		}
	}
	if err := m.RunUntil(3 * time.Minute); err != nil {
		b.Fatal(err)
	}
	p, ok := nodes[2].RPLParent()
	if !ok || p != netip.AddrFrom16(nodes[1].LinkLocal()) || !nodes[0].CanRoute(netip.AddrFrom16(globalOf(nodes[2]))) {
		b.Fatalf("leaf's parent %v (ok %v), want the router", p, ok)
	}
	fb := &forwardBench{now: m.Now(), root: nodes[0], router: nodes[1], leaf: nodes[2], rootP: ports[0], routerP: ports[1], lfP: ports[2]}
	for i, p := range ports {
		p.stub = true
		// Complete what the medium had in flight and drain the queue.
		for nodes[i].inflight {
			p.handle = nodes[i].handle
			p.ack(fb.now, nodes[i])
		}
	}
	rootG, leafG := globalOf(nodes[0]), globalOf(nodes[2])
	fb.up = AppendUDP(nil, leafG, rootG, udpPort, udpPort, 64, make([]byte, 16))
	fb.down = AppendUDP(nil, rootG, leafG, udpPort, udpPort, 64, make([]byte, 16))
	return fb
}

func globalOf(n *Node) [16]byte {
	g, _ := n.GlobalAddr()
	return g.As16()
}

// frames makes count frames from n carrying pkt, as the router receives
// them.
func (fb *forwardBench) frames(b *testing.B, n *Node, p *swPort, pkt []byte, out [][]byte) [][]byte {
	out = out[:0]
	for range cap(out) {
		if err := n.HandlePacket(fb.now, pkt); err != nil {
			b.Fatal(err)
		}
		if !n.inflight {
			b.Fatal("the packet was not sent")
		}
		out = append(out, append([]byte(nil), p.psdu...))
		p.ack(fb.now, n)
		if n.inflight {
			b.Fatal("the packet needs more than one frame")
		}
	}
	return out
}

// BenchmarkForwardThroughRouter measures one packet through a router
// (receive, decrypt, decompress, RPL forward, compress, seal, queue and
// the transmit completion): upward with the RPI updated in place, and in
// non-storing mode downward with the SRH processed in place.
func BenchmarkForwardThroughRouter(b *testing.B) {
	for _, c := range []struct {
		name string
		mode rplMode
		down bool
	}{
		{"up-storing", rplModes[1], false},
		{"down-storing", rplModes[1], true},
		{"up-nonstoring", rplModes[3], false},
		{"down-nonstoring-srh", rplModes[3], true},
	} {
		b.Run(c.name, func(b *testing.B) {
			fb := newForwardBench(b, c.mode)
			src, srcP, pkt := fb.leaf, fb.lfP, fb.up
			if c.down {
				src, srcP, pkt = fb.root, fb.rootP, fb.down
			}
			batch := make([][]byte, 0, 128)
			before := fb.router.Stats().Forwarded
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; {
				b.StopTimer()
				batch = fb.frames(b, src, srcP, pkt, batch)
				b.StartTimer()
				for _, f := range batch {
					if i == b.N {
						break
					}
					fb.router.InjectFrame(fb.now, f, -60)
					fb.routerP.ack(fb.now, fb.router)
					i++
				}
			}
			b.StopTimer()
			if got := fb.router.Stats().Forwarded - before; got != uint64(b.N) {
				b.Fatalf("router forwarded %d of %d packets; stats %+v", got, b.N, fb.router.Stats())
			}
		})
	}
}

// FuzzRouterInput feeds arbitrary IPv6 packets to the receive path of a
// joined RPL router and of a root (extension header parsing, SRH
// processing, tunnels, RPI insertion, delivery): no panic, and every
// packet is either delivered, forwarded or counted as dropped.
func FuzzRouterInput(f *testing.F) {
	fb := newFuzzNodes(f)
	rootG, leafG := globalOf(fb[0]), globalOf(fb[1])
	plain := AppendUDP(nil, leafG, rootG, 1, 2, 64, []byte("x"))
	f.Add(plain, false)
	f.Add(AppendUDP(nil, rootG, leafG, 1, 2, 64, []byte("x")), true)
	withRPI := append([]byte(nil), plain[:ipv6HeaderLen]...)
	withRPI[6] = protoHopByHop
	r := rpl.RPI{SenderRank: 512}
	withRPI, _ = r.AppendHopByHop(withRPI, protoUDP, rpl.RPIType6553)
	withRPI = append(withRPI, plain[ipv6HeaderLen:]...)
	setPayloadLen(withRPI)
	f.Add(withRPI, false)
	srh := append([]byte(nil), plain[:ipv6HeaderLen]...)
	srh[6] = protoRouting
	copy(srh[24:40], rootG[:])
	srh, _ = rpl.AppendSourceRoute(srh, protoUDP, netip.AddrFrom16(rootG), []netip.Addr{netip.AddrFrom16(leafG)})
	srh = append(srh, plain[ipv6HeaderLen:]...)
	setPayloadLen(srh)
	f.Add(srh, true)
	tun := appendIPv6Header(nil, rootG, leafG, protoIPv6, 64, len(plain))
	tun = append(tun, plain...)
	f.Add(tun, false)
	f.Fuzz(func(t *testing.T, pkt []byte, atRoot bool) {
		n := fb[1]
		if atRoot {
			n = fb[0]
		}
		n.rxMLEOnly = false
		buf := append(make([]byte, 0, len(pkt)), pkt...)
		before := n.Stats()
		n.handleIPv6(time.Unix(1000, 0), buf)
		after := n.Stats()
		moved := after.Delivered+after.Forwarded+after.Dropped()+after.EchoReplied+after.RPLControlErrors+after.TxPackets >
			before.Delivered+before.Forwarded+before.Dropped()+before.EchoReplied+before.RPLControlErrors+before.TxPackets
		if !moved && len(pkt) > 0 {
			c, _ := n.RPLCounters()
			if c.DIOReceived+c.DISReceived+c.DAOReceived+c.DAOACKReceived == 0 {
				t.Fatalf("packet %x neither delivered, forwarded nor counted", pkt)
			}
		}
	})
}

// newFuzzNodes returns a root and a router joined to it, without MLE and
// with stub radios, driven by hand.
func newFuzzNodes(f testing.TB) [2]*Node {
	var nodes [2]*Node
	var ports [2]*swPort
	now := time.Unix(1000, 0)
	for i := range 2 {
		c := testConfig(i, new(recorder))
		c.RPL = rplConfig(i, rplModes[3])
		ports[i] = &swPort{stub: true}
		n, err := New(c, ports[i])
		if err != nil {
			f.Fatal(err)
		}
		nodes[i] = n
		n.Poll(now)
		ports[i].ack(now, n)
	}
	// Carry every frame to the other node until the router has joined
	// and the root can route to it.
	pump := func() {
		for moved := true; moved; {
			moved = false
			for i, n := range nodes {
				if len(ports[i].psdu) == 0 {
					continue
				}
				frame := append([]byte(nil), ports[i].psdu...)
				ports[i].psdu = ports[i].psdu[:0]
				ports[i].ack(now, n)
				nodes[1-i].InjectFrame(now, frame, -50)
				moved = true
			}
		}
	}
	for k := 0; k < 600 && !nodes[0].CanRoute(netip.AddrFrom16(globalOf(nodes[1]))); k++ {
		now = now.Add(time.Second)
		for _, n := range nodes {
			n.Poll(now)
		}
		pump()
	}
	if !nodes[0].CanRoute(netip.AddrFrom16(globalOf(nodes[1]))) {
		f.Fatal("the root cannot route to the router")
	}
	return nodes
}
