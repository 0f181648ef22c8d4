package mle

import (
	"encoding/binary"
	"strconv"

	"github.com/meshgw/meshgw/wpan"
)

// Port is the UDP port IANA assigned to MLE (draft §5); MLE uses it as both
// source and destination port.
const Port = 19788

// HopLimit is the IPv6 hop limit every link configuration message and
// Advertisement is sent with; on receive, such a message with any other hop
// limit must be discarded (draft §8).
const HopLimit = 255

// Command is the MLE command type, the first byte of the message body.
type Command uint8

// Commands assigned by the draft (§6, §14.2). Thread continues the numbering
// from 7; this package treats 7–255 as unknown.
const (
	CmdLinkRequest          Command = 0
	CmdLinkAccept           Command = 1
	CmdLinkAcceptAndRequest Command = 2
	CmdLinkReject           Command = 3
	CmdAdvertisement        Command = 4
	CmdUpdate               Command = 5
	CmdUpdateRequest        Command = 6
)

// Known reports whether c is one of the commands the draft assigns (0–6).
func (c Command) Known() bool { return c <= CmdUpdateRequest }

// String returns the command's name as the draft spells it.
func (c Command) String() string {
	switch c {
	case CmdLinkRequest:
		return "Link Request"
	case CmdLinkAccept:
		return "Link Accept"
	case CmdLinkAcceptAndRequest:
		return "Link Accept and Request"
	case CmdLinkReject:
		return "Link Reject"
	case CmdAdvertisement:
		return "Advertisement"
	case CmdUpdate:
		return "Update"
	case CmdUpdateRequest:
		return "Update Request"
	default:
		return "Command(" + strconv.Itoa(int(c)) + ")"
	}
}

// TLVType is the type byte of an MLE TLV.
type TLVType uint8

// TLV types. 0–8 are the draft's (§7, §14.3); 16–18 are Thread's numbers
// for Link Margin, Status and Version, which this package also understands;
// 48 and 49 are meshgw's, from the range the draft leaves unassigned and
// Thread does not use, for transmit power control (see the package
// documentation). Every other type is skipped on decode, as the draft
// requires.
const (
	TLVSourceAddress    TLVType = 0
	TLVMode             TLVType = 1
	TLVTimeout          TLVType = 2
	TLVChallenge        TLVType = 3
	TLVResponse         TLVType = 4
	TLVLinkFrameCounter TLVType = 5
	TLVLinkQuality      TLVType = 6
	TLVNetworkParameter TLVType = 7
	TLVMLEFrameCounter  TLVType = 8
	TLVLinkMargin       TLVType = 16
	TLVStatus           TLVType = 17
	TLVVersion          TLVType = 18
	// TLVTxPower (meshgw) is the transmit power, in dBm, the message was
	// sent at: one signed byte.
	TLVTxPower TLVType = 48
	// TLVLinkMargins (meshgw) holds one signed byte per record of the
	// message's Link Quality TLV, in the same order: the margin, in dB,
	// at which the sender heard that neighbour's last Advertisement minus
	// the Tx Power that Advertisement declared, that is the margin
	// frames sent at 0 dBm would have; NoLinkMargin when it has none.
	TLVLinkMargins TLVType = 49
)

// NoLinkMargin marks a record of the Link Margins TLV without a
// measurement (the byte 0x80).
const NoLinkMargin int8 = -128

// Sets of TLV types with special rules.
const (
	knownTLVs = TLVSet(1<<TLVSourceAddress | 1<<TLVMode | 1<<TLVTimeout | 1<<TLVChallenge |
		1<<TLVResponse | 1<<TLVLinkFrameCounter | 1<<TLVLinkQuality | 1<<TLVNetworkParameter |
		1<<TLVMLEFrameCounter | 1<<TLVLinkMargin | 1<<TLVStatus | 1<<TLVVersion |
		1<<TLVTxPower | 1<<TLVLinkMargins)
	repeatableTLVs         = TLVSet(1<<TLVSourceAddress | 1<<TLVNetworkParameter)
	singleValuedTLVs       = knownTLVs &^ repeatableTLVs
	unsecuredForbiddenTLVs = TLVSet(1<<TLVChallenge | 1<<TLVResponse | 1<<TLVLinkFrameCounter)
	maxKnownTLV            = TLVLinkMargins
)

