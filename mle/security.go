package mle

import (
	"net/netip"

	"github.com/meshgw/meshgw/wpan"
)

// aadLen is the length of the CCM* authenticated data: IPv6 source (16),
// IPv6 destination (16) and the auxiliary security header (10).
const aadLen = 16 + 16 + AuxHeaderLen

// Cipher is the MLE key of one key sequence, expanded for AES-CCM*. Build
// one per key sequence in use (typically the current one, cached) with
// [NewCipher]; it is immutable and safe for concurrent use.
type Cipher struct {
	seq uint32
	ccm *wpan.CCMStar
}

// NewCipher expands the MLE key of k. The MAC key in k is not used.
func NewCipher(k Keys) (*Cipher, error) {
	ccm, err := wpan.NewCCMStar(k.MLE[:])
	if err != nil {
		return nil, err
	}
	return &Cipher{seq: k.Sequence, ccm: ccm}, nil
}

// KeySequence returns the key sequence of the cipher's key.
func (c *Cipher) KeySequence() uint32 { return c.seq }

// ExtAddrFromLinkLocal returns the EUI-64 behind a link-local IPv6 address
// whose interface identifier was formed from it (RFC 4944 §6): the
// identifier with the universal/local bit (0x02 of its first byte) flipped.
// MLE needs the sender's EUI-64 for the nonce; when the MAC source was a
// short address, this is where it comes from (as in OpenThread). ok is
// false when ip is not an IPv6 link-local unicast address.
func ExtAddrFromLinkLocal(ip netip.Addr) (e wpan.ExtAddr, ok bool) {
	if !ip.Is6() || ip.Is4In6() || !ip.IsLinkLocalUnicast() {
		return e, false
	}
	a := ip.As16()
	return wpan.ExtAddrFromIID([8]byte(a[8:])), true
}

// AppendUnsecured appends m as an unsecured message (security suite 255)
// to dst. The draft allows unsecured MLE only towards devices that have no
// key yet; it fails with ErrUnsecuredTLV if m carries a Challenge, Response
// or Link-layer Frame Counter TLV, and with the errors of
// [Message.AppendBinary]. On error dst is returned unchanged.
func AppendUnsecured(dst []byte, m *Message) ([]byte, error) {
	if err := m.CheckUnsecured(); err != nil {
		return dst, err
	}
	out, err := m.AppendBinary(append(dst, byte(SuiteNone)))
	if err != nil {
		return dst, err
	}
	return out, nil
}

