package wpan

import (
	"encoding/binary"
	"fmt"
)

// SecurityLevel is the security level of a secured frame (IEEE 802.15.4-2015
// Table 9-6): bit 2 selects encryption, bits 0–1 the MIC length.
type SecurityLevel uint8

// Security levels.
const (
	LevelNone         SecurityLevel = 0 // no protection
	LevelMIC32        SecurityLevel = 1 // 4-byte MIC, no encryption
	LevelMIC64        SecurityLevel = 2 // 8-byte MIC, no encryption
	LevelMIC128       SecurityLevel = 3 // 16-byte MIC, no encryption
	LevelENC          SecurityLevel = 4 // encryption only, no MIC
	LevelENCMIC32     SecurityLevel = 5 // encryption, 4-byte MIC (Thread)
	LevelENCMIC64     SecurityLevel = 6 // encryption, 8-byte MIC
	LevelENCMIC128    SecurityLevel = 7 // encryption, 16-byte MIC
	maxSecurityLevel                = 7
	securityLevelMask               = 0x07
)

// MICLen returns the length of the MIC the level appends: 0, 4, 8 or 16.
func (l SecurityLevel) MICLen() int {
	if l&3 == 0 {
		return 0
	}
	return 2 << (l & 3)
}

// Encrypted reports whether the level encrypts the private payload.
func (l SecurityLevel) Encrypted() bool { return l&4 != 0 }

var levelNames = [...]string{"none", "MIC-32", "MIC-64", "MIC-128", "ENC", "ENC-MIC-32", "ENC-MIC-64", "ENC-MIC-128"}

// String returns the level's name, for example "ENC-MIC-32".
func (l SecurityLevel) String() string {
	if int(l) < len(levelNames) {
		return levelNames[l]
	}
	return fmt.Sprintf("SecurityLevel(%d)", uint8(l))
}

// KeyIDMode is the key identifier mode of the auxiliary security header.
type KeyIDMode uint8

// Key identifier modes and the key identifier field each implies.
const (
	KeyIDImplicit KeyIDMode = 0 // key known from context; no key identifier
	KeyIDIndex    KeyIDMode = 1 // 1-byte key index (Thread MAC)
	KeyIDSource4  KeyIDMode = 2 // 4-byte key source and 1-byte key index
	KeyIDSource8  KeyIDMode = 3 // 8-byte key source and 1-byte key index
)

// Len returns the length of the key identifier field for the mode.
func (m KeyIDMode) Len() int {
	switch m & 3 {
	case KeyIDIndex:
		return 1
	case KeyIDSource4:
		return 5
	case KeyIDSource8:
		return 9
	default:
		return 0
	}
}

// String returns the mode's name.
func (m KeyIDMode) String() string {
	switch m {
	case KeyIDImplicit:
		return "implicit"
	case KeyIDIndex:
		return "index"
	case KeyIDSource4:
		return "source4+index"
	case KeyIDSource8:
		return "source8+index"
	default:
		return fmt.Sprintf("KeyIDMode(%d)", uint8(m))
	}
}

// KeyID identifies a key as the auxiliary security header names it. It is
// comparable and serves as part of the replay-window key. Source holds the
// key source in on-air byte order; only its first 4 (mode 2) or 8 (mode 3)
// bytes are used, the rest stay zero.
type KeyID struct {
	Mode   KeyIDMode
	Index  uint8
	Source [8]byte
}

// MaxAuxHeaderLen is the largest auxiliary security header (key identifier
// mode 3 with a frame counter).
const MaxAuxHeaderLen = 14

// Security control bits other than the level and key identifier mode.
const (
	secCtlFCSuppress = 0x20 // frame counter suppression (2015)
	secCtlASN        = 0x40 // ASN in nonce (2015)
	secCtlReserved   = 0x80
)

