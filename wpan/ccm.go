package wpan

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"sync"
)

// NonceSize is the length of the CCM* nonce 802.15.4 and MLE use (L = 2).
const NonceSize = 13

// KeySize is the length of an AES-128 key.
const KeySize = 16

const (
	ccmBlock   = 16
	ccmMaxMsg  = 0xFFFF // L = 2
	ccmMaxAAD  = 0xFEFF // a 2-byte length prefix covers a-data below 2^16 − 2^8
	ccmFlagsA  = 0x40   // Adata present
	ccmFlagsL  = 0x01   // L − 1
	ccmCtrFlag = 0x01   // counter block flags: L − 1
)

// CCMStar is AES-128 in CCM* mode (IEEE 802.15.4-2015 Annex B) with L = 2
// and a 13-byte nonce: CCM with MIC lengths 4–16, plus the encryption-only
// mode (MIC length 0) that plain CCM lacks. Payload keystream blocks start
// at counter 1; counter 0 encrypts the MIC.
//
// A CCMStar holds the expanded key and is safe for concurrent use. Seal and
// Open do not allocate when dst has room (they borrow 48 bytes of scratch
// from a pool, because the AES block interface would otherwise move stack
// buffers to the heap).
type CCMStar struct {
	b cipher.Block
}

type ccmScratch struct {
	x [ccmBlock]byte // CBC-MAC state
	c [ccmBlock]byte // counter block
	s [ccmBlock]byte // keystream block
	t [ccmBlock]byte // received MIC copy
}

var ccmPool = sync.Pool{New: func() any { return new(ccmScratch) }}

