package rpl

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

// benchRouter returns node 1 of a formed 0-1-2 line.
func benchLine(b *testing.B, mop MOP) *simNet {
	p := DefaultDODAGParams(testPrefix)
	p.MOP = mop
	s := newSimNet(b, 3, netOpts{params: p, seed: 1})
	s.link(0, 1, 128)
	s.link(1, 2, 128)
	s.start()
	s.run(time.Minute)
	if !s.nodes[2].e.Joined() {
		b.Fatal("line did not form")
	}
	return s
}

func BenchmarkHandleMessageDIO(b *testing.B) {
	s := benchLine(b, MOPNonStoring)
	e := s.nodes[1].e
	root := s.nodes[0].e
	root.queueDIO(AllRPLNodes)
	msg, _, _ := root.PopOutbound(nil)
	SetChecksum(msg, testLL(0), AllRPLNodes)
	now := s.now
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if err := e.HandleMessage(now, testLL(0), AllRPLNodes, msg); err != nil {
			b.Fatal(err)
		}
	}
	if e.PendingOutbound() != 0 {
		b.Fatalf("a consistent DIO queued %d messages", e.PendingOutbound())
	}
}

func BenchmarkForwardUp(b *testing.B) {
	s := benchLine(b, MOPNonStoring)
	e := s.nodes[1].e
	p := Packet{Dst: testGlobal(0), From: testLL(2), HasRPI: true, RPI: RPI{SenderRank: s.nodes[2].e.Rank()}}
	var d Decision
	b.ReportAllocs()
	for b.Loop() {
		e.Forward(s.now, &p, &d)
	}
	if d.Action != ActionUp {
		b.Fatal(d)
	}
}

func BenchmarkForwardDownStoring(b *testing.B) {
	s := benchLine(b, MOPStoring)
	e := s.nodes[1].e
	p := Packet{Dst: testGlobal(2), From: testLL(0), HasRPI: true, RPI: RPI{Down: true, SenderRank: 128}}
	var d Decision
	b.ReportAllocs()
	for b.Loop() {
		e.Forward(s.now, &p, &d)
	}
	if d.Action != ActionDown {
		b.Fatal(d)
	}
}

// bigRoot builds a root with n nodes below it, all announced by DAOs: a
// random recursive tree (each node's parent is an earlier node or the
// root). It returns the root and the targets.
func bigRoot(b *testing.B, mop MOP, n int) (*Engine, []netip.Addr, time.Time) {
	p := DefaultDODAGParams(testPrefix)
	p.MOP = mop
	e, err := New(Config{Root: true, DODAG: p, LinkLocal: testLL(0), Rand: rand.New(rand.NewPCG(1, 2)), MaxRoutes: n + 16})
	if err != nil {
		b.Fatal(err)
	}
	now := testEpoch
	e.Start(now)
	r := rand.New(rand.NewPCG(3, 4))
	targets := make([]netip.Addr, n)
	var msg []byte
	for i := range n {
		node := i + 1
		targets[i] = testGlobal(node)
		parent := r.IntN(node) // 0 is the root
		d := DAO{Instance: 0, Sequence: LollipopInit, NumTargets: 1, NumTransits: 1}
		d.Targets[0] = Target{Prefix: netip.PrefixFrom(targets[i], 128)}
		d.Transits[0] = Transit{PathSequence: LollipopInit, PathLifetime: 30}
		src, dst := testLL(parent), testLL(0)
		if mop == MOPNonStoring {
			d.Transits[0].Parent = testGlobal(parent)
			src, dst = targets[i], testGlobal(0)
		}
		msg, _ = d.Append(msg[:0])
		SetChecksum(msg, src, dst)
		if err := e.HandleMessage(now, src, dst, msg); err != nil {
			b.Fatal(err)
		}
		for {
			if _, _, ok := e.PopOutbound(nil); !ok {
				break
			}
		}
	}
	if got := e.State().Routes; got != n {
		b.Fatalf("root has %d routes, want %d", got, n)
	}
	return e, targets, now
}

func BenchmarkSourceRoute10k(b *testing.B) {
	e, targets, now := bigRoot(b, MOPNonStoring, 10000)
	for _, t := range targets { // warm the caches
		if _, ok := e.SourceRoute(t); !ok {
			b.Fatalf("no route to %v", t)
		}
	}
	var d Decision
	p := Packet{}
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		p.Dst = targets[i]
		if i++; i == len(targets) {
			i = 0
		}
		e.Forward(now, &p, &d)
		if d.Action != ActionSourceRoute && d.Action != ActionDown {
			b.Fatal(d)
		}
	}
}

// BenchmarkSourceRoute10kCold measures the route computation itself: the
// graph generation changes before every lookup, as after a DAO that moved
// a node.
func BenchmarkSourceRoute10kCold(b *testing.B) {
	e, targets, _ := bigRoot(b, MOPNonStoring, 10000)
	for _, t := range targets {
		e.SourceRoute(t)
	}
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		e.graph.gen++
		if _, ok := e.SourceRoute(targets[i]); !ok {
			b.Fatal("no route")
		}
		if i++; i == len(targets) {
			i = 0
		}
	}
}

func BenchmarkForwardStoringRoot10k(b *testing.B) {
	e, targets, now := bigRoot(b, MOPStoring, 10000)
	var d Decision
	p := Packet{}
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		p.Dst = targets[i]
		if i++; i == len(targets) {
			i = 0
		}
		e.Forward(now, &p, &d)
		if d.Action != ActionDown {
			b.Fatal(d)
		}
	}
}

// BenchmarkHandleDAORefresh10k is a non-storing root taking a refresh DAO
// (same parent) at 10,000 nodes and answering with a DAO-ACK.
func BenchmarkHandleDAORefresh10k(b *testing.B) {
	e, targets, now := bigRoot(b, MOPNonStoring, 10000)
	route, _ := e.SourceRoute(targets[5000])
	d := DAO{Instance: 0, ExpectACK: true, Sequence: LollipopInit, NumTargets: 1, NumTransits: 1}
	d.Targets[0] = Target{Prefix: netip.PrefixFrom(targets[5000], 128)}
	parent := testGlobal(0)
	if len(route) > 1 {
		parent = route[len(route)-2]
	}
	d.Transits[0] = Transit{PathSequence: LollipopInit, PathLifetime: 30, Parent: parent}
	msg, _ := d.Append(nil)
	SetChecksum(msg, targets[5000], testGlobal(0))
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		if err := e.HandleMessage(now, targets[5000], testGlobal(0), msg); err != nil {
			b.Fatal(err)
		}
		e.PopOutbound(buf[:0])
	}
}
