package rpl

import (
	"math/rand/v2"
	"testing"
	"time"
)

// checkInvariants asserts the engine's internal consistency.
func checkInvariants(t *testing.T, e *Engine) {
	t.Helper()
	if e.parent >= 0 {
		p := &e.nbrs[e.parent]
		if e.root || !p.used || e.rank == InfiniteRank || e.poisoned {
			t.Fatalf("joined with parent %+v, rank %d, root %v, poisoned %v", *p, e.rank, e.root, e.poisoned)
		}
		if e.rank <= p.rank {
			t.Fatalf("rank %d not above the parent's %d", e.rank, p.rank)
		}
	} else if !e.root && e.rank != InfiniteRank {
		t.Fatalf("rank %d without a parent", e.rank)
	}
	if e.routes.n != len(e.routes.idx) || e.routes.n > e.cfg.MaxRoutes {
		t.Fatalf("route table: n %d, index %d, max %d", e.routes.n, len(e.routes.idx), e.cfg.MaxRoutes)
	}
	for a, i := range e.routes.idx {
		if r := &e.routes.ents[i]; !r.used || r.target != a {
			t.Fatalf("route index %v -> %+v", a, *r)
		}
	}
	if e.graph.n != len(e.graph.idx) || e.graph.n > e.cfg.MaxRoutes {
		t.Fatalf("graph: n %d, index %d, max %d", e.graph.n, len(e.graph.idx), e.cfg.MaxRoutes)
	}
	for a, i := range e.graph.idx {
		n := &e.graph.nodes[i]
		if !n.used || n.addr != a || (n.parent >= 0 && !e.graph.nodes[n.parent].used) {
			t.Fatalf("graph index %v -> %+v", a, *n)
		}
		if r, ok := e.graph.route(i); ok && (len(r) == 0 || r[len(r)-1] != a || len(r) > maxSourceRouteHops) {
			t.Fatalf("source route to %v: %v", a, r)
		}
	}
}

// drainChecked pops the outbox and checks that every message decodes.
func drainChecked(t *testing.T, e *Engine) {
	t.Helper()
	var m Message
	buf := make([]byte, 0, 512)
	for {
		b, ob, ok := e.PopOutbound(buf[:0])
		if !ok {
			return
		}
		if err := m.Unmarshal(b); err != nil || m.Code != ob.Code {
			t.Fatalf("engine sent an undecodable %v: %v (% x)", ob.Code, err, b)
		}
		if !ob.Dst.IsValid() || !ob.Src.IsValid() {
			t.Fatalf("outbound without addresses: %+v", ob)
		}
	}
}

// fuzzSeeds returns messages a root and a router exchange.
func fuzzSeeds(p DODAGParams) [][]byte {
	s := newSimNet(nopTB{}, 3, netOpts{params: p, seed: 1})
	s.link(0, 1, 128)
	s.link(1, 2, 128)
	var msgs [][]byte
	s.start()
	for range 200 {
		s.run(500 * time.Millisecond)
		for _, ev := range s.q {
			if ev.ctl != nil {
				msgs = append(msgs, ev.ctl)
			} else if ev.pkt != nil && ev.pkt.icmp != nil {
				msgs = append(msgs, ev.pkt.icmp)
			}
		}
		if len(msgs) > 40 {
			break
		}
	}
	return msgs
}

// nopTB lets the harness run outside a test for seeding.
type nopTB struct{ testing.TB }

func (nopTB) Fatalf(string, ...any) {}
func (nopTB) Helper()               {}

// FuzzEngine drives a root and a router with arbitrary control messages,
// link events, time and packets: nothing panics and the state stays
// consistent.
func FuzzEngine(f *testing.F) {
	for _, mop := range []MOP{MOPStoring, MOPNonStoring} {
		p := DefaultDODAGParams(testPrefix)
		p.MOP = mop
		for _, m := range fuzzSeeds(p) {
			f.Add(byte(mop), append([]byte{0, 1, byte(len(m))}, m...))
			f.Add(byte(mop), append([]byte{1, 1, byte(len(m))}, m...))
		}
	}
	f.Add(byte(1), []byte{2, 3, 0, 4, 5, 6})
	f.Fuzz(func(t *testing.T, mode byte, in []byte) {
		p := DefaultDODAGParams(testPrefix)
		p.MOP = MOP(1 + mode%2)
		p.OCP = uint16(mode>>1) % 2
		metrics := diffMetrics{}
		mk := func(i int, root bool) *Engine {
			e, err := New(Config{Root: root, DODAG: p, LinkLocal: testLL(i), Metrics: metrics,
				Rand: rand.New(rand.NewPCG(1, uint64(i))), MaxRoutes: 8, MaxParents: 4})
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		engines := []*Engine{mk(0, true), mk(1, false)}
		now := testEpoch
		for _, e := range engines {
			e.Start(now)
		}
		for len(in) >= 2 {
			op, arg := in[0], in[1]
			in = in[2:]
			e := engines[op&1]
			nb := testLL(2 + int(arg%6))
			switch op >> 1 % 6 {
			case 0: // a control message from a neighbour (link-local or global)
				n := 0
				if len(in) > 0 {
					n = min(int(in[0]), len(in)-1)
					in = in[1:]
				}
				msg := in[:n]
				in = in[n:]
				src, dst := nb, AllRPLNodes
				if arg&0x80 != 0 {
					src, dst = joinIID(testPrefix, iidOf(nb)), testGlobal(int(op&1))
				}
				SetChecksum(msg, src, dst)
				_ = e.HandleMessage(now, src, dst, msg)
			case 1: // time passes
				now = now.Add(time.Duration(arg) * 97 * time.Millisecond)
				for _, x := range engines {
					x.Poll(now)
				}
			case 2: // a link changes
				if arg&1 != 0 {
					delete(metrics, nb)
					e.NeighborLost(now, nb)
				} else {
					metrics[nb] = uint16(arg) * 3
					e.LinkChanged(now)
				}
			case 3: // a packet
				var d Decision
				pk := Packet{Dst: joinIID(testPrefix, iidOf(testLL(int(arg%9)))), From: nb, HasRPI: arg&0x40 != 0,
					RPI:          RPI{Down: arg&0x20 != 0, RankError: arg&0x10 != 0, ForwardingError: arg&0x08 != 0, SenderRank: uint16(arg) << 4},
					SourceRouted: arg&0x80 != 0}
				e.Forward(now, &pk, &d)
				if d.Action == ActionSourceRoute && len(d.Route) < 2 {
					t.Fatalf("source route %v", d.Route)
				}
			case 4:
				engines[0].GlobalRepair(now)
			case 5:
				e.LocalRepair(now)
			}
			for _, x := range engines {
				checkInvariants(t, x)
				drainChecked(t, x)
			}
		}
	})
}
