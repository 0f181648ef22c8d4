package mle

// ReplayVerdict is the outcome of checking a received frame counter against
// a neighbour's [ReplayState].
type ReplayVerdict uint8

// Replay verdicts.
const (
	// ReplayFresh accepts the message: its counter is at or beyond the
	// next expected one, or it uses a newer key sequence, or no state is
	// stored yet. Call Commit once the MIC has verified.
	ReplayFresh ReplayVerdict = iota
	// ReplayDuplicate drops the message: it repeats the last accepted
	// counter (a retransmission or a duplicate delivery).
	ReplayDuplicate
	// ReplayOld drops the message: its counter is below the last accepted
	// one.
	ReplayOld
	// ReplayStaleKey drops the message: it uses an older key sequence
	// than the neighbour already used.
	ReplayStaleKey
)

// String returns the verdict's name.
func (v ReplayVerdict) String() string {
	switch v {
	case ReplayFresh:
		return "fresh"
	case ReplayDuplicate:
		return "duplicate"
	case ReplayOld:
		return "old"
	case ReplayStaleKey:
		return "stale-key"
	default:
		return "ReplayVerdict(?)"
	}
}

// ReplayState is the incoming frame counter state kept per neighbour and
// per counter (MLE or MAC): the key sequence the neighbour last used and
// the next frame counter expected from it (draft §9; OpenThread stores
// "next expected", not "last seen"). The zero value holds no state: any
// counter is accepted and then stored, as the draft allows.
type ReplayState struct {
	// Valid reports that a counter has been stored.
	Valid bool
	// KeySequence is the key sequence of the stored counter.
	KeySequence uint32
	// Next is the lowest acceptable frame counter. It is 64-bit so that
	// accepting counter 0xFFFFFFFF closes the window instead of wrapping.
	Next uint64
}

// Check classifies a received key sequence and frame counter. It does not
// change the state: call [ReplayState.Commit] after the message has
// authenticated.
func (s *ReplayState) Check(seq, counter uint32) ReplayVerdict {
	switch {
	case !s.Valid || seq > s.KeySequence:
		return ReplayFresh
	case seq < s.KeySequence:
		return ReplayStaleKey
	case uint64(counter) >= s.Next:
		return ReplayFresh
	case uint64(counter)+1 == s.Next:
		return ReplayDuplicate
	default:
		return ReplayOld
	}
}

// Commit records an accepted message: a newer key sequence replaces the
// stored one, and the next expected counter becomes counter + 1. Commit
// never moves the state backwards.
func (s *ReplayState) Commit(seq, counter uint32) {
	if s.Valid && seq < s.KeySequence {
		return
	}
	if !s.Valid || seq > s.KeySequence {
		*s = ReplayState{Valid: true, KeySequence: seq}
	}
	if n := uint64(counter) + 1; n > s.Next {
		s.Next = n
	}
}

// Learn replaces the state with a counter learnt from a Link-layer or MLE
// Frame Counter TLV: the neighbour's next outgoing counter under key
// sequence seq becomes the next expected one. Because it may move the state
// backwards, call it only for a message whose freshness is proven, such as a
// Link Accept carrying the Response to this node's Challenge (draft §10).
func (s *ReplayState) Learn(seq, next uint32) {
	*s = ReplayState{Valid: true, KeySequence: seq, Next: uint64(next)}
}
