package wpan

import (
	"encoding/binary"
	"fmt"
)

// FrameType is the frame type field of the frame control field.
type FrameType uint8

// Frame types. The codec handles beacon, data, acknowledgment and MAC
// command frames; type 4 is reserved and types 5–7 (2015 multipurpose,
// fragment and extended frames) are rejected with ErrUnsupportedFrameType.
const (
	FrameBeacon       FrameType = 0
	FrameData         FrameType = 1
	FrameAck          FrameType = 2
	FrameCommand      FrameType = 3
	FrameReserved     FrameType = 4
	FrameMultipurpose FrameType = 5
	FrameFragment     FrameType = 6
	FrameExtended     FrameType = 7
)

var frameTypeNames = [...]string{"beacon", "data", "ack", "command", "reserved", "multipurpose", "fragment", "extended"}

// String returns the frame type's name.
func (t FrameType) String() string {
	if int(t) < len(frameTypeNames) {
		return frameTypeNames[t]
	}
	return fmt.Sprintf("FrameType(%d)", uint8(t))
}

// FrameVersion is the frame version field of the frame control field.
type FrameVersion uint8

// Frame versions. Version 3 is reserved.
const (
	Version2003 FrameVersion = 0 // IEEE 802.15.4-2003
	Version2006 FrameVersion = 1 // IEEE 802.15.4-2006 (and 2011 without IEs)
	Version2015 FrameVersion = 2 // IEEE 802.15.4-2015 (IEs, Table 7-2 PAN ID rules)
)

// String returns the version's name.
func (v FrameVersion) String() string {
	switch v {
	case Version2003:
		return "2003"
	case Version2006:
		return "2006"
	case Version2015:
		return "2015"
	default:
		return fmt.Sprintf("FrameVersion(%d)", uint8(v))
	}
}

// Frame control field bits.
const (
	fcfTypeMask      = 0x0007
	fcfSecurity      = 0x0008
	fcfFramePending  = 0x0010
	fcfAckRequest    = 0x0020
	fcfPANIDComp     = 0x0040
	fcfSeqSuppressed = 0x0100 // 2015
	fcfIEPresent     = 0x0200 // 2015
	fcfDstModeShift  = 10
	fcfVersionShift  = 12
	fcfSrcModeShift  = 14
)

// IE descriptors of the termination IEs.
const (
	ieHT1          = 0x7E // header termination 1: payload IEs follow
	ieHT2          = 0x7F // header termination 2: MAC payload follows
	iePayloadTerm  = 0xF  // payload IE group ID of the list termination
	ieDescHT1      = ieHT1 << 7
	ieDescHT2      = ieHT2 << 7
	ieDescPayTerm  = 0x8000 | iePayloadTerm<<11
	ieTypePayload  = 0x8000
	ieHdrLenMask   = 0x7F
	iePayLenMask   = 0x7FF
	ieTermNone     = 0
	ieTermHT1      = 1
	ieTermHT2      = 2
	ieDescLen      = 2
	cmdIDLen       = 1
	maxHeaderIELen = MaxFrameLen
)