// String returns the TLV type's name.
func (t TLVType) String() string {
	switch t {
	case TLVSourceAddress:
		return "Source Address"
	case TLVMode:
		return "Mode"
	case TLVTimeout:
		return "Timeout"
	case TLVChallenge:
		return "Challenge"
	case TLVResponse:
		return "Response"
	case TLVLinkFrameCounter:
		return "Link-layer Frame Counter"
	case TLVLinkQuality:
		return "Link Quality"
	case TLVNetworkParameter:
		return "Network Parameter"
	case TLVMLEFrameCounter:
		return "MLE Frame Counter"
	case TLVLinkMargin:
		return "Link Margin"
	case TLVStatus:
		return "Status"
	case TLVVersion:
		return "Version"
	case TLVTxPower:
		return "Tx Power"
	case TLVLinkMargins:
		return "Link Margins"
	default:
		return "TLV(" + strconv.Itoa(int(t)) + ")"
	}
}

// TLVSet is a set of the TLV types this package knows, one bit per type
// (bit t for type t).
type TLVSet uint64

// Has reports whether t is in the set.
func (s TLVSet) Has(t TLVType) bool { return t <= maxKnownTLV && s&(1<<t) != 0 }

// With returns the set with t added. Types this package does not know are
// not added.
func (s TLVSet) With(t TLVType) TLVSet {
	if t > maxKnownTLV {
		return s
	}
	return (s | 1<<t) & knownTLVs
}

// Mode is the value of the Mode TLV: the 802.15.4 Capability Information
// byte (IEEE 802.15.4-2006 §7.3.1.2). Thread reuses the byte with its own
// meanings for bits 0 and 2 (0x01 full network data, 0x04 reserved, set on
// transmit); this package carries the byte unchanged.
type Mode uint8

// Mode bits as the draft defines them (802.15.4 Capability Information).
const (
	ModeAltPANCoordinator Mode = 0x01
	ModeFFD               Mode = 0x02 // Thread: full Thread device
	ModeMainsPowered      Mode = 0x04
	ModeRxOnWhenIdle      Mode = 0x08
	ModeSecurity          Mode = 0x40
	ModeAllocateAddress   Mode = 0x80
)

// Lengths of challenge and response values: the draft requires at least 4
// random bytes; OpenThread accepts 4–8 and sends 8.
const (
	MinChallengeLen = 4
	MaxChallengeLen = 8
)

// Bounds of the repeated TLVs a [Message] holds.
const (
	// MaxSourceAddrs is the number of Source Address TLVs a Message holds.
	MaxSourceAddrs = 4
	// MaxParams is the number of Network Parameter TLVs a Message holds.
	MaxParams = 8
	// MaxParamValueLen is the longest Network Parameter value that fits in
	// a TLV (255 minus the ID and delay).
	MaxParamValueLen = 255 - 5
)

// ParamID identifies a network parameter (draft §7.8, §14.4).
type ParamID uint8

// Network parameter IDs assigned by the draft. The draft does not define
// their value encodings; see the package documentation for meshgw's.
const (
	ParamChannel       ParamID = 0
	ParamPANID         ParamID = 1
	ParamPermitJoining ParamID = 2
	ParamBeaconPayload ParamID = 3
)

// NetworkParam is the value of one Network Parameter TLV: the parameter, the
// delay in milliseconds before the receiver applies it, and the new value.
type NetworkParam struct {
	ID    ParamID
	Delay uint32 // milliseconds
	// Value aliases the decoded message; copy it to keep it.
	Value []byte
}

// LinkFlags are the per-neighbour flags of a Link Quality TLV record.
type LinkFlags uint8

// Link Quality record flags (draft §7.7). The low five bits are reserved.
const (
	LinkIncoming LinkFlags = 0x80 // I: the sender's Receive State for the neighbour
	LinkOutgoing LinkFlags = 0x40 // O: the sender's Transmit State for the neighbour
	LinkPriority LinkFlags = 0x20 // P: the sender expects to use the link
)

