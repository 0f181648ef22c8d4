package mle

import "errors"

// Sentinel errors returned by the decoders, [Open] and the encoders. They are
// returned unwrapped so that matching them costs no allocation; callers test
// them with [errors.Is].
var (
	// ErrTruncated reports a message shorter than its fixed parts: the
	// security suite, the auxiliary security header, the command byte or
	// the MIC.
	ErrTruncated = errors.New("mle: message truncated")

	// ErrUnknownSuite reports a security suite other than 0 (802.15.4
	// security) or 255 (no security).
	ErrUnknownSuite = errors.New("mle: unknown security suite")

	// ErrSecurityControl reports an auxiliary security header whose
	// security control byte is not 0x15 (key identifier mode 2, security
	// level 5, no frame counter suppression, reserved bits clear).
	ErrSecurityControl = errors.New("mle: unsupported security control")

	// ErrUnsecured reports that [Open] was given a message sent with
	// security suite 255.
	ErrUnsecured = errors.New("mle: message is not secured")

	// ErrKeySequence reports that the cipher given to [Open] belongs to a
	// key sequence other than the one in the auxiliary security header.
	ErrKeySequence = errors.New("mle: key sequence does not match the cipher")

	// ErrSecurityFailure reports a message whose MIC does not verify: it
	// was not sent by a holder of the key, or it was altered.
	ErrSecurityFailure = errors.New("mle: message authentication failed")

	// ErrFrameCounterExhausted reports an attempt to secure a message with
	// frame counter 0xFFFFFFFF; the draft forbids sending secured messages
	// until a new key is in use.
	ErrFrameCounterExhausted = errors.New("mle: frame counter exhausted")

	// ErrAddress reports an IPv6 source or destination address that is not
	// a valid IPv6 address, needed for the authenticated data.
	ErrAddress = errors.New("mle: not an IPv6 address")

	// ErrUnknownCommand reports a command type this package does not
	// implement (the draft assigns 0–6). The draft says such messages MUST
	// be ignored; callers drop them silently.
	ErrUnknownCommand = errors.New("mle: unknown command")

	// ErrTLVTruncated reports a TLV whose header or value runs past the end
	// of the message.
	ErrTLVTruncated = errors.New("mle: TLV runs past the end of the message")

	// ErrTLVLength reports a TLV whose length is wrong for its type: not
	// the fixed length the draft gives, outside the allowed range, or not
	// a whole number of records.
	ErrTLVLength = errors.New("mle: bad TLV length")

	// ErrDuplicateTLV reports a TLV type that occurs twice although only the
	// Source Address and Network Parameter TLVs may repeat.
	ErrDuplicateTLV = errors.New("mle: repeated TLV")

	// ErrTooManyTLVs reports more Source Address or Network Parameter TLVs
	// than a [Message] holds ([MaxSourceAddrs], [MaxParams]).
	ErrTooManyTLVs = errors.New("mle: too many repeated TLVs")

	// ErrUnsecuredTLV reports a Challenge, Response or Link-layer Frame
	// Counter TLV in a message sent without MLE security, which the draft
	// forbids (§10).
	ErrUnsecuredTLV = errors.New("mle: challenge, response or frame counter in an unsecured message")

	// ErrInvalidMessage reports a [Message] that cannot be encoded: a field
	// out of range for its TLV.
	ErrInvalidMessage = errors.New("mle: invalid message")
)
