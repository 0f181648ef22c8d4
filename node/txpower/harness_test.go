package txpower

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// key is the neighbour identifier the tests use: an EUI-64, as a node does.
type key = [8]byte

func nb(n byte) key { return key{0x02, 0, 0, 0, 0, 0, 0, n} }

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

const sensitivity = -100 // dBm, the receivers' sensitivity in the link models

// testLevels is a radio with a continuous −20…+8 dBm range quantised to
// 1 dB: 29 levels.
var testLevels = Steps(-20, 8, 1)

// pathLink models the link from the node to one neighbour: the neighbour
// hears a frame sent at p dBm with margin p − loss − sensitivity, plus
// Gaussian noise of standard deviation sigma, or uniform noise in ±uniform,
// or noise from fn.
type pathLink struct {
	loss    float64
	sigma   float64
	uniform float64
	fn      func(i int) float64
	// ackOnly: the neighbour reports no margins.
	ackOnly bool
	// ackMin: a frame is acknowledged when the margin it arrives with is at
	// least ackMin dB (1 when zero).
	ackMin float64
}

func (l *pathLink) trueMargin(p int8) float64 { return float64(p) - l.loss - sensitivity }

func (l *pathLink) sample(rng *rand.Rand, i int, p int8) float64 {
	m := l.trueMargin(p)
	switch {
	case l.fn != nil:
		m += l.fn(i)
	case l.sigma > 0:
		m += rng.NormFloat64() * l.sigma
	case l.uniform > 0:
		m += (rng.Float64()*2 - 1) * l.uniform
	}
	return m
}

// leastAdequate returns the least level whose noise-free margin is at least
// target, or the highest level.
func leastAdequate(levels []int8, l *pathLink, target float64) int8 {
	for _, p := range levels {
		if l.trueMargin(p) >= target {
			return p
		}
	}
	return levels[len(levels)-1]
}

// world drives a controller against link models in virtual time: each
// tick, one unicast to every neighbour with a model (at LevelFor) and,
// every reportEvery ticks, a margin report from each; Poll runs whenever
// the deadline has come.
type world struct {
	t           testing.TB
	c           *Controller[key]
	rng         *rand.Rand
	now         time.Time
	tick        time.Duration
	reportEvery int
	keys        []key
	links       map[key]*pathLink
	i           int
	changes     int // node level changes seen
	history     []int8
}

func newWorld(t testing.TB, cfg Config[key]) *world {
	t.Helper()
	if cfg.Levels == nil {
		cfg.Levels = testLevels
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &world{
		t: t, c: c, rng: rand.New(rand.NewPCG(1, 2)), now: t0, tick: time.Second,
		reportEvery: 1, links: map[key]*pathLink{},
	}
}

func (w *world) add(k key, l *pathLink, r Role) {
	w.t.Helper()
	w.keys = append(w.keys, k)
	w.links[k] = l
	if r != 0 {
		if _, err := w.c.SetRole(w.now, k, r, true); err != nil {
			w.t.Fatal(err)
		}
	}
}

func (w *world) note(changed bool) {
	if changed {
		w.changes++
		w.history = append(w.history, w.c.Level())
	}
}

// step advances one tick.
func (w *world) step() {
	w.now = w.now.Add(w.tick)
	w.i++
	if d, ok := w.c.Deadline(); ok && !w.now.Before(d) {
		w.note(w.c.Poll(w.now))
	}
	for _, k := range w.keys {
		l := w.links[k]
		p := w.c.LevelFor(k)
		ackMin := l.ackMin
		if ackMin == 0 {
			ackMin = 1
		}
		m := l.sample(w.rng, w.i, p)
		acked := m >= ackMin
		attempts := uint8(1)
		if !acked {
			attempts = 4
		}
		w.note(w.c.HandleAck(w.now, k, p, attempts, acked))
		if !l.ackOnly && w.i%w.reportEvery == 0 {
			rm := math.Round(l.sample(w.rng, w.i, p))
			w.note(w.c.HandleMargin(w.now, k, uint8(min(max(rm, 0), 255)), p))
		}
	}
}

func (w *world) run(n int) {
	for range n {
		w.step()
	}
}

// settle runs until the node level has not changed for quiet ticks, at
// most max ticks, and fails the test if it never settles.
func (w *world) settle(quiet, limit int) {
	w.t.Helper()
	last, same := w.c.Level(), 0
	for range limit {
		w.step()
		if w.c.Level() == last {
			same++
			if same >= quiet {
				return
			}
			continue
		}
		last, same = w.c.Level(), 0
	}
	w.t.Fatalf("did not settle in %d ticks; history %v", limit, w.history)
}

func mustNew(t testing.TB, cfg Config[key]) *Controller[key] {
	t.Helper()
	if cfg.Levels == nil {
		cfg.Levels = testLevels
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