// Frame is a decoded or to-be-encoded IEEE 802.15.4 MAC frame (2003, 2006
// or 2015 frame version) without its FCS.
//
// [Frame.Decode] fills a caller-owned Frame without allocating: HeaderIEs,
// PayloadIEs, Payload and MIC alias the decoded buffer, which must stay
// unchanged while the Frame is in use ([Frame.Open] decrypts it in place).
// Extended addresses are canonical in the Frame and reversed on the air.
//
// To build a frame, set Type, Version, the flags, Seq, call [Frame.SetAddrs]
// (which picks the PAN ID Compression bit by the version's rules), set
// Payload (and Aux for a secured frame) and call [Frame.AppendTo] or
// [Frame.AppendSealed].
type Frame struct {
	// Type is the frame type.
	Type FrameType
	// Version is the frame version.
	Version FrameVersion
	// Security is the Security Enabled bit: an auxiliary security header
	// follows the addressing fields and a MIC of Aux.Level.MICLen() bytes
	// ends the frame.
	Security bool
	// FramePending is the Frame Pending bit.
	FramePending bool
	// AckRequest is the AR bit.
	AckRequest bool
	// PANIDCompression is the PAN ID Compression bit. With the frame
	// version and the addressing modes it decides which PAN IDs are on the
	// air (IEEE 802.15.4-2006 §7.2.1.1.5; 802.15.4-2015 Table 7-2); see
	// [PANIDPresence]. [Frame.SetAddrs] sets it.
	PANIDCompression bool
	// SeqSuppressed is the 2015 Sequence Number Suppression bit: no Seq.
	SeqSuppressed bool
	// Seq is the data sequence number (DSN/BSN), unless suppressed.
	Seq uint8
	// DstPAN is the destination PAN ID; zero when the frame carries none.
	DstPAN PANID
	// Dst is the destination address.
	Dst Addr
	// SrcPAN is the source PAN ID. When the header elides it because both
	// addresses are in the destination PAN, Decode sets it to DstPAN and
	// the encoder requires it to equal DstPAN. Zero when no PAN applies.
	SrcPAN PANID
	// Src is the source address.
	Src Addr
	// Aux is the auxiliary security header; meaningful when Security is set.
	Aux AuxHeader
	// HeaderIEs holds the raw header IEs (2015) without the HT1/HT2
	// termination IE, which the encoder adds as the standard requires.
	HeaderIEs []byte
	// PayloadIEs holds the raw payload IEs (2015) without the list
	// termination IE. For a decoded frame whose payload IEs are encrypted it
	// stays empty until [Frame.Open] decrypts and splits them off Payload.
	PayloadIEs []byte
	// Payload is the MAC payload; for a MAC command frame its first byte is
	// the command identifier. For a decoded frame at an encrypting level it
	// holds ciphertext until [Frame.Open] succeeds.
	Payload []byte
	// MIC is the message integrity code of a secured frame
	// (Aux.Level.MICLen() bytes).
	MIC []byte

	raw       []byte // the decoded frame; nil for a built one
	mhrLen    int    // length of the MHR in raw (through the header IE termination)
	pieHidden bool   // payload IEs (and their termination) are still encrypted in Payload
	opened    bool   // Open succeeded; raw holds plaintext
}

// PANIDPresence reports which PAN IDs a frame header carries, given its
// version, addressing modes and PAN ID Compression bit. For 2003/2006 the
// bit may be set only when both addresses are present; otherwise ok is
// false. Every 2015 combination is valid (IEEE 802.15.4-2015 Table 7-2).
func PANIDPresence(v FrameVersion, dst, src AddrMode, comp bool) (dstPAN, srcPAN, ok bool) {
	hasDst, hasSrc := dst != AddrNone, src != AddrNone
	if v != Version2015 {
		switch {
		case hasDst && hasSrc:
			return true, !comp, true
		case comp:
			return false, false, false
		default:
			return hasDst, hasSrc, true
		}
	}
	switch {
	case !hasDst && !hasSrc: // rows 1, 2
		return comp, false, true
	case !hasSrc: // rows 3, 4
		return !comp, false, true
	case !hasDst: // rows 5, 6
		return false, !comp, true
	case dst == AddrExt && src == AddrExt: // rows 7, 8
		return !comp, false, true
	default: // rows 9–14
		return true, !comp, true
	}
}

