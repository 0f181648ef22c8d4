package wpan

import "encoding/binary"

// Well-known IE identifiers (IEEE 802.15.4-2015 §7.4).
const (
	// HeaderIECSL is the LE-CSL header IE element ID (Thread CSL).
	HeaderIECSL = 0x1A
	// HeaderIERIT is the LE-RIT header IE element ID.
	HeaderIERIT = 0x1B
	// HeaderIETimeCorrection is the ACK/NACK time correction header IE.
	HeaderIETimeCorrection = 0x1E
	// PayloadIEGroupESDU is the ESDU payload IE group.
	PayloadIEGroupESDU = 0x0
	// PayloadIEGroupMLME is the MLME payload IE group (nested sub-IEs).
	PayloadIEGroupMLME = 0x1
	// PayloadIEGroupIETF is the IETF payload IE group (RFC 8137).
	PayloadIEGroupIETF = 0x5
)

// NextHeaderIE splits the first IE off a header IE list such as
// [Frame.HeaderIEs]: its element ID, its content (aliasing b) and the rest
// of the list. It returns ErrBadIE for a truncated IE or a payload IE
// descriptor.
func NextHeaderIE(b []byte) (id uint8, content, rest []byte, err error) {
	if len(b) < ieDescLen {
		return 0, nil, nil, ErrBadIE
	}
	d := binary.LittleEndian.Uint16(b)
	l := int(d & ieHdrLenMask)
	if d&ieTypePayload != 0 || len(b)-ieDescLen < l {
		return 0, nil, nil, ErrBadIE
	}
	return uint8(d >> 7), b[ieDescLen : ieDescLen+l : ieDescLen+l], b[ieDescLen+l:], nil
}

// NextPayloadIE splits the first IE off a payload IE list such as
// [Frame.PayloadIEs]: its group ID, its content (aliasing b; for the MLME
// group a list of sub-IEs) and the rest of the list. It returns ErrBadIE
// for a truncated IE or a header IE descriptor.
func NextPayloadIE(b []byte) (group uint8, content, rest []byte, err error) {
	if len(b) < ieDescLen {
		return 0, nil, nil, ErrBadIE
	}
	d := binary.LittleEndian.Uint16(b)
	l := int(d & iePayLenMask)
	if d&ieTypePayload == 0 || len(b)-ieDescLen < l {
		return 0, nil, nil, ErrBadIE
	}
	return uint8(d >> 11 & 0xF), b[ieDescLen : ieDescLen+l : ieDescLen+l], b[ieDescLen+l:], nil
}

// AppendHeaderIE appends a header IE with element ID id and content (at
// most 127 bytes) to dst. The termination IDs 0x7E and 0x7F are refused
// with ErrBadIE: the encoder adds terminations itself.
func AppendHeaderIE(dst []byte, id uint8, content []byte) ([]byte, error) {
	if id == ieHT1 || id == ieHT2 || len(content) > ieHdrLenMask {
		return dst, ErrBadIE
	}
	dst = binary.LittleEndian.AppendUint16(dst, uint16(id)<<7|uint16(len(content)))
	return append(dst, content...), nil
}

// AppendPayloadIE appends a payload IE of group (0–14) with content (at
// most 2047 bytes) to dst. The list termination group 15 is refused with
// ErrBadIE: the encoder adds it itself.
func AppendPayloadIE(dst []byte, group uint8, content []byte) ([]byte, error) {
	if group >= iePayloadTerm || len(content) > iePayLenMask {
		return dst, ErrBadIE
	}
	dst = binary.LittleEndian.AppendUint16(dst, ieTypePayload|uint16(group)<<11|uint16(len(content)))
	return append(dst, content...), nil
}
