package rpl

import (
	"container/heap"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

// The harness connects engines by a neighbour graph with a per-link ETX
// and delivers their messages in virtual time. Data packets are routed
// hop by hop with Forward and ProcessSRH, so end-to-end DAOs and DAO-ACKs
// of non-storing mode travel like any packet.

var (
	testPrefix = netip.MustParsePrefix("2001:db8:1::/64")
	testEpoch  = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

func testLL(i int) netip.Addr {
	return netip.AddrFrom16([16]byte{0: 0xfe, 1: 0x80, 8: 0x02, 14: byte((i + 1) >> 8), 15: byte(i + 1)})
}

func testGlobal(i int) netip.Addr { return joinIID(testPrefix, iidOf(testLL(i))) }

func nodeOf(a netip.Addr) int {
	b := a.As16()
	if b[8] != 0x02 {
		return -1
	}
	return (int(b[14])<<8 | int(b[15])) - 1
}

type simNode struct {
	id   int
	net  *simNet
	e    *Engine
	dead bool
	// got counts data packets delivered to this node.
	got int
}

func (n *simNode) LinkETX(a netip.Addr) (uint16, bool) {
	j := nodeOf(a)
	if j < 0 || j >= len(n.net.nodes) || n.net.nodes[j].dead {
		return 0, false
	}
	etx, ok := n.net.etx[[2]int{n.id, j}]
	return etx, ok
}

type simPacket struct {
	src, dst netip.Addr
	hasRPI   bool
	rpi      RPI
	srh      []byte
	icmp     []byte // a control message, or nil for data
	hops     int
}

type simEvent struct {
	at       time.Time
	seq      int
	to       int
	from     int
	ctlSrc   netip.Addr // link-local control message
	ctlDst   netip.Addr
	ctl      []byte
	pkt      *simPacket
	fromAddr netip.Addr
}

type eventQ []*simEvent

func (q eventQ) Len() int { return len(q) }
func (q eventQ) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q eventQ) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *eventQ) Push(x any)        { *q = append(*q, x.(*simEvent)) }
func (q *eventQ) Pop() any          { o := *q; x := o[len(o)-1]; *q = o[:len(o)-1]; return x }
func (q *eventQ) push(ev *simEvent) { heap.Push(q, ev) }
func (q *eventQ) pop() *simEvent    { return heap.Pop(q).(*simEvent) }
func (q eventQ) peek() (time.Time, bool) {
	if len(q) == 0 {
		return time.Time{}, false
	}
	return q[0].at, true
}

type simNet struct {
	t     testing.TB
	now   time.Time
	nodes []*simNode
	etx   map[[2]int]uint16
	q     eventQ
	seq   int
	rng   *rand.Rand
	// filter, when set, drops a control message from node i to j when it
	// returns false.
	filter func(from, to int, code Code) bool
	// loss is the probability that a control message is lost on a link.
	loss float64
	// Data packet outcomes.
	dataDelivered, dataDropped, dataLost int
	dropReasons                          map[DropReason]int
	// maxHops seen by delivered data packets.
	maxHops int
}

type netOpts struct {
	params DODAGParams
	cfg    func(i int, c *Config)
	seed   uint64
}

func newSimNet(t testing.TB, n int, o netOpts) *simNet {
	s := &simNet{t: t, now: testEpoch, etx: map[[2]int]uint16{}, rng: rand.New(rand.NewPCG(o.seed, 99)),
		dropReasons: map[DropReason]int{}}
	for i := range n {
		nd := &simNode{id: i, net: s}
		cfg := Config{
			Root:      i == 0,
			DODAG:     o.params,
			LinkLocal: testLL(i),
			Rand:      rand.New(rand.NewPCG(o.seed, uint64(i))),
			Metrics:   nd,
		}
		if o.cfg != nil {
			o.cfg(i, &cfg)
		}
		e, err := New(cfg)
		if err != nil {
			t.Fatalf("New(node %d): %v", i, err)
		}
		nd.e = e
		s.nodes = append(s.nodes, nd)
	}
	return s
}

func (s *simNet) link(a, b int, etx uint16) {
	s.etx[[2]int{a, b}] = etx
	s.etx[[2]int{b, a}] = etx
}