// AppendSecured encodes m and secures it in place: it appends the security
// suite (0), the auxiliary security header, the encrypted body and the MIC
// to dst. See [Seal] for the security parameters. It does not allocate when
// dst has room for m.Len() + SecuredOverhead more bytes. On error dst is
// returned unchanged.
func AppendSecured(dst []byte, m *Message, c *Cipher, src wpan.ExtAddr, counter uint32, ipSrc, ipDst netip.Addr) ([]byte, error) {
	start := len(dst)
	out, aad, err := appendSecurityHeader(dst, c, counter, ipSrc, ipDst)
	if err != nil {
		return dst, err
	}
	out, err = m.AppendBinary(out)
	if err != nil {
		return dst, err
	}
	out, err = sealInPlace(out, start, c, src, counter, &aad)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// Seal secures an encoded message body (command byte and TLVs, as from
// [Message.AppendBinary], possibly followed by TLVs this package does not
// model) and appends the secured message to dst: security suite 0, the
// auxiliary security header (key identifier mode 2, key source = the
// cipher's key sequence, key index [KeyIndexFor]), the body encrypted with
// AES-CCM* and the 4-byte MIC.
//
// The nonce is src (the sender's EUI-64, canonical order) ‖ counter
// (big-endian) ‖ 5; the authenticated data is ipSrc ‖ ipDst ‖ the auxiliary
// header. counter is the sender's outgoing MLE frame counter, which the
// caller must never reuse with the same key; 0xFFFFFFFF gives
// ErrFrameCounterExhausted (draft §9). ipSrc and ipDst must be IPv6
// (ErrAddress). body must not overlap dst's spare capacity. Seal does not
// allocate when dst has room for len(body) + SecuredOverhead more bytes. On
// error dst is returned unchanged.
func Seal(dst, body []byte, c *Cipher, src wpan.ExtAddr, counter uint32, ipSrc, ipDst netip.Addr) ([]byte, error) {
	start := len(dst)
	out, aad, err := appendSecurityHeader(dst, c, counter, ipSrc, ipDst)
	if err != nil {
		return dst, err
	}
	if len(body) < 1 {
		return dst, ErrTruncated
	}
	out, err = sealInPlace(append(out, body...), start, c, src, counter, &aad)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// appendSecurityHeader appends the suite and auxiliary header and returns
// the authenticated data.
func appendSecurityHeader(dst []byte, c *Cipher, counter uint32, ipSrc, ipDst netip.Addr) ([]byte, [aadLen]byte, error) {
	var aad [aadLen]byte
	if counter == 0xFFFFFFFF {
		return dst, aad, ErrFrameCounterExhausted
	}
	if !ipSrc.Is6() || !ipDst.Is6() {
		return dst, aad, ErrAddress
	}
	s, d := ipSrc.As16(), ipDst.As16()
	copy(aad[0:16], s[:])
	copy(aad[16:32], d[:])
	h := AuxHeader{FrameCounter: counter, KeySequence: c.seq, KeyIndex: KeyIndexFor(c.seq)}
	dst = append(dst, byte(Suite154))
	dst, _ = h.AppendBinary(dst)
	copy(aad[32:], dst[len(dst)-AuxHeaderLen:])
	return dst, aad, nil
}

// sealInPlace encrypts msg[start+11:] in place and appends the MIC.
func sealInPlace(msg []byte, start int, c *Cipher, src wpan.ExtAddr, counter uint32, aad *[aadLen]byte) ([]byte, error) {
	nonce := wpan.Nonce(src, counter, SecurityLevel)
	bodyStart := start + 1 + AuxHeaderLen
	out, err := c.ccm.Seal(msg[:bodyStart], nonce[:], msg[bodyStart:], aad[:], MICLen)
	if err != nil {
		return nil, ErrInvalidMessage // only for a body longer than CCM* with L = 2 allows
	}
	return out, nil
}

// Open authenticates and decrypts a secured MLE message (the whole UDP
// payload, starting with security suite 0) in place, and returns the body
// (command byte and TLVs, aliasing b, ready for [Message.Decode]) and the
// auxiliary security header, whose key sequence and frame counter the
// caller checks against the sender's [ReplayState] and commits only after
// Open succeeds.
//
// c must be the cipher of the header's key sequence (ErrKeySequence
// otherwise; decode the [Header] first to choose it). src is the sender's
// EUI-64: the MAC source when it was extended, else from the neighbour
// table or [ExtAddrFromLinkLocal]. ipSrc and ipDst are the IPv6 addresses
// the message arrived with.
//
// Errors: those of [Header.Decode], ErrUnsecured for a suite-255 message,
// ErrAddress, ErrKeySequence, and ErrSecurityFailure when the MIC does not
// verify (then b holds the ciphertext again). Open does not allocate.
func Open(b []byte, c *Cipher, src wpan.ExtAddr, ipSrc, ipDst netip.Addr) (body []byte, aux AuxHeader, err error) {
	var h Header
	if err := h.Decode(b); err != nil {
		return nil, aux, err
	}
	if h.Suite != Suite154 {
		return nil, aux, ErrUnsecured
	}
	if !ipSrc.Is6() || !ipDst.Is6() {
		return nil, aux, ErrAddress
	}
	if h.Aux.KeySequence != c.seq {
		return nil, aux, ErrKeySequence
	}
	var aad [aadLen]byte
	s, d := ipSrc.As16(), ipDst.As16()
	copy(aad[0:16], s[:])
	copy(aad[16:32], d[:])
	copy(aad[32:], b[1:1+AuxHeaderLen])
	nonce := wpan.Nonce(src, h.Aux.FrameCounter, SecurityLevel)
	bodyStart := 1 + AuxHeaderLen
	body, err = c.ccm.Open(b[bodyStart:bodyStart], nonce[:], b[bodyStart:], aad[:], MICLen)
	if err != nil {
		return nil, aux, ErrSecurityFailure
	}
	return body[:len(body):len(body)], h.Aux, nil
}
