package wpan

import (
	"bytes"
	"errors"
	"testing"
)

func TestIEHelpers(t *testing.T) {
	hdr, err := AppendHeaderIE(nil, HeaderIECSL, unhex("11 22 33 44"))
	if err != nil || !bytes.Equal(hdr, unhex("04 0d 11 22 33 44")) {
		t.Fatalf("AppendHeaderIE = %x, %v", hdr, err)
	}
	hdr, _ = AppendHeaderIE(hdr, HeaderIETimeCorrection, unhex("00 00"))
	id, content, rest, err := NextHeaderIE(hdr)
	if err != nil || id != HeaderIECSL || !bytes.Equal(content, unhex("11 22 33 44")) {
		t.Fatalf("NextHeaderIE = %#x %x %v", id, content, err)
	}
	if id, _, rest, err = NextHeaderIE(rest); err != nil || id != HeaderIETimeCorrection || len(rest) != 0 {
		t.Fatalf("second IE = %#x %v rest %x", id, err, rest)
	}
	pay, err := AppendPayloadIE(nil, PayloadIEGroupMLME, unhex("06 1a 01 00 00 00 00 00"))
	if err != nil || !bytes.Equal(pay, unhex("08 88 06 1a 01 00 00 00 00 00")) {
		t.Fatalf("AppendPayloadIE = %x, %v", pay, err)
	}
	g, content, rest, err := NextPayloadIE(pay)
	if err != nil || g != PayloadIEGroupMLME || len(content) != 8 || len(rest) != 0 {
		t.Fatalf("NextPayloadIE = %d %x %v", g, content, err)
	}
	for _, c := range []struct {
		name string
		err  error
	}{
		{"HT1", func() error { _, err := AppendHeaderIE(nil, 0x7E, nil); return err }()},
		{"long header IE", func() error { _, err := AppendHeaderIE(nil, 1, make([]byte, 128)); return err }()},
		{"termination group", func() error { _, err := AppendPayloadIE(nil, 15, nil); return err }()},
		{"long payload IE", func() error { _, err := AppendPayloadIE(nil, 1, make([]byte, 2048)); return err }()},
		{"header cut", func() error { _, _, _, err := NextHeaderIE(unhex("04 0d 11")); return err }()},
		{"header odd", func() error { _, _, _, err := NextHeaderIE(unhex("04")); return err }()},
		{"payload as header", func() error { _, _, _, err := NextHeaderIE(pay); return err }()},
		{"header as payload", func() error { _, _, _, err := NextPayloadIE(hdr); return err }()},
		{"payload cut", func() error { _, _, _, err := NextPayloadIE(pay[:5]); return err }()},
	} {
		if !errors.Is(c.err, ErrBadIE) {
			t.Errorf("%s: %v, want ErrBadIE", c.name, c.err)
		}
	}
}
