package lowpan

// DropReason says why a frame, a fragment or a datagram was dropped. Every
// sentinel error of this package carries one; [Counters] counts drops by
// reason so the node can export them as metrics.
type DropReason uint8

// Drop reasons. The order is the order of [Counters.Drops].
const (
	DropTruncated           DropReason = iota // a header or inline field runs past the end of the frame
	DropNotLowpan                             // NALP dispatch (00xxxxxx): not a 6LoWPAN frame
	DropUnsupportedDispatch                   // ESC, HC1, DFF or a reserved dispatch value
	DropPageSwitch                            // RFC 8025 page switch to a page other than 0
	DropMesh                                  // mesh header: mesh-under forwarding is not implemented
	DropBroadcast                             // LOWPAN_BC0 header (only used with mesh-under)
	DropReserved                              // reserved IPHC or unknown LOWPAN_NHC encoding
	DropUnknownContext                        // a context identifier that the table does not hold
	DropLinkAddress                           // an address elided but the link-layer address is absent
	DropChecksumElided                        // UDP NHC with the checksum elided (C = 1)
	DropBadExtHeader                          // an NHC-compressed extension header with an impossible length
	DropNesting                               // IPv6-in-IPv6 nested deeper than this package allows
	DropBadIPv6                               // malformed IPv6 packet (bad version or payload length)
	DropFragmentSize                          // fragment outside, or inconsistent with, its datagram_size
	DropFragmentConflict                      // overlapping or inconsistent fragments: datagram discarded
	DropReassemblyFull                        // datagram larger than the reassembly memory bound
	DropFragmented                            // a fragment handed to a function that needs a whole packet
	DropBudget                                // frame budget too small for the compressed headers
	DropTooBig                                // packet larger than the 2047-byte datagram_size limit
	DropDuplicate                             // duplicate fragment, ignored (no error is returned)
	DropEvicted                               // reassembly evicted to make room for a newer datagram
	DropTimeout                               // reassembly timed out (RFC 4944: 60 s)

	// NumDropReasons is the number of drop reasons, the length of [Counters.Drops].
	NumDropReasons = iota
)

var dropNames = [NumDropReasons]string{
	DropTruncated:           "truncated",
	DropNotLowpan:           "not_lowpan",
	DropUnsupportedDispatch: "unsupported_dispatch",
	DropPageSwitch:          "page_switch",
	DropMesh:                "mesh_header",
	DropBroadcast:           "broadcast_header",
	DropReserved:            "reserved_encoding",
	DropUnknownContext:      "unknown_context",
	DropLinkAddress:         "no_link_address",
	DropChecksumElided:      "checksum_elided",
	DropBadExtHeader:        "bad_extension_header",
	DropNesting:             "nesting",
	DropBadIPv6:             "bad_ipv6",
	DropFragmentSize:        "fragment_size",
	DropFragmentConflict:    "fragment_conflict",
	DropReassemblyFull:      "reassembly_full",
	DropFragmented:          "fragmented",
	DropBudget:              "budget",
	DropTooBig:              "too_big",
	DropDuplicate:           "duplicate_fragment",
	DropEvicted:             "reassembly_evicted",
	DropTimeout:             "reassembly_timeout",
}

// String returns the reason as a metric label value, such as "truncated".
func (r DropReason) String() string {
	if int(r) < len(dropNames) {
		return dropNames[r]
	}
	return "unknown"
}

// Error is the type of every sentinel error of this package. The sentinels
// are returned unwrapped, so that a drop does not allocate; match them with
// errors.Is, and get the reason with errors.As or [ReasonOf].
type Error struct {
	Reason DropReason
	msg    string
}

// Error returns the message, prefixed with the package name.
func (e *Error) Error() string { return "lowpan: " + e.msg }

// Sentinel errors. Each is an *[Error] with the matching [DropReason].
var (
	ErrTruncated           error = &Error{DropTruncated, "header or inline field past the end of the frame"}
	ErrNotLowpan           error = &Error{DropNotLowpan, "not a 6LoWPAN frame (NALP dispatch)"}
	ErrUnsupportedDispatch error = &Error{DropUnsupportedDispatch, "unsupported dispatch"}
	ErrPageSwitch          error = &Error{DropPageSwitch, "unsupported dispatch page (RFC 8025)"}
	ErrMeshHeader          error = &Error{DropMesh, "mesh header: mesh-under forwarding not supported"}
	ErrBroadcastHeader     error = &Error{DropBroadcast, "LOWPAN_BC0 broadcast header not supported"}
	ErrReserved            error = &Error{DropReserved, "reserved or unknown IPHC/NHC encoding"}
	ErrUnknownContext      error = &Error{DropUnknownContext, "unknown or unusable compression context"}
	ErrLinkAddress         error = &Error{DropLinkAddress, "elided address but no link-layer address"}
	ErrChecksumElided      error = &Error{DropChecksumElided, "UDP checksum elided"}
	ErrBadExtHeader        error = &Error{DropBadExtHeader, "bad compressed extension header length"}
	ErrNesting             error = &Error{DropNesting, "IPv6-in-IPv6 nested too deep"}
	ErrBadIPv6             error = &Error{DropBadIPv6, "malformed IPv6 packet"}
	ErrFragmentSize        error = &Error{DropFragmentSize, "fragment inconsistent with datagram size"}
	ErrFragmentConflict    error = &Error{DropFragmentConflict, "overlapping or conflicting fragments"}
	ErrReassemblyFull      error = &Error{DropReassemblyFull, "datagram exceeds reassembly memory"}
	ErrFragmented          error = &Error{DropFragmented, "fragment where a whole packet is needed"}
	ErrBudget              error = &Error{DropBudget, "frame budget too small"}
	ErrTooBig              error = &Error{DropTooBig, "packet too big to fragment"}
)

// ReasonOf returns the drop reason of an error returned by this package.
// ok is false for nil and for errors of other packages.
func ReasonOf(err error) (r DropReason, ok bool) {
	for err != nil {
		if e, isE := err.(*Error); isE {
			return e.Reason, true
		}
		u, isU := err.(interface{ Unwrap() error })
		if !isU {
			return 0, false
		}
		err = u.Unwrap()
	}
	return 0, false
}

// Counters counts what the adaptation layer did and, by reason, what it
// dropped. The zero value is ready; all fields only grow.
type Counters struct {
	// Drops counts dropped frames, fragments and datagrams, indexed by
	// [DropReason].
	Drops [NumDropReasons]uint64

	Received    uint64 // unfragmented packets delivered by Input
	Reassembled uint64 // datagrams completed from fragments
	Sent        uint64 // packets handed to Output that fit in one frame
	Fragmented  uint64 // packets handed to Output that needed fragments
}

// count adds one drop for err when err is one of this package's errors.
func (c *Counters) count(err error) {
	if r, ok := ReasonOf(err); ok {
		c.Drops[r]++
	}
}

// add adds o into c.
func (c *Counters) add(o *Counters) {
	for i := range c.Drops {
		c.Drops[i] += o.Drops[i]
	}
	c.Received += o.Received
	c.Reassembled += o.Reassembled
	c.Sent += o.Sent
	c.Fragmented += o.Fragmented
}