// SetAddrs sets the PAN IDs and addresses and chooses the PAN ID
// Compression bit for f.Version (set Version first): the source PAN ID is
// elided when both addresses are present and the PAN IDs are equal, and
// otherwise every PAN ID the addresses need is sent. A 2015 frame with two
// extended addresses always carries the destination PAN ID only (Table 7-2
// row 7), so it cannot express different PAN IDs; the encoder then returns
// ErrPANIDMismatch.
func (f *Frame) SetAddrs(dstPAN PANID, dst Addr, srcPAN PANID, src Addr) {
	f.DstPAN, f.Dst, f.SrcPAN, f.Src = dstPAN, dst, srcPAN, src
	both := dst.Mode != AddrNone && src.Mode != AddrNone
	switch {
	case !both:
		f.PANIDCompression = false
	case f.Version == Version2015 && dst.Mode == AddrExt && src.Mode == AddrExt:
		f.PANIDCompression = false
	default:
		f.PANIDCompression = dstPAN == srcPAN
	}
}

// AckInfo is what [PeekAckInfo] reads from the start of a frame: enough to
// filter by address and to send an immediate acknowledgment.
type AckInfo struct {
	Type             FrameType
	Version          FrameVersion
	Security         bool
	FramePending     bool
	AckRequest       bool
	PANIDCompression bool
	SeqSuppressed    bool
	IEPresent        bool
	Seq              uint8
	// DstPANPresent reports whether the header carries DstPAN.
	DstPANPresent bool
	DstPAN        PANID
	Dst           Addr
	// SrcPANPresent reports whether the header carries SrcPAN. When the
	// source PAN is elided by compression SrcPAN equals DstPAN.
	SrcPANPresent bool
	SrcPAN        PANID
	Src           Addr
}

// PeekAckInfo parses the frame control field, sequence number and
// addressing fields of frame (without FCS) and nothing after them. A
// simulated or software radio uses it for address filtering and automatic
// acknowledgment; it costs a few dozen nanoseconds and does not allocate.
// It returns the same errors as [Frame.Decode] for the parts it reads.
func PeekAckInfo(frame []byte) (AckInfo, error) {
	var h AckInfo
	_, err := h.decode(frame)
	return h, err
}

// decode parses the addressing part of the MHR and returns its length.
func (h *AckInfo) decode(b []byte) (int, error) {
	if len(b) > MaxFrameLen {
		return 0, ErrFrameTooLong
	}
	if len(b) < 2 {
		return 0, ErrTruncated
	}
	fcf := binary.LittleEndian.Uint16(b)
	h.Type = FrameType(fcf & fcfTypeMask)
	switch h.Type {
	case FrameReserved:
		return 0, ErrReservedFrameType
	case FrameMultipurpose, FrameFragment, FrameExtended:
		return 0, ErrUnsupportedFrameType
	}
	h.Version = FrameVersion(fcf >> fcfVersionShift & 3)
	if h.Version > Version2015 {
		return 0, ErrReservedFrameVersion
	}
	dm := AddrMode(fcf >> fcfDstModeShift & 3)
	sm := AddrMode(fcf >> fcfSrcModeShift & 3)
	if dm == 1 || sm == 1 {
		return 0, ErrReservedAddrMode
	}
	h.Security = fcf&fcfSecurity != 0
	h.FramePending = fcf&fcfFramePending != 0
	h.AckRequest = fcf&fcfAckRequest != 0
	h.PANIDCompression = fcf&fcfPANIDComp != 0
	if h.Version == Version2015 {
		// Bits 8 and 9 are reserved before 2015 and ignored there.
		h.SeqSuppressed = fcf&fcfSeqSuppressed != 0
		h.IEPresent = fcf&fcfIEPresent != 0
	}
	dp, sp, ok := PANIDPresence(h.Version, dm, sm, h.PANIDCompression)
	if !ok {
		return 0, ErrPANIDCompression
	}
	h.DstPANPresent, h.SrcPANPresent = dp, sp
	need := 2 + panLen(dp) + panLen(sp) + addrLen(dm) + addrLen(sm)
	if !h.SeqSuppressed {
		need++
	}
	if len(b) < need {
		return 0, ErrTruncated
	}
	i := 2
	if !h.SeqSuppressed {
		h.Seq = b[i]
		i++
	}
	if dp {
		h.DstPAN = PANID(binary.LittleEndian.Uint16(b[i:]))
		i += 2
	}
	i = readAddr(b, i, dm, &h.Dst)
	if sp {
		h.SrcPAN = PANID(binary.LittleEndian.Uint16(b[i:]))
		i += 2
	} else if dp && dm != AddrNone && sm != AddrNone {
		h.SrcPAN = h.DstPAN // intra-PAN: the source shares the destination PAN
	}
	i = readAddr(b, i, sm, &h.Src)
	return i, nil
}

