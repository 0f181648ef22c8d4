package wpan

// DefaultReplayCapacity is the number of replay windows NewReplayWindows
// keeps when given a capacity of zero or less.
const DefaultReplayCapacity = 256

type replayKey struct {
	src ExtAddr
	kid KeyID
}

// ReplayStats counts what a [ReplayWindows] has done.
type ReplayStats struct {
	// Windows is the number of windows currently kept.
	Windows int
	// Replayed counts frames dropped for a counter below the window
	// (duplicates included).
	Replayed uint64
	// Duplicates counts frames whose counter was exactly one below the
	// window: most likely retransmissions.
	Duplicates uint64
	// Evictions counts windows dropped to stay within capacity.
	Evictions uint64
}

// ReplayWindows keeps, per sender extended address and key identifier, the
// lowest frame counter still acceptable (IEEE 802.15.4-2015 §9.2.5; Thread's
// "next expected" rule). Use it in three steps: [ReplayWindows.Check]
// before verifying the MIC, [ReplayWindows.Commit] after the MIC verified,
// so that forged frames cannot move a window; [Frame.Unsecure] does both.
//
// Memory is bounded: at capacity the window updated least recently is
// evicted (counted in Stats). A sender whose window was evicted is
// accepted from any counter again, so size the capacity to the neighbour
// table and seed windows learned from MLE with [ReplayWindows.SetNext].
//
// A ReplayWindows is not safe for concurrent use; it belongs to the node's
// owner goroutine. Check and Commit do not allocate once the windows are
// at capacity.
type ReplayWindows struct {
	l                    lru[replayKey, uint64]
	replayed, duplicates uint64
}

// NewReplayWindows returns windows for up to capacity (sender, key) pairs.
func NewReplayWindows(capacity int) *ReplayWindows {
	if capacity <= 0 {
		capacity = DefaultReplayCapacity
	}
	return &ReplayWindows{l: newLRU[replayKey, uint64](capacity)}
}

// Check reports whether frame counter fc from src under key kid may be
// accepted: nil when it is at or above the window (or src has none),
// ErrDuplicateCounter when it is exactly one below (errors.Is also matches
// ErrReplayed), ErrReplayed when lower still. Drops are counted. Check
// does not move the window.
func (w *ReplayWindows) Check(src ExtAddr, kid KeyID, fc uint32) error {
	next, ok := w.l.get(replayKey{src, kid})
	if !ok || uint64(fc) >= *next {
		return nil
	}
	w.replayed++
	if uint64(fc)+1 == *next {
		w.duplicates++
		return ErrDuplicateCounter
	}
	return ErrReplayed
}

// Commit advances the window of (src, kid) past fc, after the frame's MIC
// verified. It never moves a window back.
func (w *ReplayWindows) Commit(src ExtAddr, kid KeyID, fc uint32) {
	next := w.l.put(replayKey{src, kid})
	if n := uint64(fc) + 1; n > *next {
		*next = n
	}
}

// SetNext sets the lowest acceptable counter of (src, kid) to next, for
// counters learned out of band (MLE Link-layer Frame Counter TLV). Unlike
// Commit it may move the window back.
func (w *ReplayWindows) SetNext(src ExtAddr, kid KeyID, next uint32) {
	*w.l.put(replayKey{src, kid}) = uint64(next)
}

// Next returns the lowest acceptable counter of (src, kid) and whether a
// window exists. It is 1<<32 after counter 0xFFFFFFFF was accepted: nothing
// more is accepted under that key.
func (w *ReplayWindows) Next(src ExtAddr, kid KeyID) (uint64, bool) {
	next, ok := w.l.get(replayKey{src, kid})
	if !ok {
		return 0, false
	}
	return *next, true
}

// Forget removes every window of src, for a neighbour that left or
// switched key sequence.
func (w *ReplayWindows) Forget(src ExtAddr) {
	w.l.removeIf(func(k replayKey) bool { return k.src == src })
}

// Stats returns the counters.
func (w *ReplayWindows) Stats() ReplayStats {
	return ReplayStats{
		Windows:    w.l.len(),
		Replayed:   w.replayed,
		Duplicates: w.duplicates,
		Evictions:  w.l.evictions,
	}
}
