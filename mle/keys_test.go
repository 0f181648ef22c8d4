package mle

import (
	"bytes"
	"testing"
)

// Test vectors from mle.md §8, taken from OpenThread
// tests/scripts/thread-cert/test_crypto.py (Thread 1.1 §7.1.4.1–3).
const (
	vectorNetworkKey = "00112233445566778899aabbccddeeff"

	// MLE Advertisement encryption (§8.2).
	vectorSender     = "00 35 cc 94 d7 7a 07 e8" // EUI-64, canonical
	vectorIPSrc      = "fe80::235:cc94:d77a:7e8"
	vectorIPDst      = "ff02::2"
	vectorCounter    = 262165 // 0x00040015
	vectorAux        = "15 15000400 00000000 01"
	vectorNonce      = "00 35 cc 94 d7 7a 07 e8 00 04 00 15 05"
	vectorPlaintext  = "04 00 02 00 00 09 0b 8f 80 00 00 00 00 00 40 00 01 f1 0b 08 65 5e 0f 83 40 c7 83 31"
	vectorCiphertext = "9a 5a 9a 5b ba 25 9c 5e 58 a2 7e 75 74 ef 79 bc 4f a3 f9 ae a8 34 f6 f2 37 21 93 60"
	vectorMIC        = "e1 b5 a2 53"
	vectorPayload    = "00 15 15 00 04 00 00 00 00 00 01" + vectorCiphertext + vectorMIC
)

func vectorKey(tb testing.TB) [KeyLen]byte {
	return [KeyLen]byte(unhex(tb, vectorNetworkKey))
}

func TestDeriveKeys(t *testing.T) {
	tests := []struct {
		name string
		seq  uint32
		mle  string
		mac  string
	}{
		{"sequence 0", 0, "5445f4158fd75912175809f8b57a66a4", "de89c53af382b421e0fde5a9bae3bef0"},
		{"sequence 1", 1, "8f4cd1a27d95c07d12db8974bd615c13", "9be0d1af7bd87350deabcdd07febb9d5"},
		{"sequence 2", 2, "016e2ab8ec88879687a72e0a357ecf2a", "564109e9d2aad7f723ec3b96110eefa3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := DeriveKeys(vectorKey(t), tc.seq)
			if k.Sequence != tc.seq {
				t.Errorf("Sequence = %d, want %d", k.Sequence, tc.seq)
			}
			if want := unhex(t, tc.mle); !bytes.Equal(k.MLE[:], want) {
				t.Errorf("MLE key = %x, want %x", k.MLE, want)
			}
			if want := unhex(t, tc.mac); !bytes.Equal(k.MAC[:], want) {
				t.Errorf("MAC key = %x, want %x", k.MAC, want)
			}
		})
	}
}