func panLen(present bool) int {
	if present {
		return 2
	}
	return 0
}

func addrLen(m AddrMode) int {
	switch m {
	case AddrShort:
		return 2
	case AddrExt:
		return 8
	}
	return 0
}

// readAddr reads an address of mode m at b[i:]; the caller checked the length.
func readAddr(b []byte, i int, m AddrMode, a *Addr) int {
	a.Mode = m
	switch m {
	case AddrShort:
		a.Short = ShortAddr(binary.LittleEndian.Uint16(b[i:]))
		return i + 2
	case AddrExt:
		for k := range 8 {
			a.Ext[k] = b[i+7-k]
		}
		return i + 8
	}
	return i
}

func appendAddr(dst []byte, a *Addr) []byte {
	switch a.Mode {
	case AddrShort:
		return binary.LittleEndian.AppendUint16(dst, uint16(a.Short))
	case AddrExt:
		e := &a.Ext
		return append(dst, e[7], e[6], e[5], e[4], e[3], e[2], e[1], e[0])
	}
	return dst
}

// scanHeaderIEs walks a header IE list in b. It returns the length of the
// IEs before any termination IE, the number of bytes consumed (including
// the termination) and which termination ended the list.
func scanHeaderIEs(b []byte) (ies, consumed, term int, err error) {
	k := 0
	for k < len(b) {
		if len(b)-k < ieDescLen {
			return 0, 0, 0, ErrBadIE
		}
		d := binary.LittleEndian.Uint16(b[k:])
		if d&ieTypePayload != 0 {
			return 0, 0, 0, ErrBadIE // a payload IE descriptor in the header IE list
		}
		l := int(d & ieHdrLenMask)
		switch id := d >> 7 & 0xFF; id {
		case ieHT1, ieHT2:
			if l != 0 {
				return 0, 0, 0, ErrBadIE
			}
			term = ieTermHT2
			if id == ieHT1 {
				term = ieTermHT1
			}
			return k, k + ieDescLen, term, nil
		}
		if len(b)-k-ieDescLen < l {
			return 0, 0, 0, ErrBadIE
		}
		k += ieDescLen + l
	}
	return k, k, ieTermNone, nil
}

// scanPayloadIEs walks a payload IE list in b. It returns the length of the
// IEs before the list termination, the bytes consumed including it, and
// whether the termination was present.
func scanPayloadIEs(b []byte) (ies, consumed int, terminated bool, err error) {
	k := 0
	for k < len(b) {
		if len(b)-k < ieDescLen {
			return 0, 0, false, ErrBadIE
		}
		d := binary.LittleEndian.Uint16(b[k:])
		if d&ieTypePayload == 0 {
			return 0, 0, false, ErrBadIE // a header IE descriptor in the payload IE list
		}
		l := int(d & iePayLenMask)
		if d>>11&0xF == iePayloadTerm {
			if l != 0 {
				return 0, 0, false, ErrBadIE
			}
			return k, k + ieDescLen, true, nil
		}
		if len(b)-k-ieDescLen < l {
			return 0, 0, false, ErrBadIE
		}
		k += ieDescLen + l
	}
	return k, k, false, nil
}