func (s *simNet) start() {
	for _, n := range s.nodes {
		n.e.Start(s.now)
	}
}

// kill stops a node; its neighbours learn it at once, as from MLE.
func (s *simNet) kill(i int) {
	s.nodes[i].dead = true
	for j, n := range s.nodes {
		if _, ok := s.etx[[2]int{j, i}]; ok && !n.dead {
			n.e.NeighborLost(s.now, testLL(i))
			s.drain(j)
		}
	}
}

func (s *simNet) push(ev *simEvent) {
	s.seq++
	ev.seq = s.seq
	s.q.push(ev)
}

func (s *simNet) delay() time.Duration {
	return 2*time.Millisecond + time.Duration(s.rng.IntN(3000))*time.Microsecond
}

// drain sends what node i's engine has queued.
func (s *simNet) drain(i int) {
	e := s.nodes[i].e
	for {
		buf, ob, ok := e.PopOutbound(nil)
		if !ok {
			return
		}
		SetChecksum(buf, ob.Src, ob.Dst)
		switch {
		case ob.Dst == AllRPLNodes:
			for j := range s.nodes {
				s.sendCtl(i, j, ob, buf)
			}
		case ob.Dst.IsLinkLocalUnicast():
			s.sendCtl(i, nodeOf(ob.Dst), ob, buf)
		default:
			s.sendPacket(i, &simPacket{src: ob.Src, dst: ob.Dst, icmp: buf}, netip.Addr{})
		}
	}
}

func (s *simNet) sendCtl(from, to int, ob Outbound, msg []byte) {
	if to < 0 || to >= len(s.nodes) || to == from {
		return
	}
	if _, ok := s.etx[[2]int{from, to}]; !ok {
		return
	}
	if s.filter != nil && !s.filter(from, to, ob.Code) {
		return
	}
	if s.loss > 0 && s.rng.Float64() < s.loss {
		return
	}
	s.push(&simEvent{at: s.now.Add(s.delay()), to: to, from: from, ctlSrc: ob.Src, ctlDst: ob.Dst, ctl: msg})
}

// sendPacket runs node i's forwarding decision for a packet it holds.
func (s *simNet) sendPacket(i int, p *simPacket, from netip.Addr) {
	n := s.nodes[i]
	if p.hops++; p.hops > 64 {
		s.dataLost++
		return
	}
	srcRouted := false
	if p.srh != nil && n.e.IsLocal(p.dst) {
		da := p.dst.As16()
		fwd, err := ProcessSRH(p.srh, &da, n.e.IsLocal)
		if err != nil {
			s.dataDropped++
			return
		}
		if !fwd {
			s.deliver(i, p)
			return
		}
		p.dst = netip.AddrFrom16(da)
		srcRouted = true
	}
	pk := Packet{Dst: p.dst, From: from, HasRPI: p.hasRPI, RPI: p.rpi, SourceRouted: srcRouted}
	var d Decision
	n.e.Forward(s.now, &pk, &d)
	switch d.Action {
	case ActionDeliver:
		s.deliver(i, p)
		return
	case ActionDrop:
		s.dataDropped++
		s.dropReasons[d.Drop]++
		return
	case ActionLeave:
		s.dataDropped++
		return
	case ActionSourceRoute:
		srh, err := AppendSourceRoute(nil, 58, d.Route[0], d.Route[1:])
		if err != nil {
			s.t.Fatalf("AppendSourceRoute(%v): %v", d.Route, err)
		}
		p.srh = srh
		p.dst = d.Route[0]
	}
	p.hasRPI, p.rpi = true, d.RPI
	to := nodeOf(d.NextHop)
	if _, ok := s.etx[[2]int{i, to}]; !ok || to < 0 || s.nodes[to].dead || (s.loss > 0 && s.rng.Float64() < s.loss) {
		s.dataLost++
		return
	}
	s.push(&simEvent{at: s.now.Add(s.delay()), to: to, from: i, pkt: p, fromAddr: testLL(i)})
}

