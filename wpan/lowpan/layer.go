package lowpan

import (
	"time"

	"github.com/meshgw/meshgw/wpan"
)

// Layer is the 6LoWPAN adaptation layer of one node: its context table, its
// reassembly state, its datagram tag and its counters. It is sans-I/O and
// not safe for concurrent use: the node's owner goroutine calls it with the
// current time, and calls [Layer.Poll] at [Layer.Deadline].
type Layer struct {
	// Contexts is the context table used to compress and decompress. The
	// node updates it from the network data it learns (RFC 6775 6CO, Thread
	// network data).
	Contexts Contexts

	reasm    *Reassembler
	tag      uint16
	counters Counters
}

// New returns a Layer whose reassembly is bounded by cfg.
func New(cfg Config) *Layer {
	return &Layer{reasm: NewReassembler(cfg)}
}

// Input processes the 6LoWPAN payload of a received frame whose MAC source
// and destination are src and dst. For an unfragmented packet it appends
// the decompressed IPv6 packet to buf and returns it. A fragment goes to the
// reassembler: Input returns the whole packet, appended to buf, when the
// fragment completes its datagram, and nil otherwise. Every error is a
// counted drop; see [ReasonOf]. Input does not allocate when buf has room
// for the packet (1280 bytes for any IPv6 packet a mesh carries, 2047 at
// most for a reassembled one).
func (l *Layer) Input(now time.Time, buf []byte, src, dst wpan.Addr, payload []byte) ([]byte, error) {
	k, i, err := classify(payload)
	if err == nil && (k == kindFrag1 || k == kindFragN) {
		return l.reasm.Add(now, buf, src, dst, payload[i:], &l.Contexts)
	}
	l.reasm.Expire(now)
	pkt, err := Decompress(buf, payload, src, dst, &l.Contexts)
	if err != nil {
		l.counters.count(err)
		return nil, err
	}
	l.counters.Received++
	return pkt, nil
}

// Output prepares the IPv6 packet pkt for the link from src to dst, with at
// most budget bytes of 6LoWPAN payload per frame (what is left after the MAC
// header, the security overhead and the FCS). It fills f; f.Next then yields
// the frame payloads. Fragmented packets get the next datagram tag of this
// node. pkt must stay unchanged until the last frame is produced. Errors
// ([ErrBadIPv6], [ErrBudget], [ErrTooBig]) are counted drops.
func (l *Layer) Output(f *Fragments, pkt []byte, src, dst wpan.Addr, budget int) error {
	if err := f.init(pkt, src, dst, &l.Contexts, budget, &l.tag); err != nil {
		l.counters.count(err)
		return err
	}
	if f.frag {
		l.counters.Fragmented++
	} else {
		l.counters.Sent++
	}
	return nil
}

// Deadline returns when [Layer.Poll] must next be called; ok is false when
// nothing is pending.
func (l *Layer) Deadline() (time.Time, bool) { return l.reasm.Deadline() }

// Poll expires the reassemblies whose time is up at now.
func (l *Layer) Poll(now time.Time) { l.reasm.Expire(now) }

// Pending returns how many datagrams are being reassembled and the sum of
// their sizes.
func (l *Layer) Pending() (datagrams, bytes int) { return l.reasm.Pending() }

// Counters returns a snapshot of the layer's counters, reassembly included.
func (l *Layer) Counters() Counters {
	c := l.counters
	rc := l.reasm.Counters()
	c.add(&rc)
	return c
}
