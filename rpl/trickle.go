package rpl

import (
	"math/rand/v2"
	"time"
)

// TrickleConfig holds the three Trickle parameters (RFC 6206 section 4.1)
// in the form RPL's DODAG Configuration option carries them.
type TrickleConfig struct {
	// IminExp gives the minimum interval Imin = 2^IminExp milliseconds
	// (DIOIntervalMin).
	IminExp uint8
	// Doublings gives the maximum interval Imax = Imin * 2^Doublings
	// (DIOIntervalDoublings).
	Doublings uint8
	// Redundancy is the redundancy constant k (DIORedundancyConstant); 0
	// disables suppression, as RFC 6550 section 8.3.1 allows.
	Redundancy uint8
}

// maxTrickleExp bounds IminExp+Doublings so that Imax fits a time.Duration
// with room to spare (2^40 ms is about 12.7 days).
const maxTrickleExp = 40

// DefaultTrickleConfig returns the parameters meshgw uses for DIOs: Imin
// 2^12 ms (4.096 s), 8 doublings (Imax about 17.5 min) and k = 10, the
// values of Contiki-NG classic and Zephyr. RFC 6550's own defaults (3, 20,
// 10) are too aggressive for duty-cycled radios.
func DefaultTrickleConfig() TrickleConfig {
	return TrickleConfig{IminExp: 12, Doublings: 8, Redundancy: 10}
}

// Validate returns ErrTrickleConfig if Imax would overflow.
func (c TrickleConfig) Validate() error {
	if int(c.IminExp)+int(c.Doublings) > maxTrickleExp {
		return ErrTrickleConfig
	}
	return nil
}

// Imin returns the minimum interval.
func (c TrickleConfig) Imin() time.Duration {
	return time.Millisecond << min(c.IminExp, maxTrickleExp)
}

// Imax returns the maximum interval.
func (c TrickleConfig) Imax() time.Duration {
	return time.Millisecond << min(int(c.IminExp)+int(c.Doublings), maxTrickleExp)
}

// Trickle is a sans-I/O Trickle timer (RFC 6206). It never reads a clock:
// every method that depends on time takes now, and the owner calls Poll at
// Deadline. Randomness comes from the injected source so that a simulator
// run is reproducible. The zero Trickle is not usable; use NewTrickle.
//
// States: stopped (after NewTrickle or Stop), then running; Reset starts
// or restarts it.
type Trickle struct {
	cfg TrickleConfig
	rng *rand.Rand

	running bool
	start   time.Time     // start of the current interval
	i       time.Duration // current interval length I
	t       time.Duration // transmission point within the interval
	c       int           // consistent transmissions heard this interval
	fired   bool          // the point t of this interval has passed
	force   bool          // transmit at the next point t despite k
}

// NewTrickle returns a stopped Trickle timer. It fails with ErrTrickleConfig
// for an invalid configuration or a nil rng.
func NewTrickle(cfg TrickleConfig, rng *rand.Rand) (*Trickle, error) {
	if rng == nil {
		return nil, ErrTrickleConfig
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Trickle{cfg: cfg, rng: rng}, nil
}

// Config returns the timer's parameters.
func (t *Trickle) Config() TrickleConfig { return t.cfg }

// SetConfig changes the parameters. They apply from the next interval,
// except that an interval longer than the new Imax is shortened at once; a
// caller that wants them fully applied calls Reset.
func (t *Trickle) SetConfig(cfg TrickleConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	t.cfg = cfg
	if t.running && t.i > cfg.Imax() {
		t.i = cfg.Imax()
		t.begin(t.start)
	}
	return nil
}

// Running reports whether the timer has been started and not stopped.
func (t *Trickle) Running() bool { return t.running }

// Interval returns the current interval length I (0 when stopped).
func (t *Trickle) Interval() time.Duration {
	if !t.running {
		return 0
	}
	return t.i
}

// Counter returns the number of consistent transmissions heard in the
// current interval.
func (t *Trickle) Counter() int { return t.c }

// Stop stops the timer; Deadline becomes the zero time.
func (t *Trickle) Stop() { t.running, t.force = false, false }

// Reset starts the timer, or restarts it, with I = Imin and a new interval
// beginning at now (RFC 6206 section 4.2 step 6, "reset the Trickle timer";
// RPL does this on a DIS, a new DODAG version or joining). RFC 6206 allows
// the first interval anywhere in [Imin, Imax]; starting at Imin, as
// Contiki-NG and RIOT do, converges fastest.
func (t *Trickle) Reset(now time.Time) {
	t.running = true
	t.i = t.cfg.Imin()
	t.begin(now)
}

// Inconsistent records an inconsistent transmission heard at now: if I is
// greater than Imin the timer resets; at Imin nothing happens (RFC 6206
// section 4.2 step 6). A stopped timer starts.
func (t *Trickle) Inconsistent(now time.Time) {
	if t.running && t.i <= t.cfg.Imin() {
		return
	}
	t.Reset(now)
}

// Consistent records a consistent transmission (RFC 6206 section 4.2 step
// 3: c is incremented).
func (t *Trickle) Consistent() {
	if t.running {
		t.c++
	}
}

// ForceNext makes the next transmission point transmit even if k
// consistent transmissions were heard: the node has news (RPL: its rank
// changed) that the consistent transmissions of its neighbours do not
// carry. A stopped timer is unaffected.
func (t *Trickle) ForceNext() {
	if t.running {
		t.force = true
	}
}

// begin starts an interval of length t.i at at (step 2).
func (t *Trickle) begin(at time.Time) {
	t.start = at
	t.c = 0
	t.fired = false
	half := t.i / 2
	t.t = half + time.Duration(t.rng.Int64N(int64(t.i-half)))
}

// Deadline returns when Poll must next be called: the transmission point
// of the current interval if it has not passed, else the interval's end.
// It returns the zero time when the timer is stopped.
func (t *Trickle) Deadline() time.Time {
	if !t.running {
		return time.Time{}
	}
	if !t.fired {
		return t.start.Add(t.t)
	}
	return t.start.Add(t.i)
}

// Poll advances the timer to now and reports whether the caller must
// transmit: at the point t of an interval the node transmits unless it has
// heard k or more consistent transmissions (step 4; k = 0 never
// suppresses). When an interval ends, I doubles up to Imax and a new
// interval begins (step 5). A late Poll catches up over all the intervals
// that ended, reporting at most one transmission. Polling early is
// harmless.
func (t *Trickle) Poll(now time.Time) (transmit bool) {
	if !t.running {
		return false
	}
	imax := t.cfg.Imax()
	for {
		if !t.fired && !now.Before(t.start.Add(t.t)) {
			t.fired = true
			if t.force || t.cfg.Redundancy == 0 || t.c < int(t.cfg.Redundancy) {
				transmit, t.force = true, false
			}
		}
		end := t.start.Add(t.i)
		if now.Before(end) {
			return transmit
		}
		// The interval is over. If whole Imax intervals were missed, skip
		// them arithmetically instead of one by one.
		if t.i >= imax {
			t.i = imax
			if behind := now.Sub(end); behind >= imax {
				end = end.Add(behind / imax * imax)
			}
		} else {
			t.i *= 2
			if t.i > imax {
				t.i = imax
			}
		}
		t.begin(end)
	}
}
