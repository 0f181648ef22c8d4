// Package mle implements Mesh Link Establishment: the message codec, message
// security, key derivation and rotation rules, frame-counter replay checks,
// link margin, link quality and ETX estimation.
//
// # Standards
//
// The wire format, commands, TLVs and processing rules follow
// draft-ietf-6lo-mesh-link-establishment-00 (R. Kelsey, December 2015; the
// same codepoints as draft-kelsey-intarea-mesh-link-establishment-06), cited
// below as "draft §n". Where the draft is silent, the package follows the
// Thread profile of MLE as OpenThread implements it, so that messages
// interoperate with Thread devices and Wireshark's MLE dissector:
//
//   - Keys: the draft leaves key management out of scope. The MLE key is
//     derived from a 16-byte network key and a 32-bit key sequence with
//     Thread's HMAC-SHA256 construction ([DeriveKeys]); the key source in
//     the auxiliary header is the key sequence (big-endian) and the key
//     index is (sequence & 0x7F) + 1.
//   - Security: the draft secures with 802.15.4 CCM* "as in 802.15.4" but
//     names neither level nor key identifier mode; MLE here uses security
//     level 5 (ENC-MIC-32, 4-byte MIC) and key identifier mode 2 only, and
//     rejects any other security control byte, as Thread does.
//   - The CCM* nonce is the sender's EUI-64 ‖ frame counter (big-endian)
//     ‖ 5; the authenticated data is IPv6 source ‖ IPv6 destination ‖ the
//     10-byte auxiliary header. When the MAC source was a short address the
//     EUI-64 comes from the link-local source's interface identifier
//     ([ExtAddrFromLinkLocal]).
//   - TLVs 16–18 (Link Margin, Status, Version) are Thread's; the draft
//     leaves 9–255 unassigned. Thread's other TLVs (Route64, Leader Data,
//     ...) are skipped like any unknown TLV.
//   - Challenge and Response values are 4–8 bytes (the draft requires at
//     least 4; OpenThread accepts 4–8).
//   - Key rotation ([DecideKey]) and link quality ([QualityFromMargin],
//     [RSSAverager]) follow OpenThread's KeyManager and link_quality.cpp.
//     Replay state ([ReplayState]) stores the next expected counter per
//     neighbour as OpenThread does; the draft's rule (§9) is the same.
//   - [ETXEstimator] turns MAC acknowledgement outcomes into ETX and the
//     inverse delivery ratio the draft's Link Quality TLV carries (§7.7);
//     its EWMA weights follow RIOT and Contiki-NG, since the draft gives
//     none.
//
// # Message format
//
//	secured:   | 0   | aux header (10) | command | TLVs ... | MIC (4) |
//	unsecured: | 255 | command | TLVs ... |
//
//	aux header: 0x15 | frame counter (4, LE) | key sequence (4, BE) | key index (1)
//	TLV:        type (1) | length (1) | value (length bytes, big-endian fields)
//
// Only the Source Address and Network Parameter TLVs may repeat; unknown
// TLVs are skipped and unknown commands ignored (draft §6, §7).
//
// # Network parameter values
//
// The draft defines no value encodings for the Network Parameter TLV; this
// package carries values as opaque bytes. meshgw's profile encodes Channel
// as one byte (the channel number), PAN ID as two bytes big-endian, Permit
// Joining as one byte (0 off, 1 on) and Beacon Payload as raw bytes.
//
// # Receiving a message
//
// Before anything else the caller drops a message whose IPv6 hop limit is
// not [HopLimit] (255), as the draft requires for link configuration
// messages and Advertisements (§8); this package never sees the IPv6
// header. Then:
//
//	var h mle.Header
//	if err := h.Decode(payload); err != nil { drop }
//	switch h.Suite {
//	case mle.Suite154:
//		// pick the cipher for h.Aux.KeySequence ([DecideKey]) and check
//		// h.Aux.FrameCounter against the sender's [ReplayState]
//		body, aux, err := mle.Open(payload, cipher, senderEUI64, ipSrc, ipDst)
//		...
//	case mle.SuiteNone:
//		body = payload[h.Len():]
//	}
//	var m mle.Message
//	err := m.Decode(body) // and m.CheckUnsecured() for SuiteNone
//
// # Allocation and aliasing
//
// The codec does no I/O and does not allocate on the frame path: [Message]
// is decoded in place, its byte-slice fields alias the input, encoders
// append to a caller's buffer, and [Open] and [Seal] work in place with a
// [Cipher] prepared once per key sequence. Every error is an exported
// sentinel, returned unwrapped, for [errors.Is].
package mle
