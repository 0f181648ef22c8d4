package rpl

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func newTestTrickle(t *testing.T, cfg TrickleConfig, seed uint64) *Trickle {
	t.Helper()
	tr, err := NewTrickle(cfg, rand.New(rand.NewPCG(seed, 0)))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// checkPoint asserts that the current transmission point lies in the
// second half of the interval that starts at start.
func checkPoint(t *testing.T, tr *Trickle, start time.Time) {
	t.Helper()
	d := tr.Deadline().Sub(start)
	if i := tr.Interval(); d < i/2 || d >= i {
		t.Fatalf("transmission point %v not in [%v, %v)", d, i/2, i)
	}
}

func TestTrickleDoublesToImax(t *testing.T) {
	cfg := TrickleConfig{IminExp: 10, Doublings: 3, Redundancy: 0}
	tr := newTestTrickle(t, cfg, 1)
	if tr.Running() || !tr.Deadline().IsZero() || tr.Poll(t0) {
		t.Fatal("new timer is not stopped")
	}
	tr.Reset(t0)
	imin := 1024 * time.Millisecond
	want := []time.Duration{imin, 2 * imin, 4 * imin, 8 * imin, 8 * imin, 8 * imin}
	start := t0
	for n, w := range want {
		if got := tr.Interval(); got != w {
			t.Fatalf("interval %d = %v, want %v", n, got, w)
		}
		checkPoint(t, tr, start)
		// Just before the point: nothing.
		if tr.Poll(tr.Deadline().Add(-time.Nanosecond)) {
			t.Fatalf("interval %d: transmit before the point", n)
		}
		if !tr.Poll(tr.Deadline()) {
			t.Fatalf("interval %d: no transmission at the point", n)
		}
		if end := tr.Deadline(); end != start.Add(w) {
			t.Fatalf("interval %d: deadline after the point = %v, want the end %v", n, end, start.Add(w))
		}
		if tr.Poll(start.Add(w).Add(-time.Nanosecond)) {
			t.Fatalf("interval %d: second transmission", n)
		}
		start = start.Add(w)
		if tr.Poll(start) {
			t.Fatalf("interval %d: transmission at the interval's end", n)
		}
	}
	if got, want := cfg.Imax(), 8192*time.Millisecond; got != want {
		t.Errorf("Imax = %v, want %v", got, want)
	}
}

func TestTrickleInconsistencyResets(t *testing.T) {
	tr := newTestTrickle(t, TrickleConfig{IminExp: 12, Doublings: 8, Redundancy: 10}, 2)
	tr.Reset(t0)
	// At Imin an inconsistency changes nothing.
	dl := tr.Deadline()
	tr.Inconsistent(t0.Add(time.Second))
	if tr.Deadline() != dl || tr.Interval() != 4096*time.Millisecond {
		t.Fatal("inconsistency at Imin restarted the interval")
	}
	now := t0
	for range 3 {
		now = tr.Deadline()
		tr.Poll(now)
		now = tr.Deadline()
		tr.Poll(now)
	}
	if tr.Interval() != 8*4096*time.Millisecond {
		t.Fatalf("interval after 3 doublings = %v", tr.Interval())
	}
	later := now.Add(3 * time.Second)
	tr.Consistent()
	tr.Inconsistent(later)
	if tr.Interval() != 4096*time.Millisecond || tr.Counter() != 0 {
		t.Fatalf("after inconsistency: interval %v counter %d", tr.Interval(), tr.Counter())
	}
	checkPoint(t, tr, later)

	// A stopped timer starts on an inconsistency.
	tr.Stop()
	tr.Inconsistent(later)
	if !tr.Running() {
		t.Fatal("Inconsistent did not start a stopped timer")
	}
}

func TestTrickleSuppression(t *testing.T) {
	for _, tc := range []struct {
		k, heard int
		transmit bool
	}{
		{k: 10, heard: 0, transmit: true},
		{k: 10, heard: 9, transmit: true},
		{k: 10, heard: 10, transmit: false},
		{k: 1, heard: 1, transmit: false},
		{k: 0, heard: 100, transmit: true}, // k = 0 never suppresses (RFC 6550 8.3.1)
	} {
		tr := newTestTrickle(t, TrickleConfig{IminExp: 12, Doublings: 8, Redundancy: uint8(tc.k)}, 3)
		tr.Reset(t0)
		for range tc.heard {
			tr.Consistent()
		}
		if got := tr.Poll(tr.Deadline()); got != tc.transmit {
			t.Errorf("k=%d heard %d: transmit = %v, want %v", tc.k, tc.heard, got, tc.transmit)
		}
		// The counter restarts in the next interval.
		tr.Poll(tr.Deadline())
		if tr.Counter() != 0 {
			t.Errorf("k=%d: counter %d in a new interval", tc.k, tr.Counter())
		}
		if !tr.Poll(tr.Deadline()) {
			t.Errorf("k=%d: no transmission in the next, quiet interval", tc.k)
		}
	}
}

func TestTrickleDeterministicAndLatePoll(t *testing.T) {
	cfg := DefaultTrickleConfig()
	a, b := newTestTrickle(t, cfg, 42), newTestTrickle(t, cfg, 42)
	a.Reset(t0)
	b.Reset(t0)
	for range 20 {
		if a.Deadline() != b.Deadline() {
			t.Fatal("same seed, different schedule")
		}
		a.Poll(a.Deadline())
		b.Poll(b.Deadline())
	}
	// A poll a year late catches up at Imax and transmits once.
	c := newTestTrickle(t, cfg, 7)
	c.Reset(t0)
	late := t0.Add(365 * 24 * time.Hour)
	if !c.Poll(late) {
		t.Error("late poll did not transmit")
	}
	if c.Interval() != cfg.Imax() || !c.Deadline().After(late) || c.Deadline().Sub(late) > cfg.Imax() {
		t.Errorf("after late poll: interval %v deadline %v", c.Interval(), c.Deadline().Sub(late))
	}
}

func TestTrickleConfig(t *testing.T) {
	if _, err := NewTrickle(DefaultTrickleConfig(), nil); !errors.Is(err, ErrTrickleConfig) {
		t.Errorf("NewTrickle(nil rng) = %v", err)
	}
	if _, err := NewTrickle(TrickleConfig{IminExp: 30, Doublings: 11}, rand.New(rand.NewPCG(1, 1))); !errors.Is(err, ErrTrickleConfig) {
		t.Errorf("NewTrickle(2^41 ms) = %v", err)
	}
	d := DefaultTrickleConfig()
	if d.Imin() != 4096*time.Millisecond || d.Imax() != 1048576*time.Millisecond || d.Redundancy != 10 {
		t.Errorf("defaults: %v %v %d", d.Imin(), d.Imax(), d.Redundancy)
	}
	tr := newTestTrickle(t, d, 5)
	tr.Reset(t0)
	for range 10 {
		tr.Poll(tr.Deadline())
	}
	if err := tr.SetConfig(TrickleConfig{IminExp: 3, Doublings: 2, Redundancy: 1}); err != nil {
		t.Fatal(err)
	}
	if tr.Interval() != 32*time.Millisecond {
		t.Errorf("interval after lowering Imax = %v, want 32ms", tr.Interval())
	}
	if err := tr.SetConfig(TrickleConfig{IminExp: 41}); !errors.Is(err, ErrTrickleConfig) {
		t.Errorf("SetConfig(2^41) = %v", err)
	}
	cfg := DODAGConfig{DIOIntervalMin: 12, DIOIntervalDoublings: 8, DIORedundancy: 0}
	if got := cfg.TrickleConfig(); got != (TrickleConfig{12, 8, 0}) {
		t.Errorf("DODAGConfig.TrickleConfig() = %+v", got)
	}
}

func TestTrickleForceNextOverridesSuppression(t *testing.T) {
	tr := newTestTrickle(t, TrickleConfig{IminExp: 12, Doublings: 8, Redundancy: 2}, 5)
	tr.Reset(t0)
	tr.Consistent()
	tr.Consistent()
	tr.ForceNext()
	if !tr.Poll(tr.Deadline()) {
		t.Fatal("a forced transmission was suppressed by k consistent ones")
	}
	// The force is spent: the next interval suppresses again.
	tr.Poll(tr.Deadline()) // interval end
	tr.Consistent()
	tr.Consistent()
	if tr.Poll(tr.Deadline()) {
		t.Error("the force outlived its transmission")
	}
	// A stopped timer ignores it.
	tr.Stop()
	tr.ForceNext()
	tr.Reset(t0)
	tr.Consistent()
	tr.Consistent()
	if tr.Poll(tr.Deadline()) {
		t.Error("ForceNext on a stopped timer survived Reset")
	}
}
