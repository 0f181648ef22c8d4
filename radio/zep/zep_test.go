package zep

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestDataRoundTrip(t *testing.T) {
	ts := time.Date(2026, 11, 22, 1, 2, 3, 500_000_000, time.UTC)
	h := Header{Channel: 15, DeviceID: 0x1234, CRCMode: true, LQI: 200, Timestamp: ts, Seq: 77}
	psdu := []byte{0x41, 0xd8, 0x01, 0xce, 0xfa, 0xff, 0xff, 0x01, 0x02}
	pkt, err := AppendData(nil, h, psdu)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{'E', 'X', 2, 1, 15, 0x12, 0x34, 1, 200}
	if !bytes.Equal(pkt[:9], want) || len(pkt) != HeaderLen+len(psdu) || pkt[HeaderLen-1] != byte(len(psdu)) {
		t.Fatalf("header % x", pkt[:HeaderLen])
	}
	got, gotPSDU, err := ParseData(pkt)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gotPSDU, psdu) || got.Channel != 15 || got.DeviceID != 0x1234 || !got.CRCMode || got.LQI != 200 || got.Seq != 77 {
		t.Fatalf("parsed %+v", got)
	}
	if d := got.Timestamp.Sub(ts); d < -time.Microsecond || d > time.Microsecond {
		t.Fatalf("timestamp %v, want %v", got.Timestamp, ts)
	}
}

func TestParseBadInput(t *testing.T) {
	good, _ := AppendData(nil, Header{Channel: 11}, []byte{1, 2, 3})
	long := append(bytes.Clone(good[:HeaderLen]), make([]byte, 130)...)
	long[HeaderLen-1] = 130
	cases := []struct {
		name string
		p    []byte
		want error
	}{
		{"empty", nil, ErrShort},
		{"not zep", []byte("GET / HTTP/1.1"), ErrNotZEP},
		{"version 1", []byte{'E', 'X', 1, 1, 0}, ErrVersion},
		{"ack", []byte{'E', 'X', 2, 2, 0, 0, 0, 1}, ErrType},
		{"short header", good[:20], ErrShort},
		{"length past end", good[:len(good)-1], ErrLength},
		{"trailing bytes", append(bytes.Clone(good), 0), ErrLength},
		{"frame too long", long, ErrFrameLength},
	}
	for _, c := range cases {
		if _, _, err := ParseData(c.p); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := AppendData(nil, Header{}, make([]byte, 128)); !errors.Is(err, ErrFrameLength) {
		t.Errorf("AppendData(128 bytes) = %v", err)
	}
}

func FuzzParseData(f *testing.F) {
	good, _ := AppendData(nil, Header{Channel: 26, DeviceID: 9, CRCMode: true, Seq: 1}, []byte{0x02, 0x10, 0x5e, 0xd2, 0x9b})
	f.Add(good)
	f.Add([]byte{'E', 'X', 2, 1})
	f.Fuzz(func(t *testing.T, p []byte) {
		h, psdu, err := ParseData(p)
		if err != nil {
			return
		}
		again, err := AppendData(nil, h, psdu)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		h2, psdu2, err := ParseData(again)
		if err != nil || !bytes.Equal(psdu, psdu2) || h2.Channel != h.Channel || h2.Seq != h.Seq || h2.DeviceID != h.DeviceID {
			t.Fatalf("round trip changed the packet: %v", err)
		}
	})
}
