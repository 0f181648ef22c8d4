package wpan

import "errors"

// Sentinel errors. Every decoder and security check returns one of these
// unwrapped (no allocation on the drop path), so callers branch with
// errors.Is and count drops by cause.
var (
	// ErrTruncated reports a frame or field shorter than its header says.
	ErrTruncated = errors.New("wpan: frame truncated")
	// ErrFrameTooLong reports a frame longer than aMaxPHYPacketSize allows
	// (125 bytes without FCS, 127 with).
	ErrFrameTooLong = errors.New("wpan: frame longer than 127-byte PSDU")
	// ErrReservedFrameType reports frame type 4, reserved in every version.
	ErrReservedFrameType = errors.New("wpan: reserved frame type")
	// ErrUnsupportedFrameType reports the 2015 multipurpose (5), fragment
	// (6) and extended (7) frame types, which this codec does not handle.
	ErrUnsupportedFrameType = errors.New("wpan: unsupported frame type")
	// ErrReservedFrameVersion reports frame version 3.
	ErrReservedFrameVersion = errors.New("wpan: reserved frame version")
	// ErrReservedAddrMode reports addressing mode 1.
	ErrReservedAddrMode = errors.New("wpan: reserved addressing mode")
	// ErrPANIDCompression reports a PAN ID Compression bit that the frame
	// version's rules do not allow with the frame's addressing modes
	// (2003/2006: set without both addresses present).
	ErrPANIDCompression = errors.New("wpan: invalid PAN ID compression")
	// ErrPANIDMismatch reports, when encoding, a source PAN ID that differs
	// from the destination PAN ID although the header elides it.
	ErrPANIDMismatch = errors.New("wpan: source PAN ID elided but differs from destination PAN ID")
	// ErrInvalidField reports a field the encoder cannot represent: a
	// frame type or version out of range, sequence-number suppression or
	// IEs in a frame version before 2015, a MIC of the wrong length.
	ErrInvalidField = errors.New("wpan: invalid frame field")
	// ErrBadIE reports a malformed header or payload IE list.
	ErrBadIE = errors.New("wpan: malformed information element")
	// ErrBadAuxHeader reports an auxiliary security header with reserved
	// bits set.
	ErrBadAuxHeader = errors.New("wpan: malformed auxiliary security header")
	// ErrUnsupportedSecurity reports security this package does not
	// implement: 2003-style security and frame-counter suppression (TSCH,
	// where the nonce carries the ASN) when sealing or opening.
	ErrUnsupportedSecurity = errors.New("wpan: unsupported security mode")
	// ErrBadFCS reports a frame whose frame check sequence does not match.
	ErrBadFCS = errors.New("wpan: bad FCS")
	// ErrNotSecured reports an attempt to open a frame without the
	// Security Enabled bit.
	ErrNotSecured = errors.New("wpan: frame is not secured")
	// ErrInsecureLevel reports security level 0 where protection is needed.
	ErrInsecureLevel = errors.New("wpan: security level 0 gives no protection")
	// ErrMICFailure reports a frame or message whose MIC does not verify.
	ErrMICFailure = errors.New("wpan: MIC verification failed")
	// ErrNoKey reports that no key is known for a frame's key identifier or
	// sender; KeyLookup implementations return it.
	ErrNoKey = errors.New("wpan: no key for frame")
	// ErrInvalidKey reports a key that is not 16 bytes.
	ErrInvalidKey = errors.New("wpan: invalid AES-128 key length")
	// ErrCCMInput reports CCM* input the mode cannot process: a nonce that
	// is not 13 bytes, an unsupported MIC length, or a-data or message too
	// long for L = 2.
	ErrCCMInput = errors.New("wpan: invalid CCM* input")
	// ErrReplayed reports a frame counter below the lowest acceptable next
	// counter of its sender and key.
	ErrReplayed = errors.New("wpan: replayed frame counter")
	// ErrDuplicateCounter reports a frame counter exactly one below the next
	// acceptable counter: most likely a retransmission of the last accepted
	// frame whose acknowledgment was lost. errors.Is(ErrDuplicateCounter,
	// ErrReplayed) is true.
	ErrDuplicateCounter error = duplicateCounterError{}
	// ErrCounterExhausted reports that the outgoing frame counter reached
	// 0xFFFFFFFF; the key must change before anything more is sent.
	ErrCounterExhausted = errors.New("wpan: outgoing frame counter exhausted")
	// ErrCounterStore reports a frame-counter store whose content is not a
	// valid counter.
	ErrCounterStore = errors.New("wpan: corrupt frame counter store")
)

type duplicateCounterError struct{}

func (duplicateCounterError) Error() string { return "wpan: duplicate frame counter" }

// Is makes a duplicate also a replay for errors.Is.
func (duplicateCounterError) Is(target error) bool { return target == ErrReplayed }
