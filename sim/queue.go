package sim

import "time"

// evKind says what an event does when it fires.
type evKind uint8

const (
	evPoll       evKind = iota + 1 // call the station's Poll
	evBackoffEnd                   // CSMA-CA backoff over: start CCA
	evCCAEnd                       // CCA over: transmit or back off again
	evTxStart                      // turnaround over: put the frame on the air
	evAirEnd                       // the emitter's transmission ends
	evAckTimeout                   // macAckWaitDuration passed without an ACK
	evAckSend                      // turnaround after a frame: send its ACK
	evNoiseOn                      // an interferer switches on
	evNoiseOff                     // an interferer switches off
	evCall                         // a scenario callback (faults, At)
)

// event is one entry of the scheduler's queue. Events that recur (a node's
// poll, MAC and ACK timers, an emitter's end of transmission) are embedded in
// their owner and rescheduled in place, so the steady state allocates
// nothing.
type event struct {
	at   int64  // virtual nanoseconds since Epoch
	seq  uint64 // insertion order: breaks ties deterministically
	idx  int32  // position in the heap, -1 when not queued
	kind evKind
	n    *node
	em   *emitter
	fn   func(now time.Time)
}

func newEvent(kind evKind) event { return event{idx: -1, kind: kind} }

// queue is an indexed 4-ary min-heap of events ordered by (at, seq), with
// decrease/increase-key (schedule on a queued event) and removal.
type queue struct {
	h   []*event
	seq uint64
}

func (q *queue) less(a, b *event) bool {
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

// schedule queues e at time at, moving it if it is already queued.
func (q *queue) schedule(e *event, at int64) {
	e.at = at
	e.seq = q.seq
	q.seq++
	if e.idx >= 0 {
		i := int(e.idx)
		if !q.up(i) {
			q.down(i)
		}
		return
	}
	e.idx = int32(len(q.h))
	q.h = append(q.h, e)
	q.up(len(q.h) - 1)
}

// remove takes e off the queue if it is queued.
func (q *queue) remove(e *event) {
	i := int(e.idx)
	if i < 0 {
		return
	}
	last := len(q.h) - 1
	if i != last {
		q.h[i] = q.h[last]
		q.h[i].idx = int32(i)
	}
	q.h[last] = nil
	q.h = q.h[:last]
	e.idx = -1
	if i != last {
		if !q.up(i) {
			q.down(i)
		}
	}
}

// pop removes and returns the earliest event; the queue must not be empty.
func (q *queue) pop() *event {
	e := q.h[0]
	q.remove(e)
	return e
}

func (q *queue) up(i int) bool {
	e := q.h[i]
	moved := false
	for i > 0 {
		p := (i - 1) / 4
		if !q.less(e, q.h[p]) {
			break
		}
		q.h[i] = q.h[p]
		q.h[i].idx = int32(i)
		i = p
		moved = true
	}
	q.h[i] = e
	e.idx = int32(i)
	return moved
}

func (q *queue) down(i int) {
	e := q.h[i]
	n := len(q.h)
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		best := c
		for j := c + 1; j < c+4 && j < n; j++ {
			if q.less(q.h[j], q.h[best]) {
				best = j
			}
		}
		if !q.less(q.h[best], e) {
			break
		}
		q.h[i] = q.h[best]
		q.h[i].idx = int32(i)
		i = best
	}
	q.h[i] = e
	e.idx = int32(i)
}