// NewCCMStar expands a 16-byte AES key. It returns ErrInvalidKey for any
// other length.
func NewCCMStar(key []byte) (*CCMStar, error) {
	if len(key) != KeySize {
		return nil, ErrInvalidKey
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return &CCMStar{b: b}, nil
}

// Nonce returns the 802.15.4 CCM* nonce: the sender's extended address in
// canonical order, the frame counter big-endian and the security level.
// MLE uses the same layout.
func Nonce(src ExtAddr, frameCounter uint32, level SecurityLevel) [NonceSize]byte {
	var n [NonceSize]byte
	copy(n[:8], src[:])
	binary.BigEndian.PutUint32(n[8:], frameCounter)
	n[12] = byte(level)
	return n
}

func validMICLen(m int) bool {
	return m == 0 || (m >= 4 && m <= 16 && m%2 == 0)
}

// Seal encrypts and authenticates plaintext, authenticates adata, and
// appends ciphertext ‖ MIC (micLen bytes: 0, 4, 6, …, 16) to dst. With
// micLen 0 it only encrypts. plaintext and the bytes after dst may alias
// exactly (in-place sealing) but must not overlap otherwise. It returns
// ErrCCMInput for a nonce other than 13 bytes, a bad micLen, or input too
// long for L = 2.
func (c *CCMStar) Seal(dst, nonce, plaintext, adata []byte, micLen int) ([]byte, error) {
	if len(nonce) != NonceSize || !validMICLen(micLen) || len(plaintext) > ccmMaxMsg || len(adata) > ccmMaxAAD {
		return dst, ErrCCMInput
	}
	ret, out := sliceForAppend(dst, len(plaintext)+micLen)
	c.seal((*[NonceSize]byte)(nonce), adata, plaintext, out[:len(plaintext)], out[len(plaintext):])
	return ret, nil
}

// Open authenticates and decrypts ciphertext (which ends with a MIC of
// micLen bytes) and adata, and appends the plaintext to dst. With micLen 0
// nothing is authenticated. ciphertext and the bytes after dst may alias
// exactly. On a MIC mismatch it returns ErrMICFailure and leaves no
// plaintext behind (an in-place buffer holds the ciphertext again).
func (c *CCMStar) Open(dst, nonce, ciphertext, adata []byte, micLen int) ([]byte, error) {
	if len(nonce) != NonceSize || !validMICLen(micLen) || len(ciphertext) < micLen ||
		len(ciphertext)-micLen > ccmMaxMsg || len(adata) > ccmMaxAAD {
		return dst, ErrCCMInput
	}
	n := len(ciphertext) - micLen
	ret, out := sliceForAppend(dst, n)
	if err := c.open((*[NonceSize]byte)(nonce), adata, ciphertext[:n], out, ciphertext[n:]); err != nil {
		return dst, err
	}
	return ret, nil
}

// seal computes the MIC over adata ‖ msg into mic and encrypts msg into
// out (which may be msg itself).
func (c *CCMStar) seal(nonce *[NonceSize]byte, adata, msg, out, mic []byte) {
	sc := ccmPool.Get().(*ccmScratch)
	if len(mic) > 0 {
		c.cbcMAC(sc, nonce, adata, msg, len(mic))
	}
	c.ctr(sc, nonce, out, msg)
	if len(mic) > 0 {
		c.tagMask(sc, nonce)
		subtle.XORBytes(mic, sc.x[:len(mic)], sc.s[:len(mic)])
	}
	ccmPool.Put(sc)
}

// open decrypts msg into out (which may be msg itself) and verifies mic.
// On failure it re-encrypts out so no plaintext is left.
func (c *CCMStar) open(nonce *[NonceSize]byte, adata, msg, out, mic []byte) error {
	sc := ccmPool.Get().(*ccmScratch)
	defer ccmPool.Put(sc)
	m := len(mic)
	copy(sc.t[:m], mic) // mic may alias out's buffer in a caller's frame
	c.ctr(sc, nonce, out, msg)
	if m == 0 {
		return nil
	}
	c.cbcMAC(sc, nonce, adata, out, m)
	c.tagMask(sc, nonce)
	subtle.XORBytes(sc.x[:m], sc.x[:m], sc.s[:m])
	if subtle.ConstantTimeCompare(sc.x[:m], sc.t[:m]) != 1 {
		c.ctr(sc, nonce, out, out)
		return ErrMICFailure
	}
	return nil
}

// xorKeystream XORs b with the keystream from counter 1, in place.
func (c *CCMStar) xorKeystream(nonce *[NonceSize]byte, b []byte) {
	sc := ccmPool.Get().(*ccmScratch)
	c.ctr(sc, nonce, b, b)
	ccmPool.Put(sc)
}

// cbcMAC leaves the unencrypted tag T in sc.x.
func (c *CCMStar) cbcMAC(sc *ccmScratch, nonce *[NonceSize]byte, adata, msg []byte, m int) {
	x := &sc.x
	x[0] = byte((m-2)/2)<<3 | ccmFlagsL
	if len(adata) > 0 {
		x[0] |= ccmFlagsA
	}
	copy(x[1:14], nonce[:])
	binary.BigEndian.PutUint16(x[14:], uint16(len(msg)))
	c.b.Encrypt(x[:], x[:])
	if len(adata) > 0 {
		// First block: 2-byte length, then up to 14 bytes of a-data.
		x[0] ^= byte(len(adata) >> 8)
		x[1] ^= byte(len(adata))
		k := subtle.XORBytes(x[2:], x[2:], adata)
		c.b.Encrypt(x[:], x[:])
		c.macBlocks(x, adata[k:])
	}
	c.macBlocks(x, msg)
}

// macBlocks folds b into the CBC-MAC state, zero-padding the last block.
func (c *CCMStar) macBlocks(x *[ccmBlock]byte, b []byte) {
	for len(b) >= ccmBlock {
		xor16(x[:], x[:], b)
		c.b.Encrypt(x[:], x[:])
		b = b[ccmBlock:]
	}
	if len(b) > 0 {
		subtle.XORBytes(x[:], x[:], b)
		c.b.Encrypt(x[:], x[:])
	}
}

// xor16 sets dst[:16] = a[:16] ^ b[:16]; dst may alias a or b exactly.
func xor16(dst, a, b []byte) {
	_, _, _ = dst[15], a[15], b[15]
	binary.LittleEndian.PutUint64(dst, binary.LittleEndian.Uint64(a)^binary.LittleEndian.Uint64(b))
	binary.LittleEndian.PutUint64(dst[8:], binary.LittleEndian.Uint64(a[8:])^binary.LittleEndian.Uint64(b[8:]))
}

// ctr XORs src with the keystream from counter 1 into dst.
func (c *CCMStar) ctr(sc *ccmScratch, nonce *[NonceSize]byte, dst, src []byte) {
	ctrBlock := &sc.c
	ctrBlock[0] = ccmCtrFlag
	copy(ctrBlock[1:14], nonce[:])
	for i := 1; len(src) > 0; i++ {
		binary.BigEndian.PutUint16(ctrBlock[14:], uint16(i))
		c.b.Encrypt(sc.s[:], ctrBlock[:])
		if len(src) >= ccmBlock {
			xor16(dst, src, sc.s[:])
			dst, src = dst[ccmBlock:], src[ccmBlock:]
			continue
		}
		k := subtle.XORBytes(dst, src, sc.s[:])
		dst, src = dst[k:], src[k:]
	}
}

// tagMask puts E(A_0) in sc.s.
func (c *CCMStar) tagMask(sc *ccmScratch, nonce *[NonceSize]byte) {
	sc.c[0] = ccmCtrFlag
	copy(sc.c[1:14], nonce[:])
	sc.c[14], sc.c[15] = 0, 0
	c.b.Encrypt(sc.s[:], sc.c[:])
}

// sliceForAppend extends in by n bytes, reusing its capacity when it can,
// and returns the whole slice and the n new bytes.
func sliceForAppend(in []byte, n int) (head, tail []byte) {
	if total := len(in) + n; cap(in) >= total {
		head = in[:total]
	} else {
		head = make([]byte, total)
		copy(head, in)
	}
	tail = head[len(in):]
	return head, tail
}
