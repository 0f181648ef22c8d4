package mle

import (
	"math/rand/v2"
	"time"
)

// trickle is an RFC 6206 Trickle timer without suppression (redundancy
// constant infinite, as Thread's Advertisement timer): one transmission at
// a random time t in [I/2, I) of every interval, I doubling from Imin to
// Imax and reset to Imin on inconsistency.
type trickle struct {
	imin, imax time.Duration
	i          time.Duration
	start      time.Time
	t          time.Time
	fired      bool
}

func (tr *trickle) begin(start time.Time, rnd *rand.Rand) {
	tr.start = start
	half := tr.i / 2
	tr.t = start.Add(half + time.Duration(rnd.Int64N(int64(half)+1)))
	if !tr.t.Before(start.Add(tr.i)) {
		tr.t = start.Add(tr.i - 1)
	}
	tr.fired = false
}

// reset restarts at Imin, unless the interval already is Imin (RFC 6206
// §4.2 rule 6).
func (tr *trickle) reset(now time.Time, rnd *rand.Rand) {
	if tr.i == tr.imin && !tr.start.IsZero() {
		return
	}
	tr.i = tr.imin
	tr.begin(now, rnd)
}

// poll advances the timer to now and reports whether to transmit.
func (tr *trickle) poll(now time.Time, rnd *rand.Rand) bool {
	send := false
	for {
		if !tr.fired && !now.Before(tr.t) {
			tr.fired = true
			send = true
		}
		end := tr.start.Add(tr.i)
		if now.Before(end) {
			return send
		}
		tr.i = min(2*tr.i, tr.imax)
		tr.begin(end, rnd)
		if now.Sub(end) > tr.imax {
			// Long idle (a stopped node): restart from now.
			tr.begin(now, rnd)
		}
	}
}

// next returns when poll must run next.
func (tr *trickle) next() time.Time {
	if !tr.fired {
		return tr.t
	}
	return tr.start.Add(tr.i)
}
