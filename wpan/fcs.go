package wpan

import "encoding/binary"

// FCSLen is the length of the 802.15.4 frame check sequence.
const FCSLen = 2

// MaxPSDU is aMaxPHYPacketSize: the largest PHY payload, FCS included.
const MaxPSDU = 127

// MaxFrameLen is the largest MAC frame without its FCS (MaxPSDU − FCSLen),
// the limit [Frame.Decode] and [Frame.AppendTo] enforce.
const MaxFrameLen = MaxPSDU - FCSLen

// crcTable holds the byte-wise tables of the reflected CCITT polynomial
// 0x8408: [0] for one byte, [1] for a byte followed by a zero byte
// (slicing by two).
var crcTable = func() (t [2][256]uint16) {
	for i := range t[0] {
		c := uint16(i)
		for range 8 {
			if c&1 != 0 {
				c = c>>1 ^ 0x8408
			} else {
				c >>= 1
			}
		}
		t[0][i] = c
	}
	for i := range t[1] {
		c := t[0][i]
		t[1][i] = c>>8 ^ t[0][byte(c)]
	}
	return t
}()

// FCS returns the 802.15.4 frame check sequence of b: CRC-16/KERMIT
// (polynomial 0x1021 reflected, initial value 0, no final XOR). Its check
// value over "123456789" is 0x2189. The FCS travels little-endian.
func FCS(b []byte) uint16 {
	var c uint16
	t0, t1 := &crcTable[0], &crcTable[1]
	for len(b) >= 2 {
		c ^= binary.LittleEndian.Uint16(b)
		c = t1[byte(c)] ^ t0[byte(c>>8)]
		b = b[2:]
	}
	for _, x := range b {
		c = c>>8 ^ t0[byte(c)^x]
	}
	return c
}

// AppendFCS appends the little-endian FCS of frame to frame.
func AppendFCS(frame []byte) []byte {
	c := FCS(frame)
	return append(frame, byte(c), byte(c>>8))
}

// CheckFCS reports whether psdu (a frame followed by its FCS) has a valid
// FCS: the CRC over the whole PSDU leaves a zero residue.
func CheckFCS(psdu []byte) bool {
	return len(psdu) >= FCSLen && FCS(psdu) == 0
}

// StripFCS checks the FCS of psdu and returns the frame without it. It
// returns ErrTruncated for fewer than two bytes, ErrFrameTooLong above 127
// bytes and ErrBadFCS on a mismatch.
func StripFCS(psdu []byte) ([]byte, error) {
	switch {
	case len(psdu) < FCSLen:
		return nil, ErrTruncated
	case len(psdu) > MaxPSDU:
		return nil, ErrFrameTooLong
	case FCS(psdu) != 0:
		return nil, ErrBadFCS
	}
	return psdu[:len(psdu)-FCSLen], nil
}