func (s *simNet) deliver(i int, p *simPacket) {
	if p.icmp == nil {
		s.nodes[i].got++
		s.dataDelivered++
		s.maxHops = max(s.maxHops, p.hops-1) // hops counts the nodes visited
		return
	}
	if s.filter != nil && !s.filter(nodeOf(p.src), i, Code(p.icmp[1])) {
		return
	}
	_ = s.nodes[i].e.HandleMessage(s.now, p.src, p.dst, p.icmp)
	s.drain(i)
}

// run advances virtual time by d.
func (s *simNet) run(d time.Duration) {
	end := s.now.Add(d)
	for {
		next, ok := s.q.peek()
		who := -1
		for i, n := range s.nodes {
			if n.dead {
				continue
			}
			if dl := n.e.Deadline(); !dl.IsZero() && (!ok || dl.Before(next)) {
				next, ok, who = dl, true, i
			}
		}
		if !ok || next.After(end) {
			s.now = end
			return
		}
		if next.After(s.now) {
			s.now = next
		}
		if who >= 0 {
			s.nodes[who].e.Poll(s.now)
			s.drain(who)
			continue
		}
		ev := s.q.pop()
		n := s.nodes[ev.to]
		if n.dead {
			continue
		}
		if ev.pkt != nil {
			s.sendPacket(ev.to, ev.pkt, ev.fromAddr)
			continue
		}
		_ = n.e.HandleMessage(s.now, ev.ctlSrc, ev.ctlDst, ev.ctl)
		s.drain(ev.to)
	}
}

// sendData sends a data packet from node i to dst.
func (s *simNet) sendData(i int, dst netip.Addr) {
	src, _ := s.nodes[i].e.GlobalAddr()
	s.sendPacket(i, &simPacket{src: src, dst: dst}, netip.Addr{})
}

// grid links a w×h grid (4-neighbourhood) with ETX from etx(a, b).
func (s *simNet) grid(w, h int, etx func(a, b int) uint16) {
	for y := range h {
		for x := range w {
			i := y*w + x
			if x+1 < w {
				s.link(i, i+1, etx(i, i+1))
			}
			if y+1 < h {
				s.link(i, i+w, etx(i, i+w))
			}
		}
	}
}

// checkConverged asserts that every live node that can reach the root is
// joined and that the root routes to all of them.
func (s *simNet) checkConverged(t testing.TB) {
	t.Helper()
	reach := s.reachable()
	root := s.nodes[0].e
	for i, n := range s.nodes[1:] {
		i++
		if n.dead || !reach[i] {
			continue
		}
		st := n.e.State()
		if !st.Joined {
			t.Errorf("node %d not joined: %+v", i, st)
			continue
		}
		g, ok := n.e.GlobalAddr()
		if !ok || g != testGlobal(i) {
			t.Errorf("node %d global address %v, want %v", i, g, testGlobal(i))
		}
		if !root.CanRoute(testGlobal(i)) {
			t.Errorf("root has no route to node %d", i)
		}
	}
}

// reachable returns the live nodes connected to the root.
func (s *simNet) reachable() []bool {
	r := make([]bool, len(s.nodes))
	r[0] = true
	stack := []int{0}
	for len(stack) > 0 {
		a := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for b := range s.nodes {
			if _, ok := s.etx[[2]int{a, b}]; ok && !r[b] && !s.nodes[b].dead {
				r[b] = true
				stack = append(stack, b)
			}
		}
	}
	return r
}

// pingAll sends a packet from the root to every reachable node and one
// back from each, and returns how many of the 2(n-1) arrived.
func (s *simNet) pingAll() (down, up, want int) {
	reach := s.reachable()
	before := make([]int, len(s.nodes))
	for i, n := range s.nodes {
		before[i] = n.got
	}
	rootBefore := s.nodes[0].got
	for i := 1; i < len(s.nodes); i++ {
		if s.nodes[i].dead || !reach[i] {
			continue
		}
		want++
		s.sendData(0, testGlobal(i))
		s.sendData(i, testGlobal(0))
	}
	s.run(5 * time.Second)
	for i := 1; i < len(s.nodes); i++ {
		if s.nodes[i].got > before[i] {
			down++
		}
	}
	return down, s.nodes[0].got - rootBefore, want
}
