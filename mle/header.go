package mle

import "encoding/binary"

// SecuritySuite is the first byte of every MLE message (draft §5).
type SecuritySuite uint8

// Security suites. 1–254 are unassigned.
const (
	// Suite154 secures the message with 802.15.4 security (AES-CCM*): an
	// auxiliary security header follows the suite, then the encrypted
	// body, then the MIC.
	Suite154 SecuritySuite = 0
	// SuiteNone sends the body in the clear, straight after the suite.
	SuiteNone SecuritySuite = 255
)

// String returns the suite's name.
func (s SecuritySuite) String() string {
	switch s {
	case Suite154:
		return "802.15.4"
	case SuiteNone:
		return "none"
	default:
		return "unassigned"
	}
}

// Fixed sizes of a secured message.
const (
	// SecurityControl is the only security control byte MLE uses: key
	// identifier mode 2 (4-byte key source and key index, 2<<3) and
	// security level 5 (ENC-MIC-32), as in Thread.
	SecurityControl = 0x15
	// SecurityLevel is the 802.15.4 security level MLE uses (ENC-MIC-32);
	// it is the last byte of the CCM* nonce.
	SecurityLevel = 5
	// AuxHeaderLen is the length of the auxiliary security header: security
	// control (1), frame counter (4), key source (4) and key index (1).
	AuxHeaderLen = 10
	// MICLen is the length of the MIC for security level 5.
	MICLen = 4
	// SecuredOverhead is what securing adds around the body: the suite
	// byte, the auxiliary security header and the MIC.
	SecuredOverhead = 1 + AuxHeaderLen + MICLen
)

// AuxHeader is the auxiliary security header of a secured MLE message in
// IEEE 802.15.4 form with key identifier mode 2. Its security control byte
// is always [SecurityControl].
//
// Wire layout: 0x15 | frame counter (4, little-endian) | key source = key
// sequence (4, big-endian) | key index (1).
type AuxHeader struct {
	// FrameCounter is the sender's MLE frame counter for this message.
	FrameCounter uint32
	// KeySequence is the key source: the key sequence of the MLE key.
	KeySequence uint32
	// KeyIndex is the key index. Thread sends KeyIndexFor(KeySequence);
	// the receiver does not rely on it, but it is authenticated.
	KeyIndex uint8
}

// KeyIndexFor returns the key index Thread sends with a key sequence:
// (seq & 0x7F) + 1.
func KeyIndexFor(seq uint32) uint8 { return uint8(seq&0x7F) + 1 }

// AppendBinary appends the 10-byte header to b.
func (h AuxHeader) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, SecurityControl)
	b = binary.LittleEndian.AppendUint32(b, h.FrameCounter)
	b = binary.BigEndian.AppendUint32(b, h.KeySequence)
	return append(b, h.KeyIndex), nil
}

// Decode decodes the header from the first AuxHeaderLen bytes of b. It
// fails with ErrTruncated when b is shorter and with ErrSecurityControl
// when the security control byte is not 0x15: another level or key
// identifier mode, frame counter suppression or reserved bits.
func (h *AuxHeader) Decode(b []byte) error {
	if len(b) < AuxHeaderLen {
		return ErrTruncated
	}
	if b[0] != SecurityControl {
		return ErrSecurityControl
	}
	h.FrameCounter = binary.LittleEndian.Uint32(b[1:5])
	h.KeySequence = binary.BigEndian.Uint32(b[5:9])
	h.KeyIndex = b[9]
	return nil
}

// Header is the part of an MLE message before the body: the security suite
// and, for [Suite154], the auxiliary security header.
type Header struct {
	Suite SecuritySuite
	Aux   AuxHeader // valid when Suite is Suite154
}

// Len returns the length of the header on the wire: 1 for SuiteNone, 11 for
// Suite154.
func (h *Header) Len() int {
	if h.Suite == Suite154 {
		return 1 + AuxHeaderLen
	}
	return 1
}

// Decode decodes the header at the start of an MLE message (the UDP
// payload). For Suite154 it also checks that the message is long enough to
// hold a command byte and the MIC after the header (ErrTruncated). A suite
// other than 0 or 255 gives ErrUnknownSuite. Callers read the key sequence
// and frame counter from h.Aux to pick a [Cipher] and to check for replay
// before calling [Open]; an unsecured body starts at b[h.Len():].
func (h *Header) Decode(b []byte) error {
	*h = Header{}
	if len(b) < 1 {
		return ErrTruncated
	}
	h.Suite = SecuritySuite(b[0])
	switch h.Suite {
	case SuiteNone:
		return nil
	case Suite154:
		if len(b) < SecuredOverhead+1 {
			return ErrTruncated
		}
		return h.Aux.Decode(b[1:])
	default:
		return ErrUnknownSuite
	}
}
