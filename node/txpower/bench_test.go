package txpower

import (
	"testing"
	"time"
)

// steady returns a controller with n needed neighbours that have settled,
// and the time after settling.
func steady(tb testing.TB, n int) (*Controller[key], time.Time) {
	tb.Helper()
	w := newWorld(tb, Config[key]{})
	for i := range n {
		w.add(nb(byte(i)), &pathLink{loss: lossFor(int8(-20+i%28), DefaultTargetDB)}, RoleNextHop)
	}
	w.run(2000)
	return w.c, w.now
}

func BenchmarkHandleMargin(b *testing.B) {
	c, now := steady(b, 16)
	k := nb(5)
	p := c.LevelFor(k)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		now = now.Add(time.Millisecond)
		c.HandleMargin(now, k, DefaultTargetDB+uint8(i&1), p)
	}
}

func BenchmarkHandleAck(b *testing.B) {
	c, now := steady(b, 16)
	k := nb(5)
	p := c.LevelFor(k)
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Millisecond)
		c.HandleAck(now, k, p, 1, true)
	}
}

// BenchmarkHandleRx is the cost of every received unicast: a child's
// hold extended.
func BenchmarkHandleRx(b *testing.B) {
	c, now := steady(b, 16)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		now = now.Add(time.Millisecond)
		c.HandleRx(now, nb(byte(i%16)))
	}
}

// BenchmarkFeedbackMix is a node's steady load: acks and margin reports
// from 16 neighbours, a level per unicast, Poll at the deadline.
func BenchmarkFeedbackMix(b *testing.B) {
	c, now := steady(b, 16)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		now = now.Add(time.Millisecond)
		k := nb(byte(i % 16))
		p := c.LevelFor(k)
		c.HandleAck(now, k, p, uint8(1+i%3/2), true)
		if i%8 == 0 {
			c.HandleMargin(now, k, DefaultTargetDB, p)
		}
		if d, ok := c.Deadline(); ok && !now.Before(d) {
			c.Poll(now)
		}
	}
}

// TestFeedbackDoesNotAllocate asserts what the benchmarks measure: feedback
// for a known neighbour (margins, acknowledgments, received frames),
// LevelFor, Level, BroadcastLevel, Deadline and Poll do not allocate.
func TestFeedbackDoesNotAllocate(t *testing.T) {
	c, now := steady(t, 16)
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		i++
		now = now.Add(time.Millisecond)
		k := nb(byte(i % 16))
		p := c.LevelFor(k)
		c.HandleAck(now, k, p, 1, true)
		c.HandleAck(now, k, p, 4, false)
		c.HandleMargin(now, k, DefaultTargetDB, p)
		c.HandleRx(now, k)
		_ = c.Level()
		_ = c.BroadcastLevel()
		if _, ok := c.Deadline(); ok {
			c.Poll(now)
		}
		_ = c.Reason()
	})
	if allocs != 0 {
		t.Errorf("%v allocations per feedback round, want 0", allocs)
	}
}