// IDRUnusable is the inverse delivery ratio that marks a link unusable in a
// Link Quality record; IDRPerfect (0x20, ratio 1.0) is the best value.
const (
	IDRPerfect  uint8 = 0x20
	IDRUnusable uint8 = 0xFF
)

// LinkRecord is one neighbour record of a Link Quality TLV.
type LinkRecord struct {
	Flags LinkFlags
	// IDR is the incoming inverse delivery ratio (neighbour to sender)
	// times 32: [IDRPerfect] is 1.0, [IDRUnusable] marks an unusable link.
	IDR uint8
	// Addr is the neighbour's link-layer address (1–16 bytes). Records
	// returned by [LinkQualityTLV.Record] alias the decoded message.
	Addr []byte
}

// LinkQualityTLV is the value of the Link Quality TLV (draft §7.7): a list
// of equally sized neighbour records. The records are kept in wire form so
// that decoding does not allocate; read them with [LinkQualityTLV.Record]
// and add them with [LinkQualityTLV.Append].
type LinkQualityTLV struct {
	// Complete is the C flag: the list holds every neighbouring router the
	// sender has link quality data for.
	Complete bool
	// AddrLen is the length of every neighbour address, 1–16 bytes.
	AddrLen uint8
	// Records holds the records back to back in wire form, each
	// 2+AddrLen bytes. It aliases the decoded message.
	Records []byte
}

// recordLen returns the length of one record, or 0 when AddrLen is invalid.
func (q *LinkQualityTLV) recordLen() int {
	if q.AddrLen < 1 || q.AddrLen > 16 {
		return 0
	}
	return 2 + int(q.AddrLen)
}

// Len returns the number of records.
func (q *LinkQualityTLV) Len() int {
	n := q.recordLen()
	if n == 0 {
		return 0
	}
	return len(q.Records) / n
}

// Record returns record i, which must be in [0, Len()). Its address aliases
// Records.
func (q *LinkQualityTLV) Record(i int) LinkRecord {
	n := q.recordLen()
	r := q.Records[i*n : (i+1)*n : (i+1)*n]
	return LinkRecord{Flags: LinkFlags(r[0]), IDR: r[1], Addr: r[2:]}
}

// Append adds a record to Records. The address must be AddrLen bytes long.
// It allocates only when Records has no spare capacity, so callers that build
// advertisements repeatedly can set Records to a reused buffer[:0] first.
func (q *LinkQualityTLV) Append(r LinkRecord) error {
	n := q.recordLen()
	if n == 0 || len(r.Addr) != int(q.AddrLen) || 1+len(q.Records)+n > 255 {
		return ErrInvalidMessage
	}
	q.Records = append(q.Records, byte(r.Flags), r.IDR)
	q.Records = append(q.Records, r.Addr...)
	return nil
}

// Message is a decoded MLE message body: the command and its TLVs. It is
// meant to be reused: [Message.Decode] overwrites every field and does not
// allocate. Fields holding byte slices alias the decoded input.
//
// A single-valued TLV is present when its bit is set in Present; the
// repeatable Source Address and Network Parameter TLVs are present when
// their count is non-zero (Present holds no bits for them).
type Message struct {
	Command Command
	Present TLVSet

	SourceAddrs    [MaxSourceAddrs]wpan.Addr // short (2-byte) or extended (8-byte)
	NumSourceAddrs int

	Mode             Mode
	Timeout          uint32 // seconds
	Challenge        []byte // 4–8 bytes; aliases the input
	Response         []byte // 4–8 bytes; aliases the input
	LinkFrameCounter uint32 // the sender's outgoing 802.15.4 frame counter
	LinkQuality      LinkQualityTLV

	Params    [MaxParams]NetworkParam
	NumParams int

	MLEFrameCounter uint32 // the sender's outgoing MLE frame counter
	LinkMargin      uint8  // dB
	Status          uint8
	Version         uint16
	// TxPower is the Tx Power TLV (meshgw): the power, in dBm, the
	// message was sent at.
	TxPower int8
	// LinkMargins is the Link Margins TLV (meshgw): one signed byte per
	// Link Quality record (see TLVLinkMargins). It aliases the input.
	LinkMargins []byte
}

