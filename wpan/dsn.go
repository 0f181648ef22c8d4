package wpan

// DefaultDSNCapacity is the number of sources NewDSNFilter remembers when
// given a capacity of zero or less.
const DefaultDSNCapacity = 64

// DSNFilter drops MAC-level retransmissions: it remembers, per source
// address, the last data sequence number received and reports a frame
// carrying the same number again as a duplicate (its acknowledgment was
// lost and the sender retried). Memory is bounded: at capacity the source
// heard from least recently is forgotten.
//
// A DSNFilter is not safe for concurrent use. It does not allocate once at
// capacity.
type DSNFilter struct {
	l    lru[Addr, uint8]
	dups uint64
}

// NewDSNFilter returns a filter remembering up to capacity sources.
func NewDSNFilter(capacity int) *DSNFilter {
	if capacity <= 0 {
		capacity = DefaultDSNCapacity
	}
	return &DSNFilter{l: newLRU[Addr, uint8](capacity)}
}

// Duplicate records seq as the latest sequence number from src and reports
// whether it equals the previous one. Frames without a source address are
// never duplicates. Call it only for frames that passed security, so
// forged frames cannot suppress real ones.
func (d *DSNFilter) Duplicate(src Addr, seq uint8) bool {
	if src.Mode != AddrShort && src.Mode != AddrExt {
		return false
	}
	// Key on the meaningful field only, so stray values in the other do
	// not split one sender into two.
	if src.Mode == AddrShort {
		src.Ext = ExtAddr{}
	} else {
		src.Short = 0
	}
	if last, ok := d.l.get(src); ok && *last == seq {
		d.dups++
		return true
	}
	*d.l.put(src) = seq
	return false
}

// Duplicates returns how many duplicates the filter reported.
func (d *DSNFilter) Duplicates() uint64 { return d.dups }

// Evictions returns how many sources were forgotten to stay within
// capacity.
func (d *DSNFilter) Evictions() uint64 { return d.l.evictions }
