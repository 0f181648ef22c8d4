package mle

import "fmt"

// DropReason says why the engine dropped a received message.
type DropReason uint8

// Drop reasons.
const (
	DropHopLimit        DropReason = iota // IPv6 hop limit not 255 (draft §8)
	DropMalformed                         // bad header, TLV or required TLV missing; source not link-local
	DropUnsecured                         // suite 255 although MLE security is on
	DropNoKey                             // secured message in the open profile
	DropMIC                               // the MIC did not verify (forged, altered, or a changed counter or key sequence)
	DropReplay                            // frame counter at or below the neighbour's floor
	DropKeySequence                       // key sequence older than the neighbour already used
	DropUnknownNeighbor                   // a message only established neighbours may send
	DropStaleResponse                     // a Response matching no outstanding challenge
	DropUnknownCommand                    // a command the draft does not assign (ignored)
	DropCapacity                          // the link table is full of links that cannot be evicted
	DropWeak                              // link margin below the minimum for a new link
	DropParam                             // an Update carrying an invalid parameter value
	NumDropReasons
)

var dropNames = [NumDropReasons]string{
	"hop_limit", "malformed", "unsecured", "no_key", "mic", "replay", "key_sequence",
	"unknown_neighbor", "stale_response", "unknown_command", "capacity", "weak", "param",
}

// String returns the reason's metric label.
func (r DropReason) String() string {
	if r < NumDropReasons {
		return dropNames[r]
	}
	return fmt.Sprintf("DropReason(%d)", uint8(r))
}

// Stats counts what an engine did. All fields only grow.
type Stats struct {
	RxMessages uint64 // messages handed to HandleMessage
	Accepted   uint64 // messages accepted after every check
	TxMessages uint64 // messages queued for sending
	TxErrors   uint64 // messages not sent: counter exhausted or encoding failed

	LinkRequests    uint64 // Link Requests sent (first transmissions)
	Retransmissions uint64 // Link Requests retransmitted
	LinksUp         uint64 // links established or re-established
	LinksDown       uint64 // links ended (timeout, reject, eviction, failed re-validation)
	Evictions       uint64 // links evicted to make room
	Rejects         uint64 // Link Rejects sent
	RejectsLimited  uint64 // Link Rejects suppressed by the rate limit
	Advertisements  uint64 // Advertisements sent
	Updates         uint64 // Updates sent
	ParamsApplied   uint64 // network parameter changes applied
	KeyRotations    uint64 // key sequence switches
	KeyDerivations  uint64 // keys derived for a sequence outside the cached three
	Scans           uint64 // orphan channel scans started
	StragglerVisits uint64 // visits to the old channel after a move, for neighbours left behind

	// Drops counts dropped messages by DropReason.
	Drops [NumDropReasons]uint64
}

// ReplayRejected returns the messages dropped as replays: a frame counter
// at or below the sender's floor, or an outdated key sequence.
func (s Stats) ReplayRejected() uint64 { return s.Drops[DropReplay] + s.Drops[DropKeySequence] }

// Dropped returns the total of all drops.
func (s Stats) Dropped() uint64 {
	var n uint64
	for _, d := range s.Drops {
		n += d
	}
	return n
}

func (e *Engine) drop(r DropReason) { e.stats.Drops[r]++ }
