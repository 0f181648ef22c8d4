// Package lowpan implements the 6LoWPAN adaptation layer that carries IPv6
// over IEEE 802.15.4: the dispatch and fragmentation of RFC 4944, the
// LOWPAN_IPHC header compression and LOWPAN_NHC next-header compression of
// RFC 6282, and the dispatch paging of RFC 8025 (only page 0 is accepted).
//
// # What a node uses
//
// A [Layer] holds one node's state: its [Contexts] table, the reassembly of
// incoming fragments, its outgoing datagram tag and its [Counters].
//
//	pkt, err := l.Input(now, buf[:0], frame.Src, frame.Dst, frame.Payload)
//	// pkt != nil: a whole IPv6 packet (decompressed, or reassembled)
//	// pkt == nil, err == nil: a fragment was stored (or a duplicate ignored)
//	// err != nil: a counted drop; errors.Is(err, lowpan.ErrTruncated) …
//
//	var f lowpan.Fragments // kept in the node: no allocation per packet
//	err := l.Output(&f, pkt, src, dst, budget)
//	for frame, ok := f.Next(tx[:0]); ok; frame, ok = f.Next(tx[:0]) {
//		// send frame as the MAC payload
//	}
//
// The layer is sans-I/O: it never reads a clock. Input takes the time;
// [Layer.Deadline] tells when the oldest reassembly expires and
// [Layer.Poll] expires it. [Compress] and [Decompress] are the pure codec
// for unfragmented frames.
//
// # Wire format
//
// Dispatch (RFC 4944 §5.1, RFC 6282 §3.1): 01000001 uncompressed IPv6,
// 011xxxxx LOWPAN_IPHC, 11000xxx FRAG1, 11100xxx FRAGN, 10xxxxxx mesh header,
// 01010000 LOWPAN_BC0, 1111xxxx page switch. Mesh-under forwarding is not
// implemented: mesh and BC0 frames are parsed for length and dropped with
// [ErrMeshHeader] and [ErrBroadcastHeader].
//
//	LOWPAN_IPHC: 0 1 1 TF(2) NH HLIM(2) | CID SAC SAM(2) M DAC DAM(2)
//	then [CID byte] [TF fields] [Next Header] [Hop Limit] [src] [dst] [NHC…]
//
// Every TF, HLIM, SAM and DAM mode is encoded and decoded, stateless and
// with up to 16 contexts, including addresses derived from the 802.15.4
// source or destination (short or extended) and RFC 3306 multicast with a
// context. LOWPAN_NHC covers UDP (all port modes; the checksum is always
// carried, and a frame that elides it is refused with [ErrChecksumElided]),
// the Hop-by-Hop, Routing, Fragment, Destination Options and Mobility
// headers (EID 0–4, with RFC 6282's trailing-padding elision), and IPv6 (EID
// 7, a whole LOWPAN_IPHC of the inner header), chained as RFC 6282 §4.1
// says. That covers what RPL needs: the RPL Option in a Hop-by-Hop header
// (RFC 6553), the source routing header (RFC 6554) and IPv6-in-IPv6
// (RFC 9008).
//
// For an IPv6 header carried with EID 7, addresses elided in full (SAM or
// DAM 11) are derived from the 802.15.4 addresses of the frame, as
// OpenThread does, not from the encapsulating IPv6 header.
//
// Compression is exact: decompressing the output of [Compress] gives the
// same packet byte for byte. Fields that the decompressor could not restore
// exactly are carried inline.
//
// # Fragmentation and reassembly
//
// FRAG1 (4 bytes: 11000, datagram_size(11), datagram_tag(16)) carries all
// compressed headers; FRAGN (5 bytes, with datagram_offset in units of 8)
// carries the rest. Sizes and offsets count the uncompressed datagram (RFC
// 6282 §2). Reassembly is keyed by (link source, link destination,
// datagram_size, datagram_tag), times out 60 s after the first fragment
// (RFC 4944 §5.3), and is bounded in concurrent datagrams and bytes
// ([Config]); the oldest datagram is evicted to make room. Overlapping or
// contradictory fragments discard the datagram; exact duplicates are
// ignored.
//
// # Errors and counters
//
// Every failure is one of the exported sentinel errors, returned unwrapped
// (so a drop does not allocate) and matched with errors.Is. Each carries a
// [DropReason], which [Counters] uses to count drops for the node's metrics.
package lowpan