// Has reports whether the message carries a TLV of type t.
func (m *Message) Has(t TLVType) bool {
	switch t {
	case TLVSourceAddress:
		return m.NumSourceAddrs > 0
	case TLVNetworkParameter:
		return m.NumParams > 0
	default:
		return m.Present.Has(t)
	}
}

// Set marks the single-valued TLV t as present; it is the same as
// m.Present = m.Present.With(t). Repeatable TLVs are added with
// [Message.AddSourceAddr] and [Message.AddParam].
func (m *Message) Set(t TLVType) { m.Present = m.Present.With(t) }

// AddSourceAddr appends a Source Address TLV; it fails with ErrTooManyTLVs
// when the message already holds [MaxSourceAddrs].
func (m *Message) AddSourceAddr(a wpan.Addr) error {
	if m.NumSourceAddrs >= MaxSourceAddrs {
		return ErrTooManyTLVs
	}
	m.SourceAddrs[m.NumSourceAddrs] = a
	m.NumSourceAddrs++
	return nil
}

// AddParam appends a Network Parameter TLV; it fails with ErrTooManyTLVs
// when the message already holds [MaxParams].
func (m *Message) AddParam(p NetworkParam) error {
	if m.NumParams >= MaxParams {
		return ErrTooManyTLVs
	}
	m.Params[m.NumParams] = p
	m.NumParams++
	return nil
}

// CheckUnsecured reports ErrUnsecuredTLV if the message carries a
// Challenge, Response or Link-layer Frame Counter TLV. The draft forbids
// these in messages not secured by MLE (§10), so callers must run it on
// every message received with security suite 255 and drop the message on
// error.
func (m *Message) CheckUnsecured() error {
	if m.Present&unsecuredForbiddenTLVs != 0 {
		return ErrUnsecuredTLV
	}
	return nil
}

// Decode decodes a message body (command byte and TLVs) into m, overwriting
// every field. The slices in m alias b. TLVs of unknown types are skipped;
// a command outside 0–6 gives ErrUnknownCommand (with m.Command set) and the
// TLVs are not read. On any error the other fields of m are unspecified.
//
// Decode checks every length: a TLV running past the end gives
// ErrTLVTruncated, a length the draft fixes or bounds gives ErrTLVLength, a
// repeated single-valued TLV gives ErrDuplicateTLV and more repeated TLVs
// than m holds give ErrTooManyTLVs. It does not allocate.
func (m *Message) Decode(b []byte) error {
	*m = Message{}
	if len(b) < 1 {
		return ErrTruncated
	}
	m.Command = Command(b[0])
	if !m.Command.Known() {
		return ErrUnknownCommand
	}
	b = b[1:]
	for len(b) > 0 {
		if len(b) < 2 {
			return ErrTLVTruncated
		}
		t, n := TLVType(b[0]), int(b[1])
		if len(b)-2 < n {
			return ErrTLVTruncated
		}
		// Cap the value so that nobody appending to an aliased field can
		// overwrite the TLVs that follow.
		v := b[2 : 2+n : 2+n]
		b = b[2+n:]
		if err := m.decodeTLV(t, v); err != nil {
			return err
		}
	}
	return nil
}