// Decode parses frame, a MAC frame without FCS (radio drivers strip and
// check it), into f. It does not allocate: the IE, payload and MIC fields
// alias frame. On error f is left zeroed except for what was parsed.
//
// Errors: ErrFrameTooLong (more than 125 bytes), ErrTruncated,
// ErrReservedFrameType, ErrUnsupportedFrameType, ErrReservedFrameVersion,
// ErrReservedAddrMode, ErrPANIDCompression, ErrBadAuxHeader, ErrBadIE and
// ErrUnsupportedSecurity (the Security bit in a 2003 frame).
func (f *Frame) Decode(frame []byte) error {
	*f = Frame{}
	var h AckInfo
	i, err := h.decode(frame)
	if err != nil {
		return err
	}
	f.Type, f.Version, f.Security = h.Type, h.Version, h.Security
	f.FramePending, f.AckRequest, f.PANIDCompression = h.FramePending, h.AckRequest, h.PANIDCompression
	f.SeqSuppressed, f.Seq = h.SeqSuppressed, h.Seq
	f.DstPAN, f.Dst, f.SrcPAN, f.Src = h.DstPAN, h.Dst, h.SrcPAN, h.Src
	end := len(frame)
	if f.Security {
		if f.Version == Version2003 {
			return ErrUnsupportedSecurity
		}
		n, err := f.Aux.Decode(frame[i:])
		if err != nil {
			return err
		}
		if f.Version != Version2015 && (f.Aux.FrameCounterSuppressed || f.Aux.ASNInNonce) {
			return ErrBadAuxHeader // bits 5 and 6 are reserved before 2015
		}
		i += n
		end -= f.Aux.Level.MICLen()
		if end < i {
			return ErrTruncated
		}
	}
	pieFollows := false
	if h.IEPresent {
		ies, consumed, term, err := scanHeaderIEs(frame[i:end])
		if err != nil {
			return err
		}
		f.HeaderIEs = frame[i : i+ies : i+ies]
		i += consumed
		pieFollows = term == ieTermHT1
	}
	f.mhrLen = i
	rest := frame[i:end:end]
	if pieFollows {
		if f.Security && f.Aux.Level.Encrypted() {
			f.pieHidden = true // split off by Open once decrypted
		} else {
			ies, consumed, _, err := scanPayloadIEs(rest)
			if err != nil {
				return err
			}
			f.PayloadIEs = rest[:ies:ies]
			rest = rest[consumed:]
		}
	}
	f.Payload = rest
	f.MIC = frame[end:len(frame):len(frame)]
	f.raw = frame
	return nil
}

// layout is the encoded size of each part of a frame.
type layout struct {
	dstPAN, srcPAN bool
	headerTerm     int  // ieTermNone, ieTermHT1 or ieTermHT2
	payloadTerm    bool // payload IE list termination before the payload
	mhr            int  // through the header IE termination
	pie            int  // payload IEs and their termination
	mic            int
}

func (l *layout) total(payload int) int { return l.mhr + l.pie + payload + l.mic }

