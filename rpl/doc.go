// Package rpl implements the leaf parts of RPL, the IPv6 Routing Protocol
// for Low-Power and Lossy Networks, for meshgw's root and router nodes: the
// wire codecs, the Trickle timer, the objective functions and the sequence
// counters. The DODAG state machine and the route tables build on them.
//
// Everything here is sans-I/O: no clocks (time is passed in), no
// goroutines, no sockets, randomness from an injected *rand.Rand. Decoders
// check every length before slicing, never trust a length field, decode
// into caller-owned values without allocating and return the sentinel
// errors in errors.go. Encoders append to a caller's buffer.
//
// # Control messages (RFC 6550)
//
// RPL control messages are ICMPv6 type 155. Message, DIS, DIO, DAO and
// DAOACK decode and encode the whole ICMPv6 message:
//
//	 0               1               2               3
//	+---------------+---------------+-------------------------------+
//	|  Type = 155   |     Code      |           Checksum            |
//	+---------------+---------------+-------------------------------+
//	|            base object (DIS 2, DIO 24, DAO/DAO-ACK 4 or 20)   |
//	+---------------------------------------------------------------+
//	|        options: Type, Length (bytes after it), body ...       |
//	+---------------------------------------------------------------+
//
// The options handled are Pad1 and PadN, DAG Metric Container (RFC 6551
// ETX and hop-count objects), Route Information, DODAG Configuration, RPL
// Target, Transit Information, Solicited Information, Prefix Information and
// RPL Target Descriptor; unknown options are skipped. Secure messages
// (codes 0x80-0x83) and the secure-only Consistency Check (0x8A) are
// refused with ErrSecure and ErrConsistencyCheck. Encoders leave the
// checksum zero; Checksum, SetChecksum and VerifyChecksum compute it over
// the IPv6 pseudo-header (RFC 4443, RFC 8200).
//
// # Data-plane headers
//
// RPI is the RPL Option carried in a Hop-by-Hop Options header (RFC 6553).
// Both option types are decoded: 0x63 (RFC 6553) and 0x23 (RFC 9008, which
// unaware nodes such as the Linux kernel skip instead of dropping the
// packet); the caller picks the type it emits.
//
// SRH, AppendSourceRoute and ProcessSRH handle the RPL Source Routing
// Header (RFC 6554), routing type 3, with prefix elision against the IPv6
// destination (CmprI, CmprE, Pad) and the router's swap step with loop
// detection.
//
// # Timers, ranks and objective functions
//
// Trickle is the Trickle algorithm (RFC 6206) driven by Reset, Consistent,
// Inconsistent, Poll and Deadline. OF0 (RFC 6552) and MRHOF (RFC 6719, ETX
// metric) implement ObjectiveFunction. Lollipop and Compare are RPL's
// sequence counters (RFC 6550 section 7.2); DAGRank, RootRank and
// InfiniteRank are its rank arithmetic (section 3.5).
//
// References: RFC 6550 (RPL), RFC 6206 (Trickle), RFC 6551 (routing
// metrics), RFC 6552 (OF0), RFC 6553 (RPL Option), RFC 6554 (Source Routing
// Header), RFC 6719 (MRHOF), RFC 8180 (OF0 step from ETX), RFC 9008 (RPI
// option type 0x23).
package rpl
