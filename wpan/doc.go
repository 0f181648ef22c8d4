// Package wpan implements the IEEE 802.15.4 MAC layer that meshgw runs in
// user space: the frame codec for the 2003, 2006 and 2015 frame versions
// (IEEE 802.15.4-2006 §7.2, IEEE 802.15.4-2015 §7.2), the frame check
// sequence (CRC-16/KERMIT), the auxiliary security header and CCM* link-layer
// security (IEEE 802.15.4-2015 §9 and Annex B), frame-counter replay windows,
// outgoing frame counters that are reserved ahead in persistent storage, a
// data-sequence-number duplicate filter, and a pcap writer for Wireshark.
//
// Extended addresses are kept in canonical order everywhere in the API
// ([ExtAddr]); only the codec reverses them on the air.
//
// The package does no I/O (except [FileCounterStore] and the io.Writer of
// [PcapWriter]): decoders work on caller-owned buffers, do not allocate on
// the frame path and check every length before slicing. Bad input yields one
// of the exported sentinel errors (ErrTruncated, ErrReservedFrameType, …),
// never a panic.
//
// # Frames
//
// [Frame.Decode] parses a MAC frame without its FCS (radio drivers check and
// strip it; see [StripFCS]) into a caller-owned [Frame] whose IE, payload
// and MIC fields alias the input. [Frame.AppendTo] encodes a frame exactly
// as its fields say, so decode → encode reproduces the bytes.
// [Frame.SetAddrs] picks the PAN ID Compression bit by the version's rules
// (2006: source PAN elided when equal; 2015: Table 7-2, see
// [PANIDPresence]); [Frame.HeaderLen], [Frame.Overhead] and
// [Frame.MaxPayload] size the payload budget of a 127-byte PSDU.
// [PeekAckInfo] and [AppendImmAck] serve address filtering and automatic
// acknowledgment in software radios.
//
// 2015 header and payload IEs are exposed raw (HeaderIEs, PayloadIEs),
// without their termination IEs, which the encoder adds as required (HT1
// before payload IEs, HT2 before a payload, the payload IE list
// termination before a payload); [NextHeaderIE] and [NextPayloadIE] walk
// them. Multipurpose, fragment and extended frames (types 5–7) are rejected
// with ErrUnsupportedFrameType.
//
// # Security
//
// [CCMStar] is AES-128 CCM* with a 13-byte nonce (source EUI-64 in
// canonical order ‖ frame counter big-endian ‖ security level, see [Nonce])
// and MIC lengths 0, 4, 8 and 16; MLE uses the same primitive. For the MAC:
//
//   - send: take a counter from a [CounterSource], set Frame.Aux and call
//     [Frame.AppendSealed];
//   - receive: [Frame.Decode], then [Frame.Unsecure] with a [KeyLookup] and
//     [ReplayWindows] (check the counter → verify the MIC and decrypt in
//     place → advance the window), or [Frame.Open] for the bare step.
//
// The a-data is the MHR including the auxiliary security header and header
// IEs. In 2003/2006 frames the command identifier of a MAC command frame
// and the superframe, GTS and pending address fields of a beacon are in the
// clear and authenticated (Annex C.2.3); in 2015 frames everything after
// the header IEs — payload IEs, command identifier, payload — is encrypted,
// as Wireshark decrypts it. MIC-only levels authenticate the whole frame.
// Frame-counter suppression (TSCH, ASN nonces) is parsed but not sealed or
// opened (ErrUnsupportedSecurity).
//
// Outgoing counters are reserved ahead: a [CounterSource] stores n + 1000 in
// its [CounterStore] before it uses counter n at the reserved limit, so a
// crash never reuses a nonce; it refuses to send 0xFFFFFFFF
// (ErrCounterExhausted).
//
// # Captures
//
// [PcapWriter] writes frames with link type 195 (with FCS; Wireshark checks
// it), 230 (without FCS) or 283 (TAP header with RSSI, LQI and channel),
// without allocating per frame. All three decode cleanly in tshark 4.0.
//
// Types, errors and the state holders (ReplayWindows, DSNFilter,
// CounterSource, PcapWriter) are not safe for concurrent use unless their
// documentation says so; they belong to the node's owner goroutine.
package wpan