// layout validates f for encoding and computes its sizes. seal means the
// frame will be secured by AppendSealed (Security on, MIC computed).
func (f *Frame) layout(seal bool) (layout, error) {
	var l layout
	switch {
	case f.Type == FrameReserved:
		return l, ErrReservedFrameType
	case f.Type >= FrameMultipurpose && f.Type <= FrameExtended:
		return l, ErrUnsupportedFrameType
	case f.Type > FrameExtended:
		return l, ErrInvalidField
	case f.Version == 3:
		return l, ErrReservedFrameVersion
	case f.Version > 3:
		return l, ErrInvalidField
	case f.Dst.Mode == 1 || f.Src.Mode == 1:
		return l, ErrReservedAddrMode
	case f.Dst.Mode > AddrExt || f.Src.Mode > AddrExt:
		return l, ErrInvalidField
	}
	if seal && f.pieHidden {
		return l, ErrInvalidField // payload IEs still encrypted: nothing to seal
	}
	pieHidden := f.pieHidden && f.Security && f.Aux.Level.Encrypted()
	if f.Version != Version2015 && (f.SeqSuppressed || len(f.HeaderIEs) > 0 || len(f.PayloadIEs) > 0 || pieHidden) {
		return l, ErrInvalidField
	}
	if pieHidden && len(f.PayloadIEs) > 0 {
		return l, ErrInvalidField
	}
	dp, sp, ok := PANIDPresence(f.Version, f.Dst.Mode, f.Src.Mode, f.PANIDCompression)
	if !ok {
		return l, ErrPANIDCompression
	}
	if dp && !sp && f.Dst.Mode != AddrNone && f.Src.Mode != AddrNone && f.SrcPAN != f.DstPAN {
		return l, ErrPANIDMismatch
	}
	l.dstPAN, l.srcPAN = dp, sp
	l.mhr = 2 + panLen(dp) + panLen(sp) + f.Dst.Len() + f.Src.Len()
	if !f.SeqSuppressed {
		l.mhr++
	}
	if f.Security || seal {
		if f.Version == Version2003 {
			return l, ErrUnsupportedSecurity
		}
		if f.Version != Version2015 && (f.Aux.FrameCounterSuppressed || f.Aux.ASNInNonce) {
			return l, ErrInvalidField
		}
		if err := f.Aux.validate(); err != nil {
			return l, err
		}
		l.mhr += f.Aux.Len()
		l.mic = f.Aux.Level.MICLen()
		if !seal && len(f.MIC) != l.mic {
			return l, ErrInvalidField
		}
	} else if len(f.MIC) != 0 {
		return l, ErrInvalidField
	}
	if len(f.HeaderIEs) > 0 {
		// Callers hand in raw IEs; make sure they parse back the same way.
		if len(f.HeaderIEs) > maxHeaderIELen {
			return l, ErrFrameTooLong
		}
		ies, _, term, err := scanHeaderIEs(f.HeaderIEs)
		if err != nil || term != ieTermNone || ies != len(f.HeaderIEs) {
			return l, ErrBadIE
		}
		l.mhr += len(f.HeaderIEs)
	}
	if len(f.PayloadIEs) > 0 {
		if len(f.PayloadIEs) > MaxFrameLen {
			return l, ErrFrameTooLong
		}
		ies, _, term, err := scanPayloadIEs(f.PayloadIEs)
		if err != nil || term || ies != len(f.PayloadIEs) {
			return l, ErrBadIE
		}
		l.pie = len(f.PayloadIEs)
		if len(f.Payload) > 0 {
			l.payloadTerm = true
			l.pie += ieDescLen
		}
	}
	switch {
	case len(f.PayloadIEs) > 0 || pieHidden:
		l.headerTerm = ieTermHT1
		l.mhr += ieDescLen
	case len(f.HeaderIEs) > 0 && len(f.Payload) > 0:
		l.headerTerm = ieTermHT2
		l.mhr += ieDescLen
	}
	if l.total(len(f.Payload)) > MaxFrameLen {
		return l, ErrFrameTooLong
	}
	return l, nil
}

// HeaderLen returns the length of the MAC header f would encode to: frame
// control, sequence number, addressing fields, auxiliary security header
// (when Security is set) and header IEs with their termination. It returns
// -1 when f cannot be encoded.
func (f *Frame) HeaderLen() int {
	l, err := f.layout(f.Security && len(f.MIC) != f.Aux.Level.MICLen())
	if err != nil && err != ErrFrameTooLong {
		return -1
	}
	return l.mhr
}

// Overhead returns the bytes of the PSDU (FCS included) that f spends on
// everything but its payload: header, payload IEs, MIC and FCS. It returns
// -1 when f cannot be encoded.
func (f *Frame) Overhead() int {
	l, err := f.layout(f.Security && len(f.MIC) != f.Aux.Level.MICLen())
	if err != nil && err != ErrFrameTooLong {
		return -1
	}
	return l.mhr + l.pie + l.mic + FCSLen
}

