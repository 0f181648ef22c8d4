package lowpan

import (
	"bytes"
	"encoding/binary"
	"time"

	"github.com/meshgw/meshgw/wpan"
)

// Reassembly defaults.
const (
	// DefaultReassemblyTimeout is RFC 4944 §5.3's maximum reassembly time.
	DefaultReassemblyTimeout = 60 * time.Second
	// DefaultMaxReassemblies is the default number of datagrams reassembled
	// at once.
	DefaultMaxReassemblies = 8
	// DefaultMaxReassemblyBytes is the default bound on the datagram bytes
	// held by reassemblies at once.
	DefaultMaxReassemblyBytes = 8 * 1280
)

// Config bounds the adaptation layer's reassembly state. Zero fields take
// the defaults.
type Config struct {
	// MaxReassemblies is how many datagrams may be reassembled at once.
	MaxReassemblies int
	// MaxReassemblyBytes bounds the sum of the datagram_size of the
	// datagrams being reassembled.
	MaxReassemblyBytes int
	// ReassemblyTimeout is how long after its first fragment a datagram is
	// dropped if it is still incomplete.
	ReassemblyTimeout time.Duration
}

func (c Config) withDefaults() Config {
	if c.MaxReassemblies <= 0 {
		c.MaxReassemblies = DefaultMaxReassemblies
	}
	if c.MaxReassemblyBytes <= 0 {
		c.MaxReassemblyBytes = DefaultMaxReassemblyBytes
	}
	if c.ReassemblyTimeout <= 0 {
		c.ReassemblyTimeout = DefaultReassemblyTimeout
	}
	return c
}

// reassemblyKey identifies a datagram (RFC 4944 §5.3).
type reassemblyKey struct {
	src, dst wpan.Addr
	size     uint16
	tag      uint16
}

// reassembly is one datagram being put together. Received ranges are kept
// as a bitmap of 8-byte units; every fragment starts on a unit and all but
// the last end on one, so no two fragments share a unit unless they
// overlap.
type reassembly struct {
	used     bool
	key      reassemblyKey
	start    time.Time
	buf      []byte // len == key.size
	units    [(MaxDatagramSize + 1) / 8 / 64]uint64
	received int
	first    bool // FRAG1 seen
}

// Reassembler puts fragmented datagrams back together (RFC 4944 §5.3) in
// bounded memory. It is sans-I/O: time is passed in, and [Reassembler.Deadline]
// tells when to call [Reassembler.Expire]. It is not safe for concurrent use.
// [Layer] embeds one; use it directly only without a Layer.
type Reassembler struct {
	cfg      Config
	slots    []reassembly
	bytes    int    // sum of key.size over used slots
	inUse    int    // number of used slots
	scratch  []byte // decompression of a first fragment
	counters Counters
}

// NewReassembler returns a reassembler bounded by cfg.
func NewReassembler(cfg Config) *Reassembler {
	cfg = cfg.withDefaults()
	return &Reassembler{
		cfg:     cfg,
		slots:   make([]reassembly, cfg.MaxReassemblies),
		scratch: make([]byte, 0, MaxDatagramSize),
	}
}

// Counters returns the reassembler's counters.
func (r *Reassembler) Counters() Counters { return r.counters }

// Pending returns how many datagrams are being reassembled and the sum of
// their sizes.
func (r *Reassembler) Pending() (datagrams, bytes int) {
	for i := range r.slots {
		if r.slots[i].used {
			datagrams++
		}
	}
	return datagrams, r.bytes
}

// Deadline returns when the oldest incomplete datagram times out; ok is
// false when none is pending.
func (r *Reassembler) Deadline() (t time.Time, ok bool) {
	if r.inUse == 0 {
		return t, false // the common case: nothing being reassembled
	}
	for i := range r.slots {
		s := &r.slots[i]
		if s.used && (!ok || s.start.Before(t)) {
			t, ok = s.start, true
		}
	}
	if ok {
		t = t.Add(r.cfg.ReassemblyTimeout)
	}
	return t, ok
}

// Expire drops the datagrams whose time is up at now, counting each.
func (r *Reassembler) Expire(now time.Time) {
	if r.inUse == 0 {
		return // the common case: nothing being reassembled
	}
	for i := range r.slots {
		s := &r.slots[i]
		if s.used && !now.Before(s.start.Add(r.cfg.ReassemblyTimeout)) {
			r.free(s)
			r.counters.Drops[DropTimeout]++
		}
	}
}

func (r *Reassembler) free(s *reassembly) {
	r.bytes -= int(s.key.size)
	r.inUse--
	s.used = false
}

// Add feeds one fragment: frag is the 6LoWPAN payload of a frame, starting
// with its FRAG1 or FRAGN header, and src and dst are the frame's MAC
// addresses. When frag completes its datagram, the IPv6 packet is appended
// to dst and returned; otherwise Add returns nil. A duplicate fragment is
// ignored (nil, nil) and counted. Errors are counted too; a fragment that
// overlaps or contradicts what was received discards its datagram
// ([ErrFragmentConflict]).
func (r *Reassembler) Add(now time.Time, dst []byte, src, dstAddr wpan.Addr, frag []byte, ctx *Contexts) ([]byte, error) {
	pkt, err := r.add(now, dst, src, dstAddr, frag, ctx)
	if err != nil {
		r.counters.count(err)
	}
	return pkt, err
}