// decodeTLV stores one TLV value in m.
func (m *Message) decodeTLV(t TLVType, v []byte) error {
	if !knownTLVs.Has(t) {
		return nil // draft §7: unknown TLVs MUST be ignored
	}
	if singleValuedTLVs.Has(t) {
		if m.Present.Has(t) {
			return ErrDuplicateTLV
		}
		m.Present |= 1 << t
	}
	switch t {
	case TLVSourceAddress:
		var a wpan.Addr
		switch len(v) {
		case 2:
			a = wpan.ShortAddress(wpan.ShortAddr(binary.BigEndian.Uint16(v)))
		case 8:
			a = wpan.ExtAddress(wpan.ExtAddr(v))
		default:
			return ErrTLVLength
		}
		return m.AddSourceAddr(a)
	case TLVMode:
		if len(v) != 1 {
			return ErrTLVLength
		}
		m.Mode = Mode(v[0])
	case TLVTimeout:
		if len(v) != 4 {
			return ErrTLVLength
		}
		m.Timeout = binary.BigEndian.Uint32(v)
	case TLVChallenge:
		if len(v) < MinChallengeLen || len(v) > MaxChallengeLen {
			return ErrTLVLength
		}
		m.Challenge = v
	case TLVResponse:
		if len(v) < MinChallengeLen || len(v) > MaxChallengeLen {
			return ErrTLVLength
		}
		m.Response = v
	case TLVLinkFrameCounter:
		if len(v) != 4 {
			return ErrTLVLength
		}
		m.LinkFrameCounter = binary.BigEndian.Uint32(v)
	case TLVLinkQuality:
		if len(v) < 1 {
			return ErrTLVLength
		}
		// Bits 6–4 of the first byte are reserved; the draft has senders
		// clear them and this decoder ignores them.
		q := LinkQualityTLV{Complete: v[0]&0x80 != 0, AddrLen: v[0]&0x0F + 1, Records: v[1:]}
		if len(q.Records)%q.recordLen() != 0 {
			return ErrTLVLength
		}
		m.LinkQuality = q
	case TLVNetworkParameter:
		if len(v) < 5 {
			return ErrTLVLength
		}
		return m.AddParam(NetworkParam{ID: ParamID(v[0]), Delay: binary.BigEndian.Uint32(v[1:5]), Value: v[5:]})
	case TLVMLEFrameCounter:
		if len(v) != 4 {
			return ErrTLVLength
		}
		m.MLEFrameCounter = binary.BigEndian.Uint32(v)
	case TLVLinkMargin:
		if len(v) != 1 {
			return ErrTLVLength
		}
		m.LinkMargin = v[0]
	case TLVStatus:
		if len(v) != 1 {
			return ErrTLVLength
		}
		m.Status = v[0]
	case TLVVersion:
		if len(v) != 2 {
			return ErrTLVLength
		}
		m.Version = binary.BigEndian.Uint16(v)
	case TLVTxPower:
		if len(v) != 1 {
			return ErrTLVLength
		}
		m.TxPower = int8(v[0])
	case TLVLinkMargins:
		m.LinkMargins = v
	}
	return nil
}

// AppendBinary appends the encoded message body (command byte and TLVs) to
// b. It encodes the Source Address TLVs first, then the single-valued TLVs
// in type order with the Network Parameter TLVs at their type's place. It
// fails with ErrUnknownCommand for a command outside 0–6 and with
// ErrInvalidMessage when a field does not fit its TLV (a challenge or
// response outside 4–8 bytes, a source address that is neither short nor
// extended, a malformed link quality list, an oversized parameter value);
// b is then returned unchanged. It does not allocate when b has room.
func (m *Message) AppendBinary(b []byte) ([]byte, error) {
	if err := m.validate(); err != nil {
		return b, err
	}
	b = append(b, byte(m.Command))
	for i := range m.NumSourceAddrs {
		a := &m.SourceAddrs[i]
		if a.Mode == wpan.AddrShort {
			b = append(b, byte(TLVSourceAddress), 2)
			b = binary.BigEndian.AppendUint16(b, uint16(a.Short))
		} else {
			b = append(b, byte(TLVSourceAddress), 8)
			b = append(b, a.Ext[:]...)
		}
	}
	p := m.Present
	if p.Has(TLVMode) {
		b = append(b, byte(TLVMode), 1, byte(m.Mode))
	}
	if p.Has(TLVTimeout) {
		b = appendUint32TLV(b, TLVTimeout, m.Timeout)
	}
	if p.Has(TLVChallenge) {
		b = append(b, byte(TLVChallenge), byte(len(m.Challenge)))
		b = append(b, m.Challenge...)
	}
	if p.Has(TLVResponse) {
		b = append(b, byte(TLVResponse), byte(len(m.Response)))
		b = append(b, m.Response...)
	}
	if p.Has(TLVLinkFrameCounter) {
		b = appendUint32TLV(b, TLVLinkFrameCounter, m.LinkFrameCounter)
	}
	if p.Has(TLVLinkQuality) {
		q := &m.LinkQuality
		first := q.AddrLen - 1
		if q.Complete {
			first |= 0x80
		}
		b = append(b, byte(TLVLinkQuality), byte(1+len(q.Records)), first)
		b = append(b, q.Records...)
	}
	for i := range m.NumParams {
		v := &m.Params[i]
		b = append(b, byte(TLVNetworkParameter), byte(5+len(v.Value)), byte(v.ID))
		b = binary.BigEndian.AppendUint32(b, v.Delay)
		b = append(b, v.Value...)
	}
	if p.Has(TLVMLEFrameCounter) {
		b = appendUint32TLV(b, TLVMLEFrameCounter, m.MLEFrameCounter)
	}
	if p.Has(TLVLinkMargin) {
		b = append(b, byte(TLVLinkMargin), 1, m.LinkMargin)
	}
	if p.Has(TLVStatus) {
		b = append(b, byte(TLVStatus), 1, m.Status)
	}
	if p.Has(TLVVersion) {
		b = append(b, byte(TLVVersion), 2, byte(m.Version>>8), byte(m.Version))
	}
	if p.Has(TLVTxPower) {
		b = append(b, byte(TLVTxPower), 1, byte(m.TxPower))
	}
	if p.Has(TLVLinkMargins) {
		b = append(b, byte(TLVLinkMargins), byte(len(m.LinkMargins)))
		b = append(b, m.LinkMargins...)
	}
	return b, nil
}