// MaxPayload returns how many payload bytes fit in a 127-byte PSDU with f's
// header, security and IEs (6LoWPAN uses it to size fragments). Set
// Security and Aux before asking when the frame will be sealed. It returns
// 0 when nothing fits and -1 when f cannot be encoded.
func (f *Frame) MaxPayload() int {
	o := f.Overhead()
	if o < 0 {
		return -1
	}
	// A payload IE list needs its termination once a payload follows;
	// an HT2 is needed when header IEs are followed by a payload.
	if len(f.Payload) == 0 {
		if len(f.PayloadIEs) > 0 {
			o += ieDescLen
		} else if len(f.HeaderIEs) > 0 {
			o += ieDescLen
		}
	}
	return max(MaxPSDU-o, 0)
}

// AppendTo appends the encoded frame (without FCS) to dst and returns the
// extended slice. It writes the fields as they are: a secured frame needs
// the MIC already in f.MIC (use [Frame.AppendSealed] to secure a frame).
// When f.Payload holds the still-encrypted payload of a decoded frame, the
// frame re-encodes byte for byte. On error dst is returned unchanged.
func (f *Frame) AppendTo(dst []byte) ([]byte, error) {
	l, err := f.layout(false)
	if err != nil {
		return dst, err
	}
	return f.write(dst, &l, false), nil
}

// write appends the frame as laid out by l; with seal it sets the Security
// bit and leaves a zeroed MIC.
func (f *Frame) write(dst []byte, l *layout, seal bool) []byte {
	fcf := uint16(f.Type) | uint16(f.Dst.Mode)<<fcfDstModeShift |
		uint16(f.Version)<<fcfVersionShift | uint16(f.Src.Mode)<<fcfSrcModeShift
	if f.Security || seal {
		fcf |= fcfSecurity
	}
	if f.FramePending {
		fcf |= fcfFramePending
	}
	if f.AckRequest {
		fcf |= fcfAckRequest
	}
	if f.PANIDCompression {
		fcf |= fcfPANIDComp
	}
	if f.SeqSuppressed {
		fcf |= fcfSeqSuppressed
	}
	if len(f.HeaderIEs) > 0 || l.headerTerm != ieTermNone {
		fcf |= fcfIEPresent
	}
	dst = binary.LittleEndian.AppendUint16(dst, fcf)
	if !f.SeqSuppressed {
		dst = append(dst, f.Seq)
	}
	if l.dstPAN {
		dst = binary.LittleEndian.AppendUint16(dst, uint16(f.DstPAN))
	}
	dst = appendAddr(dst, &f.Dst)
	if l.srcPAN {
		dst = binary.LittleEndian.AppendUint16(dst, uint16(f.SrcPAN))
	}
	dst = appendAddr(dst, &f.Src)
	if f.Security || seal {
		dst, _ = f.Aux.AppendTo(dst) // validated by layout's caller
	}
	dst = append(dst, f.HeaderIEs...)
	switch l.headerTerm {
	case ieTermHT1:
		dst = binary.LittleEndian.AppendUint16(dst, ieDescHT1)
	case ieTermHT2:
		dst = binary.LittleEndian.AppendUint16(dst, ieDescHT2)
	}
	dst = append(dst, f.PayloadIEs...)
	if l.payloadTerm {
		dst = binary.LittleEndian.AppendUint16(dst, ieDescPayTerm)
	}
	dst = append(dst, f.Payload...)
	if seal {
		for range l.mic {
			dst = append(dst, 0)
		}
	} else {
		dst = append(dst, f.MIC...)
	}
	return dst
}

// AppendImmAck appends a 2006-version immediate acknowledgment (frame
// control, sequence number; no FCS) to dst.
func AppendImmAck(dst []byte, seq uint8, framePending bool) []byte {
	fcf := uint16(FrameAck) | uint16(Version2006)<<fcfVersionShift
	if framePending {
		fcf |= fcfFramePending
	}
	return append(dst, byte(fcf), byte(fcf>>8), seq)
}
