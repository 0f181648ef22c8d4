package lowpan

import "github.com/meshgw/meshgw/wpan"

// maxHeader bounds the compressed headers a [Fragments] holds. Headers that
// would not fit (only possible with budgets above 255 bytes) are carried
// uncompressed instead, which is always valid.
const maxHeader = 256

// minBudget is the smallest frame budget Output accepts: a FRAGN header and
// one 8-byte unit.
const minBudget = fragNHeaderLen + 8

// Fragments produces the frame payloads of one outgoing IPv6 packet: a
// single 6LoWPAN payload when the compressed packet fits the budget, or a
// FRAG1 followed by FRAGN payloads (RFC 4944 §5.3). [Layer.Output] fills
// it; [Fragments.Next] then appends one frame payload per call. It refers to
// the packet passed to Output, which must not change until the last frame
// is produced. A Fragments may be reused for another packet, and it holds
// everything it needs, so keeping one in the node's state avoids allocation.
type Fragments struct {
	pkt      []byte
	hdr      [maxHeader]byte
	hdrLen   int
	consumed int // bytes of pkt that hdr covers
	off      int // next byte of pkt to send
	budget   int
	tag      uint16
	state    uint8
	frag     bool
	frames   int
}

const (
	fragDone uint8 = iota
	fragSingle
	fragFirst
	fragRest
)

// init prepares f for pkt. tag is consumed only if pkt needs fragments.
func (f *Fragments) init(pkt []byte, src, dst wpan.Addr, ctx *Contexts, budget int, tag *uint16) error {
	f.state, f.pkt, f.frag, f.frames = fragDone, nil, false, 0
	if budget < minBudget {
		return ErrBudget
	}
	if err := f.compress(pkt, src, dst, ctx, budget); err != nil {
		return err
	}
	if rest := len(pkt) - f.consumed; f.hdrLen+rest <= budget {
		f.pkt, f.budget, f.state, f.frames = pkt, budget, fragSingle, 1
		return nil
	}
	if len(pkt) > MaxDatagramSize {
		return ErrTooBig
	}
	if f.hdrLen > budget-frag1HeaderLen {
		// The compressed headers must all be in the first fragment:
		// compress again within its room, carrying inline what does not
		// fit.
		if err := f.compress(pkt, src, dst, ctx, budget-frag1HeaderLen); err != nil {
			return err
		}
	}
	f.pkt, f.budget, f.state = pkt, budget, fragFirst
	f.off = f.consumed + f.firstLen()
	f.tag, f.frag = *tag, true
	*tag++
	// Count the frames: the first, then full FRAGNs and a shorter last one.
	per := (budget - fragNHeaderLen) &^ 7
	f.frames = 1 + (len(pkt)-f.off+per-1)/per
	return nil
}

// compress fills f.hdr with the compressed headers of pkt, at most limit
// bytes. When even the LOWPAN_IPHC header does not fit, it falls back to the
// uncompressed dispatch (RFC 4944 §5.1), whose header bytes may spread over
// several fragments.
func (f *Fragments) compress(pkt []byte, src, dst wpan.Addr, ctx *Contexts, limit int) error {
	out, n, err := compressHeaders(f.hdr[:0], pkt, src, dst, ctx, min(limit, maxHeader))
	switch err {
	case nil:
		f.hdrLen, f.consumed = copy(f.hdr[:], out), n
	case ErrBudget:
		f.hdr[0] = dispatchIPv6
		f.hdrLen, f.consumed = 1, 0
	default:
		return err
	}
	return nil
}

// firstLen is how many bytes of the packet after the headers FRAG1 carries:
// as many as fit, keeping the next offset a multiple of 8 (the headers
// always cover a multiple of 8 bytes).
func (f *Fragments) firstLen() int {
	room := f.budget - frag1HeaderLen - f.hdrLen
	k := (f.consumed+room)&^7 - f.consumed
	return max(0, min(k, len(f.pkt)-f.consumed))
}

// Frames returns how many frame payloads the packet needs in all.
func (f *Fragments) Frames() int { return f.frames }

// Tag returns the datagram tag, and whether the packet is fragmented.
func (f *Fragments) Tag() (uint16, bool) { return f.tag, f.frag }

// Next appends the next frame payload to dst and returns it with ok true, or
// returns dst and false when all frames have been produced. It does not
// allocate when dst has room for the budget.
func (f *Fragments) Next(dst []byte) (frame []byte, ok bool) {
	size := len(f.pkt)
	switch f.state {
	case fragSingle:
		dst = append(dst, f.hdr[:f.hdrLen]...)
		dst = append(dst, f.pkt[f.consumed:]...)
		f.state = fragDone
		return dst, true
	case fragFirst:
		dst = append(dst, dispatchFrag1|byte(size>>8), byte(size), byte(f.tag>>8), byte(f.tag))
		dst = append(dst, f.hdr[:f.hdrLen]...)
		dst = append(dst, f.pkt[f.consumed:f.off]...)
		f.state = fragRest
		if f.off == size {
			f.state = fragDone
		}
		return dst, true
	case fragRest:
		n := min(size-f.off, (f.budget-fragNHeaderLen)&^7)
		dst = append(dst, dispatchFragN|byte(size>>8), byte(size), byte(f.tag>>8), byte(f.tag), byte(f.off/8))
		dst = append(dst, f.pkt[f.off:f.off+n]...)
		f.off += n
		if f.off == size {
			f.state = fragDone
		}
		return dst, true
	}
	return dst, false
}