// AuxHeader is the auxiliary security header (IEEE 802.15.4-2015 §9.4).
type AuxHeader struct {
	// Level is the security level.
	Level SecurityLevel
	// KeyIDMode selects which key identifier fields are present.
	KeyIDMode KeyIDMode
	// FrameCounterSuppressed is the 2015 Frame Counter Suppression bit:
	// the frame counter is not sent (TSCH, which uses the ASN instead).
	FrameCounterSuppressed bool
	// ASNInNonce is the 2015 ASN-in-Nonce bit (TSCH).
	ASNInNonce bool
	// FrameCounter is the frame counter; zero when suppressed.
	FrameCounter uint32
	// KeySource is the key source in on-air order: its first 4 bytes in
	// key identifier mode 2, all 8 in mode 3, zero otherwise.
	KeySource [8]byte
	// KeyIndex is the key index in key identifier modes 1–3.
	KeyIndex uint8
}

// Len returns the encoded length of the header: 5, 6, 10 or 14 bytes with a
// frame counter, 4 fewer without.
func (a *AuxHeader) Len() int {
	n := 1 + a.KeyIDMode.Len()
	if !a.FrameCounterSuppressed {
		n += 4
	}
	return n
}

// KeyID returns the key identifier the header carries.
func (a *AuxHeader) KeyID() KeyID {
	return KeyID{Mode: a.KeyIDMode, Index: a.KeyIndex, Source: a.KeySource}
}

// Decode parses an auxiliary security header at the start of b and returns
// its length. Bytes after the header are ignored. It returns ErrTruncated
// when b is shorter than the header and ErrBadAuxHeader when the reserved
// bit 7 of the security control field is set.
func (a *AuxHeader) Decode(b []byte) (int, error) {
	if len(b) < 1 {
		return 0, ErrTruncated
	}
	sc := b[0]
	if sc&secCtlReserved != 0 {
		return 0, ErrBadAuxHeader
	}
	*a = AuxHeader{
		Level:                  SecurityLevel(sc & securityLevelMask),
		KeyIDMode:              KeyIDMode(sc >> 3 & 3),
		FrameCounterSuppressed: sc&secCtlFCSuppress != 0,
		ASNInNonce:             sc&secCtlASN != 0,
	}
	n := a.Len()
	if len(b) < n {
		*a = AuxHeader{}
		return 0, ErrTruncated
	}
	i := 1
	if !a.FrameCounterSuppressed {
		a.FrameCounter = binary.LittleEndian.Uint32(b[i:])
		i += 4
	}
	switch a.KeyIDMode {
	case KeyIDSource4:
		copy(a.KeySource[:4], b[i:i+4])
		i += 4
	case KeyIDSource8:
		copy(a.KeySource[:], b[i:i+8])
		i += 8
	}
	if a.KeyIDMode != KeyIDImplicit {
		a.KeyIndex = b[i]
		i++
	}
	return i, nil
}

func (a *AuxHeader) keySourceLen() int {
	switch a.KeyIDMode {
	case KeyIDSource4:
		return 4
	case KeyIDSource8:
		return 8
	}
	return 0
}

// validate checks that the header encodes without losing a field.
func (a *AuxHeader) validate() error {
	if a.Level > maxSecurityLevel || a.KeyIDMode > KeyIDSource8 {
		return ErrInvalidField
	}
	for _, x := range a.KeySource[a.keySourceLen():] {
		if x != 0 {
			return ErrInvalidField
		}
	}
	if a.KeyIDMode == KeyIDImplicit && a.KeyIndex != 0 {
		return ErrInvalidField
	}
	if a.FrameCounterSuppressed && a.FrameCounter != 0 {
		return ErrInvalidField
	}
	return nil
}

// AppendTo appends the encoded header to dst. It returns ErrInvalidField
// when Level or KeyIDMode is out of range, or when KeySource holds bytes
// the key identifier mode does not carry (they would be lost).
func (a *AuxHeader) AppendTo(dst []byte) ([]byte, error) {
	if err := a.validate(); err != nil {
		return dst, err
	}
	srcLen := a.keySourceLen()
	sc := byte(a.Level) | byte(a.KeyIDMode)<<3
	if a.FrameCounterSuppressed {
		sc |= secCtlFCSuppress
	}
	if a.ASNInNonce {
		sc |= secCtlASN
	}
	dst = append(dst, sc)
	if !a.FrameCounterSuppressed {
		dst = binary.LittleEndian.AppendUint32(dst, a.FrameCounter)
	}
	dst = append(dst, a.KeySource[:srcLen]...)
	if a.KeyIDMode != KeyIDImplicit {
		dst = append(dst, a.KeyIndex)
	}
	return dst, nil
}
