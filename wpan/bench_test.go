package wpan

import (
	"testing"
	"time"
)

// benchFrame is a level 5, key id mode 1 data frame that fills the whole
// 127-byte PSDU (ext/ext with PAN ID compression: 21 + 6 bytes of header,
// 4 of MIC, 2 of FCS, 94 of payload).
func benchFrame() Frame {
	f := threadFrame(1, make([]byte, MaxPSDU-21-6-4-FCSLen))
	for i := range f.Payload {
		f.Payload[i] = byte(i)
	}
	return f
}

func BenchmarkSealEncode(b *testing.B) {
	key := mustCCM(b, testKey)
	f := benchFrame()
	out := make([]byte, 0, MaxPSDU)
	b.ReportAllocs()
	b.SetBytes(MaxFrameLen)
	for i := 0; b.Loop(); i++ {
		f.Aux.FrameCounter = uint32(i)
		enc, err := f.AppendSealed(out, key, extA)
		if err != nil || len(enc) != MaxFrameLen {
			b.Fatal(len(enc), err)
		}
	}
}

func BenchmarkDecodeOpen(b *testing.B) {
	key := mustCCM(b, testKey)
	f := benchFrame()
	sealed, err := f.AppendSealed(nil, key, extA)
	if err != nil {
		b.Fatal(err)
	}
	keys := &keyTable{key: key}
	rw := NewReplayWindows(8)
	buf := make([]byte, len(sealed))
	var g Frame
	b.ReportAllocs()
	b.SetBytes(MaxFrameLen)
	for b.Loop() {
		copy(buf, sealed)
		rw.Forget(extA)
		if err := g.Decode(buf); err != nil {
			b.Fatal(err)
		}
		if err := g.Unsecure(keys, rw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	f := benchFrame()
	f.MIC = make([]byte, 4)
	enc, _ := f.AppendTo(nil)
	var g Frame
	b.ReportAllocs()
	for b.Loop() {
		if err := g.Decode(enc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPeekAckInfo(b *testing.B) {
	f := benchFrame()
	f.MIC = make([]byte, 4)
	enc, _ := f.AppendTo(nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PeekAckInfo(enc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFCS(b *testing.B) {
	buf := make([]byte, MaxFrameLen)
	b.ReportAllocs()
	b.SetBytes(MaxFrameLen)
	for b.Loop() {
		_ = FCS(buf)
	}
}

func BenchmarkPcapWriteFrame(b *testing.B) {
	f := benchFrame()
	f.MIC = make([]byte, 4)
	enc, _ := f.AppendTo(nil)
	w, err := NewPcapWriter(discard{}, LinkTypeTAP)
	if err != nil {
		b.Fatal(err)
	}
	ts := time.Unix(1, 0)
	info := PcapInfo{Valid: true, RSSI: -70, LQI: 255, Channel: 15}
	b.ReportAllocs()
	for b.Loop() {
		if err := w.WriteFrame(ts, enc, info); err != nil {
			b.Fatal(err)
		}
	}
}