func (r *Reassembler) add(now time.Time, dst []byte, src, dstAddr wpan.Addr, frag []byte, ctx *Contexts) ([]byte, error) {
	r.Expire(now)
	if len(frag) < frag1HeaderLen {
		return nil, ErrTruncated
	}
	first := frag[0]&dispatchFragMask == dispatchFrag1
	if !first && frag[0]&dispatchFragMask != dispatchFragN {
		return nil, ErrFragmented // not a fragment: the caller's mistake
	}
	size := int(binary.BigEndian.Uint16(frag[0:]) & 0x7ff)
	tag := binary.BigEndian.Uint16(frag[2:])
	if size < ipv6HeaderLen {
		return nil, ErrFragmentSize
	}

	// Work out the range [off, end) of the datagram this fragment holds,
	// decompressing a first fragment into scratch.
	var data []byte
	var off int
	if first {
		b := frag[frag1HeaderLen:]
		k, i, err := classify(b)
		if err != nil {
			return nil, err
		}
		b = b[i:]
		switch k {
		case kindIPHC:
			out, n, err := decompressIPHC(r.scratch[:0], b, src, dstAddr, ctx, size)
			if err != nil {
				return nil, err
			}
			if len(out)+len(b)-n > size {
				return nil, ErrFragmentSize
			}
			data = append(out, b[n:]...)
			r.scratch = data[:0] // keep the buffer should it have grown
		case kindIPv6:
			data = b[1:]
		case kindFrag1, kindFragN:
			return nil, ErrFragmentSize // a fragment header inside a fragment
		case kindMesh:
			return nil, ErrMeshHeader
		default:
			return nil, ErrBroadcastHeader
		}
	} else {
		if len(frag) < fragNHeaderLen {
			return nil, ErrTruncated
		}
		off = int(frag[4]) * 8
		data = frag[fragNHeaderLen:]
		if off == 0 { // offset 0 is the first fragment's, which has FRAG1
			return nil, ErrFragmentSize
		}
	}
	end := off + len(data)
	if len(data) == 0 || end > size || end%8 != 0 && end != size {
		return nil, ErrFragmentSize
	}

	key := reassemblyKey{src: src, dst: dstAddr, size: uint16(size), tag: tag}
	s := r.lookup(key)
	if s == nil {
		var err error
		if s, err = r.admit(now, key); err != nil {
			return nil, err
		}
	}

	// Compare with what the units of this range already hold.
	lo, hi := off/8, (end+7)/8
	set := 0
	for u := lo; u < hi; u++ {
		if s.units[u/64]&(1<<(u%64)) != 0 {
			set++
		}
	}
	switch {
	case set == hi-lo && bytes.Equal(s.buf[off:end], data):
		r.counters.Drops[DropDuplicate]++
		return nil, nil
	case set != 0:
		r.free(s)
		return nil, ErrFragmentConflict
	}
	copy(s.buf[off:end], data)
	for u := lo; u < hi; u++ {
		s.units[u/64] |= 1 << (u % 64)
	}
	s.received += end - off
	s.first = s.first || first
	if s.received < size || !s.first {
		return nil, nil
	}
	r.free(s)
	if err := checkIPv6(s.buf); err != nil {
		return nil, err
	}
	r.counters.Reassembled++
	return append(dst, s.buf...), nil
}

func (r *Reassembler) lookup(key reassemblyKey) *reassembly {
	for i := range r.slots {
		if r.slots[i].used && r.slots[i].key == key {
			return &r.slots[i]
		}
	}
	return nil
}

// admit starts a reassembly for key, evicting the oldest ones while the
// slots or the byte bound are exhausted.
func (r *Reassembler) admit(now time.Time, key reassemblyKey) (*reassembly, error) {
	size := int(key.size)
	if size > r.cfg.MaxReassemblyBytes {
		return nil, ErrReassemblyFull
	}
	for {
		var free, oldest *reassembly
		n := 0
		for i := range r.slots {
			s := &r.slots[i]
			if !s.used {
				if free == nil {
					free = s
				}
				continue
			}
			n++
			if oldest == nil || s.start.Before(oldest.start) {
				oldest = s
			}
		}
		if free != nil && r.bytes+size <= r.cfg.MaxReassemblyBytes {
			*free = reassembly{used: true, key: key, start: now, buf: free.buf}
			if cap(free.buf) < size {
				free.buf = make([]byte, MaxDatagramSize)
			}
			free.buf = free.buf[:size]
			r.bytes += size
			r.inUse++
			return free, nil
		}
		// oldest is not nil: either no slot is free, or used slots hold
		// bytes.
		r.free(oldest)
		r.counters.Drops[DropEvicted]++
	}
}
