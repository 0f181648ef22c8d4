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
//     ...) are skipped like any unknown TLV. TLVs 48 (Tx Power) and 49
//     (Link Margins) are meshgw's, from the unassigned range and outside
//     the numbers Thread uses, for transmit power control; other stacks
//     skip them.
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
// # The engine
//
// [Engine] runs the protocol for one node, sans-I/O: HandleMessage (with the
// hop limit, which it checks first), Poll at Deadline, ObserveTx and
// ObserveRx from the MAC; PopOutbound and PopEvent after every call.
//
//   - Link establishment (draft §10): a multicast Link Request at start
//     (repeated every MRT while the node has no link), answered after a
//     random 0–1 s by Link Accept And Request; a unicast Link Request to
//     every stranger whose authenticated Advertisement is heard. Requests
//     are retransmitted (URT 1 s doubling to MRT 5 s, MRC 3, ×[0.9, 1.1])
//     with a new 8-byte challenge each time. A Link Accept is taken only
//     with the Response to an outstanding challenge; it sets the
//     neighbour's MLE and link-layer counter floors (EventLinkUp carries
//     the latter for the MAC replay windows).
//   - Replay: messages from established neighbours are checked against
//     the floor before the MIC; Advertisements and Link Requests from
//     strangers change no state (the latter are only answered).
//   - The link table is bounded (Config.MaxLinks); a newcomer evicts the
//     unpinned link of lowest quality (highest ETX on ties) only when that
//     one is strictly worse; Pin keeps a link. A link silent for 3/4 of
//     LinkTimeout is re-validated with a unicast Link Request and ends
//     when that fails or LinkTimeout passes.
//   - A secured unicast frame from a stranger is answered with a Link
//     Reject (RejectUnknown, one per RejectInterval); a Link Reject from a
//     neighbour ends the link and starts a new handshake.
//   - Key rotation follows [DecideKey]; the MLE counter is not reset on a
//     new key sequence (it stays monotonic, which is stricter).
//   - Advertisements go out on a Trickle timer (1–32 s, reset on link
//     changes) with Link Quality records (flags I|O, P when pinned) for
//     up to MaxAdvertisedLinks neighbours: the pinned ones in every
//     Advertisement, the others rotating. The draft does not say
//     how to measure the incoming IDR; meshgw advertises it from the link
//     quality: LQ3 0x20, LQ2 0x28, LQ1 0x40, LQ0 0xFF, and reads a
//     neighbour's record for this node back as its outgoing quality. ETX
//     comes from MAC acknowledgements (ObserveTx, [ETXEstimator]).
//   - Link margins for transmit power control (meshgw): an engine told its
//     power (Engine.SetTxPower) declares it in a Tx Power TLV (one signed
//     byte, dBm) in its Advertisements. A neighbour measures the margin of
//     such an Advertisement and keeps it normalised to 0 dBm (margin − Tx
//     Power, dB); its own Advertisements carry a Link Margins TLV, one signed
//     byte per Link Quality record in the same order (0x80: none). The
//     engine reads its own entry back as an EventLinkMargin
//     (LinkInfo.MarginOut0DBm): the margin frames it sends at p dBm have
//     at that neighbour is the value + p. Measuring only Advertisements,
//     whose power is declared, keeps the report exact although unicasts to
//     different neighbours go at different levels.
//
// # Network parameters and channel moves
//
// Distribute sets a parameter after a delay. Updates carrying every pending
// change with its remaining delay go to ff02::1, MLE-secured, link-local
// (meshgw's profile: each node re-sends an Update it accepted from an
// established neighbour, UpdateRepeats times, instead of forwarding one
// link-secured Update over several hops as the draft suggests), so all
// nodes switch at the same moment. After a channel switch a node visits
// the old channel (up to 5 times, 20 s after the switch and then at
// doubling intervals) while a neighbour it had at the switch has not been
// heard on the new one: a multicast Link Request, then an Update, which
// the stragglers accept and relay among themselves. A node that had links
// and lost them all for OrphanTimeout scans ScanChannels with multicast
// Link Requests and stays where a link forms.
//
// # Open profile
//
// With Config.Unsecured messages use security suite 255 without challenge,
// response or counters; any such message from a node in range creates its
// link. Secured and open engines ignore each other (counted drops).
//
// # Allocation and aliasing
//
// The codec does no I/O and does not allocate on the frame path: [Message]
// is decoded in place, its byte-slice fields alias the input, encoders
// append to a caller's buffer, and [Open] and [Seal] work in place with a
// [Cipher] prepared once per key sequence. Every error is an exported
// sentinel, returned unwrapped, for [errors.Is].
package mle
