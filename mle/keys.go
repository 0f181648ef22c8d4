package mle

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
)

// KeyLen is the length of the network key and of the keys derived from it
// (AES-128).
const KeyLen = 16

// Keys are the keys derived from the network key for one key sequence.
type Keys struct {
	// Sequence is the key sequence the keys belong to.
	Sequence uint32
	// MLE is the key MLE messages are secured with.
	MLE [KeyLen]byte
	// MAC is the 802.15.4 link-layer key; MLE never uses it.
	MAC [KeyLen]byte
}

// DeriveKeys derives the MLE and MAC keys of a key sequence from the network
// key as Thread does (Thread 1.1 §7.1.4; OpenThread KeyManager::ComputeKeys):
// HMAC-SHA256 keyed with the network key over the key sequence as a 32-bit
// big-endian number followed by the ASCII string "Thread"; the first 16
// bytes of the digest are the MLE key, the last 16 the MAC key. Keeping the
// two apart satisfies the draft's rule that MLE must not use a key of
// another layer.
func DeriveKeys(networkKey [KeyLen]byte, seq uint32) Keys {
	var data [4 + 6]byte
	binary.BigEndian.PutUint32(data[:4], seq)
	copy(data[4:], "Thread")
	mac := hmac.New(sha256.New, networkKey[:])
	mac.Write(data[:])
	var sum [sha256.Size]byte
	mac.Sum(sum[:0])
	k := Keys{Sequence: seq}
	copy(k.MLE[:], sum[:KeyLen])
	copy(k.MAC[:], sum[KeyLen:])
	return k
}
