package rpl

import "errors"

// Sentinel errors. Decoders return one of these unwrapped (no allocation on
// the drop path), so callers branch with errors.Is and count drops by cause.
var (
	// ErrTruncated reports a message, header or option shorter than its
	// fixed part or than its own length field says.
	ErrTruncated = errors.New("rpl: truncated")
	// ErrNotRPL reports an ICMPv6 message whose type is not 155 (RPL Control).
	ErrNotRPL = errors.New("rpl: not an RPL control message")
	// ErrWrongCode reports a message decoded as one code (DIO, DAO, ...) that
	// carries another.
	ErrWrongCode = errors.New("rpl: message code does not match")
	// ErrSecure reports a secure RPL message (codes 0x80-0x83). Secure RPL
	// (RFC 6550 section 10) is not implemented: meshgw protects the mesh with
	// link-layer security, as Contiki-NG, RIOT and Wi-SUN do.
	ErrSecure = errors.New("rpl: secure RPL messages are not supported")
	// ErrConsistencyCheck reports a Consistency Check message (code 0x8A).
	// RFC 6550 section 6.6 defines it only in secure form, so it is refused
	// for the same reason as ErrSecure.
	ErrConsistencyCheck = errors.New("rpl: consistency check messages (secure only) are not supported")
	// ErrUnknownCode reports an RPL control message code that RFC 6550 does
	// not define.
	ErrUnknownCode = errors.New("rpl: unknown message code")
	// ErrOptionLength reports an option (or a metric object inside a DAG
	// Metric Container) whose length field runs past the end of the message
	// or does not fit the option's fixed fields.
	ErrOptionLength = errors.New("rpl: bad option length")
	// ErrPrefixLength reports a prefix length above 128, or a prefix field
	// too short for its prefix length or longer than 16 bytes.
	ErrPrefixLength = errors.New("rpl: bad prefix length")
	// ErrTooManyOptions reports more repeated options (targets, transits,
	// prefixes, routes, metric objects) than the fixed arrays of the decoded
	// structure hold, or a second copy of an option allowed only once.
	ErrTooManyOptions = errors.New("rpl: too many options")
	// ErrOptionOrder reports a Transit Information or Target Descriptor
	// option that does not follow an RPL Target option (RFC 6550 section
	// 6.7.8 and 6.7.10).
	ErrOptionOrder = errors.New("rpl: option out of order")
	// ErrBadFlags reports flags that contradict the message: a local
	// RPLInstanceID in a DAO or DAO-ACK without the D flag (RFC 6550
	// sections 6.4.1 and 6.5.1).
	ErrBadFlags = errors.New("rpl: invalid flags")
	// ErrInvalid reports an encoder input that cannot be put on the wire: a
	// missing or non-IPv6 address, a count above the fixed array size, a
	// value out of range.
	ErrInvalid = errors.New("rpl: invalid field value")

	// ErrNotRPI reports a hop-by-hop option whose type is neither 0x63
	// (RFC 6553) nor 0x23 (RFC 9008).
	ErrNotRPI = errors.New("rpl: not an RPL option")
	// ErrDuplicateRPI reports a hop-by-hop header carrying two RPL options.
	ErrDuplicateRPI = errors.New("rpl: duplicate RPL option")

	// ErrNotSRH reports a routing header whose routing type is not 3.
	ErrNotSRH = errors.New("rpl: not an RPL source routing header")
	// ErrSRHLength reports a source routing header whose Hdr Ext Len, CmprI,
	// CmprE and Pad do not describe a whole number of addresses.
	ErrSRHLength = errors.New("rpl: inconsistent source routing header length")
	// ErrSRHSegmentsLeft reports Segments Left greater than the number of
	// addresses (RFC 6554 section 4.2: ICMPv6 Parameter Problem, code 0,
	// pointing at the Segments Left field).
	ErrSRHSegmentsLeft = errors.New("rpl: segments left exceeds address count")
	// ErrSRHMulticast reports a multicast next address or destination in a
	// source routing header (RFC 6554 section 4.2: discard).
	ErrSRHMulticast = errors.New("rpl: multicast address in source route")
	// ErrSRHLoop reports a source route in which addresses of this node
	// appear more than once, separated by another node's address (RFC 6554
	// section 4.2: ICMPv6 Parameter Problem, code 0), or, when encoding, a
	// route that lists one address twice.
	ErrSRHLoop = errors.New("rpl: routing loop in source route")
	// ErrSRHTooLong reports a source route with more addresses than
	// MaxSRHAddresses (decoding into SRH) or than Segments Left can count.
	ErrSRHTooLong = errors.New("rpl: source route too long")
	// ErrSRHCompression reports, when encoding an SRH with given CmprI and
	// CmprE, an address that does not share the elided prefix with the
	// destination.
	ErrSRHCompression = errors.New("rpl: address does not share elided prefix")

	// ErrTrickleConfig reports Trickle parameters whose Imax overflows (Imin
	// exponent plus doublings above 40, about 12.7 days) or a nil random
	// source.
	ErrTrickleConfig = errors.New("rpl: invalid trickle configuration")
)
