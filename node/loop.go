package node

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/meshgw/meshgw/radio"
)

// Loop runs a Node in real time over a radio driver. Its Run method is the
// node's one owner goroutine: radio events, packets from the host side and
// calls from the control API all reach the node through it, and nothing
// else touches the node while it runs.
type Loop struct {
	node    *Node
	drv     radio.Driver
	packets chan []byte
	calls   chan func(now time.Time)
	now     func() time.Time

	refused atomic.Uint64 // host packets refused: queue full
	failed  atomic.Uint64 // host packets the node could not send
}

// ErrLoopStopped is returned by Do after Run has returned.
var ErrLoopStopped = errors.New("node: loop stopped")

// NewLoop returns a loop for n, which must have been built with drv as its
// port. queue is how many host packets may wait for the loop (zero: 256).
func NewLoop(n *Node, drv radio.Driver, queue int) *Loop {
	if queue <= 0 {
		queue = 256
	}
	return &Loop{
		node:    n,
		drv:     drv,
		packets: make(chan []byte, queue),
		calls:   make(chan func(time.Time)),
		now:     time.Now,
	}
}

// Inject hands an IPv6 packet from the host side to the loop without
// blocking; the loop owns pkt afterwards. It reports false when the queue is
// full (the packet is dropped and counted).
func (l *Loop) Inject(pkt []byte) bool {
	select {
	case l.packets <- pkt:
		return true
	default:
		l.refused.Add(1)
		return false
	}
}

// HostDrops returns how many host packets Inject refused because the queue
// was full, and how many the node could not send (no route, bad packet,
// transmit queue full; the node's Stats say which).
func (l *Loop) HostDrops() (refused, failed uint64) { return l.refused.Load(), l.failed.Load() }

// Do runs fn on the loop's goroutine, with the node's current time, and
// waits for it. fn may read and change the node.
func (l *Loop) Do(ctx context.Context, fn func(n *Node, now time.Time)) error {
	done := make(chan struct{})
	call := func(now time.Time) { fn(l.node, now); close(done) }
	select {
	case l.calls <- call:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run owns the node until ctx is done or the driver's event channel closes.
func (l *Loop) Run(ctx context.Context) error {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	armed := false
	rearm := func() {
		if armed && !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		armed = false
		if d := l.node.Deadline(); !d.IsZero() {
			timer.Reset(max(d.Sub(l.now()), 0))
			armed = true
		}
	}
	rearm()
	events := l.drv.Events()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, ok := <-events:
			if !ok {
				return radio.ErrClosed
			}
			l.node.HandleRadio(l.now(), &ev)
		case pkt := <-l.packets:
			if err := l.node.HandlePacket(l.now(), pkt); err != nil {
				l.failed.Add(1)
			}
		case call := <-l.calls:
			call(l.now())
		case <-timer.C:
			armed = false
			l.node.Poll(l.now())
		}
		rearm()
	}
}
