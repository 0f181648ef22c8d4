package sim_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/meshgw/meshgw/sim"
)

// benchMedium builds n test stations in a random topology with ~10
// neighbours each, broadcasting a 60-byte frame (PSDU 69 bytes with FCS)
// with CSMA-CA every period from a random phase.
func benchMedium(tb testing.TB, n int, period time.Duration) (*sim.Medium, []*station) {
	cfg := sim.DefaultConfig()
	m := mustNew(tb, sim.Random(n, 10, cfg.Propagation, 0, 1), cfg)
	sts := make([]*station, n)
	for id := range sim.NodeID(n) {
		s := newStation(m, id, 11)
		s.every(time.Duration(s.rng.Int64N(int64(period))), period)
		s.payload = 60
		s.csma = true
		attach(tb, m, s)
		sts[id] = s
	}
	return m, sts
}

// BenchmarkMedium10k is the medium alone at the scale the full stack must
// reach: 10,000 nodes, ~10 neighbours, a broadcast every 30 s per node, one
// hour of virtual time per iteration (setup included).
func BenchmarkMedium10k(b *testing.B) {
	b.ReportAllocs()
	var events, frames uint64
	var peak uint64
	for b.Loop() {
		m, _ := benchMedium(b, 10000, 30*time.Second)
		if err := m.RunUntil(time.Hour); err != nil {
			b.Fatal(err)
		}
		mt := m.Metrics()
		events += mt.Events
		frames += mt.FramesRx
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
		runtime.KeepAlive(m)
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(events)/sec, "events/s")
	b.ReportMetric(float64(events)/float64(b.N), "events/op")
	b.ReportMetric(float64(frames)/float64(b.N), "deliveries/op")
	b.ReportMetric(float64(peak)/(1<<20), "heapMiB")
}

// BenchmarkMediumSteady measures the cost per event of a warmed-up medium
// (300 nodes, a broadcast per second each): no allocations.
func BenchmarkMediumSteady(b *testing.B) {
	m, _ := benchMedium(b, 300, time.Second)
	if err := m.RunUntil(10 * time.Second); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	ev := m.Metrics().Events
	for b.Loop() {
		if err := m.RunFor(10 * time.Millisecond); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(m.Metrics().Events-ev)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkBuild10k measures New for 10,000 nodes (the link precomputation).
func BenchmarkBuild10k(b *testing.B) {
	b.ReportAllocs()
	cfg := sim.DefaultConfig()
	topo := sim.Random(10000, 10, cfg.Propagation, 0, 1)
	for b.Loop() {
		m := mustNew(b, topo, cfg)
		b.ReportMetric(float64(m.Links())/10000, "links/node")
	}
}