// Len returns the length of the encoded message body, or -1 when the
// message cannot be encoded.
func (m *Message) Len() int {
	if m.validate() != nil {
		return -1
	}
	n := 1
	for i := range m.NumSourceAddrs {
		n += 2 + m.SourceAddrs[i].Len()
	}
	p := m.Present
	if p.Has(TLVMode) {
		n += 3
	}
	if p.Has(TLVTimeout) {
		n += 6
	}
	if p.Has(TLVChallenge) {
		n += 2 + len(m.Challenge)
	}
	if p.Has(TLVResponse) {
		n += 2 + len(m.Response)
	}
	if p.Has(TLVLinkFrameCounter) {
		n += 6
	}
	if p.Has(TLVLinkQuality) {
		n += 3 + len(m.LinkQuality.Records)
	}
	for i := range m.NumParams {
		n += 2 + 5 + len(m.Params[i].Value)
	}
	if p.Has(TLVMLEFrameCounter) {
		n += 6
	}
	if p.Has(TLVLinkMargin) {
		n += 3
	}
	if p.Has(TLVStatus) {
		n += 3
	}
	if p.Has(TLVVersion) {
		n += 4
	}
	if p.Has(TLVTxPower) {
		n += 3
	}
	if p.Has(TLVLinkMargins) {
		n += 2 + len(m.LinkMargins)
	}
	return n
}

// validate checks that every field fits its TLV.
func (m *Message) validate() error {
	if !m.Command.Known() {
		return ErrUnknownCommand
	}
	if m.Present&^singleValuedTLVs != 0 ||
		m.NumSourceAddrs < 0 || m.NumSourceAddrs > MaxSourceAddrs ||
		m.NumParams < 0 || m.NumParams > MaxParams {
		return ErrInvalidMessage
	}
	for i := range m.NumSourceAddrs {
		if md := m.SourceAddrs[i].Mode; md != wpan.AddrShort && md != wpan.AddrExt {
			return ErrInvalidMessage
		}
	}
	p := m.Present
	if p.Has(TLVChallenge) && (len(m.Challenge) < MinChallengeLen || len(m.Challenge) > MaxChallengeLen) {
		return ErrInvalidMessage
	}
	if p.Has(TLVResponse) && (len(m.Response) < MinChallengeLen || len(m.Response) > MaxChallengeLen) {
		return ErrInvalidMessage
	}
	if p.Has(TLVLinkQuality) {
		q := &m.LinkQuality
		n := q.recordLen()
		if n == 0 || len(q.Records)%n != 0 || 1+len(q.Records) > 255 {
			return ErrInvalidMessage
		}
	}
	for i := range m.NumParams {
		if len(m.Params[i].Value) > MaxParamValueLen {
			return ErrInvalidMessage
		}
	}
	if p.Has(TLVLinkMargins) && len(m.LinkMargins) > 255 {
		return ErrInvalidMessage
	}
	return nil
}

func appendUint32TLV(b []byte, t TLVType, v uint32) []byte {
	b = append(b, byte(t), 4)
	return binary.BigEndian.AppendUint32(b, v)
}
