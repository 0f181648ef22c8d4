package wpan

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var testKey = unhex("00112233445566778899aabbccddeeff")

// keyTable is a KeyLookup over one key and a short-to-extended table.
type keyTable struct {
	key   *CCMStar
	exts  map[ShortAddr]ExtAddr
	level SecurityLevel // accepted level; 0 accepts any
}

func (k *keyTable) LookupKey(src Addr, _ PANID, aux AuxHeader) (*CCMStar, ExtAddr, error) {
	if k.level != 0 && aux.Level != k.level {
		return nil, ExtAddr{}, ErrNoKey
	}
	switch src.Mode {
	case AddrExt:
		return k.key, src.Ext, nil
	case AddrShort:
		if e, ok := k.exts[src.Short]; ok {
			return k.key, e, nil
		}
	}
	return nil, ExtAddr{}, ErrNoKey
}

func threadFrame(fc uint32, payload []byte) Frame {
	f := Frame{Type: FrameData, Version: Version2006, Security: true, AckRequest: true, Seq: uint8(fc)}
	f.SetAddrs(0xface, ExtAddress(extB), 0xface, ExtAddress(extA))
	f.Aux = AuxHeader{Level: LevelENCMIC32, KeyIDMode: KeyIDIndex, KeyIndex: 1, FrameCounter: fc}
	f.Payload = payload
	return f
}

// TestSealOpenAllLevels seals and opens frames of every level, key
// identifier mode and frame type, 2006 and 2015 (with IEs).
func TestSealOpenAllLevels(t *testing.T) {
	key := mustCCM(t, testKey)
	for _, v := range []FrameVersion{Version2006, Version2015} {
		for level := LevelMIC32; level <= LevelENCMIC128; level++ {
			for kim := KeyIDImplicit; kim <= KeyIDSource8; kim++ {
				for _, typ := range []FrameType{FrameData, FrameCommand, FrameBeacon} {
					name := fmt.Sprintf("v%v/%v/kim%d/%v", v, level, kim, typ)
					t.Run(name, func(t *testing.T) {
						f := Frame{Type: typ, Version: v, Security: true, Seq: 3}
						f.SetAddrs(0xface, ShortAddress(0x10), 0xface, ExtAddress(extA))
						f.Aux = AuxHeader{Level: level, KeyIDMode: kim, FrameCounter: 0x01020304}
						if kim != KeyIDImplicit {
							f.Aux.KeyIndex = 7
						}
						if kim >= KeyIDSource4 {
							copy(f.Aux.KeySource[:], "abcd")
						}
						f.Payload = []byte{0x04, 'p', 'a', 'y', 'l', 'o', 'a', 'd', 0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
						if typ == FrameBeacon && v == Version2006 {
							// Superframe spec, one GTS, one short pending address.
							f.Payload = append(unhex("ff cf 01 80 01 02 03 01 34 12"), f.Payload...)
						}
						if v == Version2015 {
							f.HeaderIEs = unhex("04 0d 11 22 33 44")
							f.PayloadIEs = unhex("03 88 aa bb cc")
						}
						b, err := f.AppendSealed(nil, key, extA)
						if err != nil {
							t.Fatal(err)
						}
						if level.Encrypted() && bytes.Contains(b, []byte("payload")) {
							t.Fatal("payload in the clear")
						}
						if v == Version2015 && level.Encrypted() && bytes.Contains(b, f.PayloadIEs) {
							t.Fatal("payload IEs in the clear")
						}
						var g Frame
						if err := g.Decode(b); err != nil {
							t.Fatal(err)
						}
						if err := g.Open(key, extA); err != nil {
							t.Fatalf("Open: %v", err)
						}
						g.MIC = nil
						f.Security = true
						if !frameEqual(&f, &g) {
							t.Fatalf("opened\n got %+v\nwant %+v", g, f)
						}
					})
				}
			}
		}
	}
}

func TestOpenFailures(t *testing.T) {
	key := mustCCM(t, testKey)
	other := mustCCM(t, annexCKey)
	f := threadFrame(10, []byte("secret payload"))
	sealed, err := f.AppendSealed(nil, key, extA)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		mod  func(b []byte)
		key  *CCMStar
		src  ExtAddr
		want error
	}{
		{"wrong key", nil, other, extA, ErrMICFailure},
		{"wrong source address", nil, key, extB, ErrMICFailure},
		{"flipped payload bit", func(b []byte) { b[len(b)-6] ^= 0x01 }, key, extA, ErrMICFailure},
		{"flipped MIC bit", func(b []byte) { b[len(b)-1] ^= 0x80 }, key, extA, ErrMICFailure},
		{"flipped header bit", func(b []byte) { b[2] ^= 0x01 }, key, extA, ErrMICFailure},
		{"changed frame counter", func(b []byte) { b[len(b)-len("secret payload")-4-5]++ }, key, extA, ErrMICFailure},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := bytes.Clone(sealed)
			if c.mod != nil {
				c.mod(b)
			}
			before := bytes.Clone(b)
			var g Frame
			if err := g.Decode(b); err != nil {
				t.Fatal(err)
			}
			if err := g.Open(c.key, c.src); !errors.Is(err, c.want) {
				t.Fatalf("Open = %v, want %v", err, c.want)
			}
			if !bytes.Equal(b, before) {
				t.Fatal("failed Open left the buffer changed")
			}
		})
	}
	t.Run("malformed encrypted payload IEs at level 4", func(t *testing.T) {
		g := Frame{Type: FrameData, Version: Version2015, Seq: 1, PayloadIEs: unhex("03 88 aa bb cc"),
			Payload: []byte("x"), Aux: AuxHeader{Level: LevelENC, FrameCounter: 1}}
		g.SetAddrs(0xface, ShortAddress(1), 0xface, ShortAddress(2))
		b, err := g.AppendSealed(nil, key, extA)
		if err != nil {
			t.Fatal(err)
		}
		hl := g.HeaderLen()
		b[hl+1] ^= 0x80 // the payload IE descriptor's type bit: now a header IE
		before := bytes.Clone(b)
		var h Frame
		if err := h.Decode(b); err != nil {
			t.Fatal(err)
		}
		if err := h.Open(key, extA); !errors.Is(err, ErrBadIE) {
			t.Fatalf("Open = %v, want ErrBadIE", err)
		}
		if !bytes.Equal(b, before) {
			t.Fatal("failed Open left the buffer changed")
		}
	})
	t.Run("not secured", func(t *testing.T) {
		var g Frame
		plain := threadFrame(1, []byte("x"))
		plain.Security = false
		b, _ := plain.AppendTo(nil)
		_ = g.Decode(b)
		if err := g.Open(key, extA); !errors.Is(err, ErrNotSecured) {
			t.Fatalf("Open = %v, want ErrNotSecured", err)
		}
		if err := g.Unsecure(&keyTable{key: key}, nil); !errors.Is(err, ErrNotSecured) {
			t.Fatalf("Unsecure = %v, want ErrNotSecured", err)
		}
	})
	t.Run("level 0", func(t *testing.T) {
		g := threadFrame(1, []byte("x"))
		g.Aux.Level = LevelNone
		if _, err := g.AppendSealed(nil, key, extA); !errors.Is(err, ErrInsecureLevel) {
			t.Fatalf("AppendSealed = %v, want ErrInsecureLevel", err)
		}
		b, _ := g.AppendTo(nil)
		var h Frame
		_ = h.Decode(b)
		if err := h.Open(key, extA); !errors.Is(err, ErrInsecureLevel) {
			t.Fatalf("Open = %v, want ErrInsecureLevel", err)
		}
	})
	t.Run("frame counter suppressed", func(t *testing.T) {
		g := threadFrame(0, []byte("x"))
		g.Version = Version2015
		g.SetAddrs(0xface, ExtAddress(extB), 0xface, ExtAddress(extA))
		g.Aux.FrameCounterSuppressed = true
		if _, err := g.AppendSealed(nil, key, extA); !errors.Is(err, ErrUnsupportedSecurity) {
			t.Fatalf("AppendSealed = %v, want ErrUnsupportedSecurity", err)
		}
	})
	t.Run("command without identifier", func(t *testing.T) {
		g := threadFrame(0, nil)
		g.Type = FrameCommand
		if _, err := g.AppendSealed(nil, key, extA); !errors.Is(err, ErrTruncated) {
			t.Fatalf("AppendSealed = %v, want ErrTruncated", err)
		}
	})
	t.Run("bad key length", func(t *testing.T) {
		if _, err := NewCCMStar(make([]byte, 15)); !errors.Is(err, ErrInvalidKey) {
			t.Fatalf("NewCCMStar = %v, want ErrInvalidKey", err)
		}
	})
	t.Run("CCM input", func(t *testing.T) {
		n := Nonce(extA, 0, 5)
		if _, err := key.Seal(nil, n[:12], nil, nil, 4); !errors.Is(err, ErrCCMInput) {
			t.Fatalf("short nonce: %v", err)
		}
		if _, err := key.Seal(nil, n[:], nil, nil, 5); !errors.Is(err, ErrCCMInput) {
			t.Fatalf("odd MIC: %v", err)
		}
		if _, err := key.Open(nil, n[:], []byte{1, 2}, nil, 4); !errors.Is(err, ErrCCMInput) {
			t.Fatalf("ciphertext shorter than MIC: %v", err)
		}
		if _, err := key.Open(nil, n[:], make([]byte, 8), nil, 4); !errors.Is(err, ErrMICFailure) {
			t.Fatalf("bad MIC: %v", err)
		}
	})
}

// TestCCMStarInPlace checks that in-place Seal/Open work and that MLE-style
// long a-data spanning several blocks round-trips.
func TestCCMStarInPlace(t *testing.T) {
	key := mustCCM(t, testKey)
	n := Nonce(extA, 77, LevelENCMIC32)
	for _, sizes := range [][2]int{{0, 0}, {1, 0}, {0, 1}, {14, 16}, {15, 17}, {40, 100}, {300, 1000}} {
		adata := bytes.Repeat([]byte{0xA5}, sizes[0])
		msg := bytes.Repeat([]byte{0x5A}, sizes[1])
		buf := make([]byte, len(msg), len(msg)+4)
		copy(buf, msg)
		sealed, err := key.Seal(buf[:0], n[:], buf, adata, 4)
		if err != nil {
			t.Fatal(err)
		}
		ref, _ := key.Seal(nil, n[:], msg, adata, 4)
		if !bytes.Equal(sealed, ref) {
			t.Fatalf("%v: in-place seal differs", sizes)
		}
		opened, err := key.Open(sealed[:0], n[:], sealed, adata, 4)
		if err != nil || !bytes.Equal(opened, msg) {
			t.Fatalf("%v: in-place open = %v", sizes, err)
		}
	}
}

func TestUnsecureReplay(t *testing.T) {
	key := mustCCM(t, testKey)
	keys := keyTable{key: key, level: LevelENCMIC32}
	rw := NewReplayWindows(4)
	frames := map[uint32][]byte{}
	for _, fc := range []uint32{5, 6, 9, 3} {
		f := threadFrame(fc, []byte("data"))
		b, err := f.AppendSealed(nil, key, extA)
		if err != nil {
			t.Fatal(err)
		}
		frames[fc] = b
	}
	recv := func(fc uint32) error {
		var f Frame
		if err := f.Decode(bytes.Clone(frames[fc])); err != nil {
			t.Fatal(err)
		}
		return f.Unsecure(&keys, rw)
	}
	steps := []struct {
		fc   uint32
		want error
	}{
		{5, nil},                 // first frame from the sender: accepted
		{5, ErrDuplicateCounter}, // same counter again
		{6, nil},                 // next
		{3, ErrReplayed},         // old
		{9, nil},                 // gap is fine
		{6, ErrReplayed},         // below the window
	}
	for i, s := range steps {
		if err := recv(s.fc); !errors.Is(err, s.want) {
			t.Fatalf("step %d fc %d: %v, want %v", i, s.fc, err, s.want)
		}
	}
	if !errors.Is(ErrDuplicateCounter, ErrReplayed) || errors.Is(ErrReplayed, ErrDuplicateCounter) {
		t.Fatal("ErrDuplicateCounter must match ErrReplayed, not the reverse")
	}
	st := rw.Stats()
	if st.Replayed != 3 || st.Duplicates != 1 || st.Windows != 1 {
		t.Fatalf("stats %+v", st)
	}
	if next, ok := rw.Next(extA, KeyID{Mode: KeyIDIndex, Index: 1}); !ok || next != 10 {
		t.Fatalf("Next = %d, %v; want 10", next, ok)
	}
	// A forged frame with a high counter must not move the window.
	forged := threadFrame(1000, []byte("data"))
	b, _ := forged.AppendSealed(nil, mustCCM(t, annexCKey), extA)
	var f Frame
	_ = f.Decode(b)
	if err := f.Unsecure(&keys, rw); !errors.Is(err, ErrMICFailure) {
		t.Fatalf("forged: %v", err)
	}
	if next, _ := rw.Next(extA, KeyID{Mode: KeyIDIndex, Index: 1}); next != 10 {
		t.Fatalf("forged frame moved the window to %d", next)
	}
	// Unknown sender (short address not in the table).
	short := threadFrame(1, []byte("x"))
	short.SetAddrs(0xface, ExtAddress(extB), 0xface, ShortAddress(0x0400))
	b, _ = short.AppendSealed(nil, key, extA)
	_ = f.Decode(b)
	if err := f.Unsecure(&keys, rw); !errors.Is(err, ErrNoKey) {
		t.Fatalf("unknown sender: %v", err)
	}
	keys.exts = map[ShortAddr]ExtAddr{0x0400: extA}
	_ = f.Decode(b)
	if err := f.Unsecure(&keys, rw); !errors.Is(err, ErrReplayed) {
		t.Fatalf("short-address sender replays counter 1: %v, want ErrReplayed", err)
	}
}

func TestReplayWindowsBounded(t *testing.T) {
	rw := NewReplayWindows(3)
	kid := KeyID{Mode: KeyIDIndex, Index: 1}
	for i := range uint64(5) {
		rw.Commit(ExtAddrFromUint64(i), kid, 100)
	}
	st := rw.Stats()
	if st.Windows != 3 || st.Evictions != 2 {
		t.Fatalf("stats %+v, want 3 windows 2 evictions", st)
	}
	if _, ok := rw.Next(ExtAddrFromUint64(0), kid); ok {
		t.Fatal("oldest window not evicted")
	}
	// Touching sender 2 makes 3 the least recently updated.
	rw.Commit(ExtAddrFromUint64(2), kid, 200)
	rw.Commit(ExtAddrFromUint64(9), kid, 1)
	if _, ok := rw.Next(ExtAddrFromUint64(3), kid); ok {
		t.Fatal("LRU order wrong: sender 3 should be evicted")
	}
	if n, ok := rw.Next(ExtAddrFromUint64(2), kid); !ok || n != 201 {
		t.Fatalf("sender 2: %d %v", n, ok)
	}
	// Windows are per key identifier.
	if err := rw.Check(ExtAddrFromUint64(2), KeyID{Mode: KeyIDIndex, Index: 2}, 0); err != nil {
		t.Fatalf("other key: %v", err)
	}
	rw.Forget(ExtAddrFromUint64(2))
	if _, ok := rw.Next(ExtAddrFromUint64(2), kid); ok {
		t.Fatal("Forget kept the window")
	}
	rw.SetNext(ExtAddrFromUint64(7), kid, 50)
	if err := rw.Check(ExtAddrFromUint64(7), kid, 49); !errors.Is(err, ErrDuplicateCounter) {
		t.Fatalf("seeded window: %v", err)
	}
	rw.Commit(ExtAddrFromUint64(7), kid, 0xFFFFFFFF)
	if n, _ := rw.Next(ExtAddrFromUint64(7), kid); n != 1<<32 {
		t.Fatalf("after 0xFFFFFFFF: %d", n)
	}
	if err := rw.Check(ExtAddrFromUint64(7), kid, 0xFFFFFFFF); !errors.Is(err, ErrReplayed) {
		t.Fatalf("0xFFFFFFFF twice: %v", err)
	}
	// Steady state at capacity does not allocate.
	i := uint64(0)
	if n := testing.AllocsPerRun(1000, func() {
		i++
		rw.Commit(ExtAddrFromUint64(i%3), kid, uint32(i))
		_ = rw.Check(ExtAddrFromUint64(i%3), kid, uint32(i))
	}); n != 0 {
		t.Fatalf("Commit/Check allocate %v times", n)
	}
}

func TestDSNFilter(t *testing.T) {
	d := NewDSNFilter(2)
	a, b, c := ShortAddress(1), ExtAddress(extA), ShortAddress(3)
	steps := []struct {
		src  Addr
		seq  uint8
		want bool
	}{
		{a, 1, false}, {a, 1, true}, {a, 2, false}, {b, 2, false}, {b, 2, true},
		{c, 9, false}, // evicts a
		{a, 2, false}, // a forgotten
		{Addr{}, 5, false}, {Addr{}, 5, false},
	}
	for i, s := range steps {
		if got := d.Duplicate(s.src, s.seq); got != s.want {
			t.Fatalf("step %d: Duplicate(%v, %d) = %v, want %v", i, s.src, s.seq, got, s.want)
		}
	}
	if d.Duplicates() != 2 || d.Evictions() != 2 {
		t.Fatalf("duplicates %d evictions %d", d.Duplicates(), d.Evictions())
	}
	// Stray fields of the other address mode do not split one source.
	if !d.Duplicate(Addr{Mode: AddrShort, Short: 3, Ext: extB}, 9) {
		t.Fatal("short address with a stray Ext not matched")
	}
}

func TestCounterSource(t *testing.T) {
	var m MemCounterStore
	c, err := NewCounterSource(&m, 10)
	if err != nil {
		t.Fatal(err)
	}
	for want := range uint32(25) {
		got, err := c.Next()
		if err != nil || got != want {
			t.Fatalf("Next = %d, %v; want %d", got, err, want)
		}
	}
	if m.Stores() != 3 {
		t.Fatalf("stores = %d, want 3 (reserve 10, 25 counters)", m.Stores())
	}
	if limit, _, _ := m.Load(); limit != 30 {
		t.Fatalf("stored limit %d, want 30", limit)
	}
}

// TestCounterSourceRestart uses the file store: counters are taken, the
// source is dropped without any shutdown ("crash") and a new one resumes;
// every new counter must exceed every counter used before.
func TestCounterSourceRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "frame-counter")
	maxUsed := int64(-1)
	for run := range 4 {
		c, err := NewCounterSource(NewFileCounterStore(path), 0)
		if err != nil {
			t.Fatal(err)
		}
		for range 1500 + run*7 {
			n, err := c.Next()
			if err != nil {
				t.Fatal(err)
			}
			if int64(n) <= maxUsed {
				t.Fatalf("run %d: counter %d reused (max before %d)", run, n, maxUsed)
			}
			maxUsed = int64(n)
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", st.Mode().Perm())
	}
	ents, _ := os.ReadDir(filepath.Dir(path))
	if len(ents) != 1 {
		t.Fatalf("temporary files left: %v", ents)
	}
}

func TestCounterExhausted(t *testing.T) {
	m := &MemCounterStore{}
	_ = m.Store(0xFFFFFFFD)
	c, err := NewCounterSource(m, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []uint32{0xFFFFFFFD, 0xFFFFFFFE} {
		if n, err := c.Next(); err != nil || n != want {
			t.Fatalf("Next = %#x, %v; want %#x", n, err, want)
		}
	}
	if _, err := c.Next(); !errors.Is(err, ErrCounterExhausted) {
		t.Fatalf("Next at 0xFFFFFFFF = %v, want ErrCounterExhausted", err)
	}
	if _, ok := c.Peek(); ok {
		t.Fatal("Peek reports counters left")
	}
}

type failingStore struct{}

var errDisk = errors.New("disk full")

func (failingStore) Load() (uint32, bool, error) { return 0, false, nil }
func (failingStore) Store(uint32) error          { return errDisk }

func TestCounterStoreErrors(t *testing.T) {
	c, err := NewCounterSource(&failingStore{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Next(); !errors.Is(err, errDisk) {
		t.Fatalf("Next with failing store = %v", err)
	}
	if n, _ := c.Peek(); n != 0 {
		t.Fatalf("failed reservation used a counter: next %d", n)
	}
	path := filepath.Join(t.TempDir(), "fc")
	if err := os.WriteFile(path, []byte("garbage\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewCounterSource(NewFileCounterStore(path), 0); !errors.Is(err, ErrCounterStore) {
		t.Fatalf("corrupt store: %v, want ErrCounterStore", err)
	}
}

// TestZeroAllocs asserts the secured frame path does not allocate.
func TestZeroAllocs(t *testing.T) {
	key := mustCCM(t, testKey)
	keys := keyTable{key: key}
	rw := NewReplayWindows(8)
	f := threadFrame(0, make([]byte, 127-23-6-4-2))
	out := make([]byte, 0, MaxFrameLen)
	var g Frame
	fc := uint32(0)
	n := testing.AllocsPerRun(200, func() {
		fc++
		f.Aux.FrameCounter = fc
		b, err := f.AppendSealed(out, key, extA)
		if err != nil {
			t.Fatal(err)
		}
		if err := g.Decode(b); err != nil {
			t.Fatal(err)
		}
		if err := g.Unsecure(&keys, rw); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Fatalf("seal+decode+unsecure allocates %v times", n)
	}
}

func TestSealBeaconFields(t *testing.T) {
	key := mustCCM(t, testKey)
	for _, p := range []string{"", "ff", "ff cf", "ff cf 01 80 01 02", "ff cf 00", "ff cf 00 11 34 12"} {
		f := Frame{Type: FrameBeacon, Version: Version2006, Seq: 1, Payload: unhex(p),
			Aux: AuxHeader{Level: LevelENCMIC32}}
		f.SetAddrs(0, Addr{}, 1, ShortAddress(1))
		if _, err := f.AppendSealed(nil, key, extA); !errors.Is(err, ErrTruncated) {
			t.Errorf("beacon payload %q: %v, want ErrTruncated", p, err)
		}
		// MIC-only levels encrypt nothing and do not parse the fields.
		f.Aux.Level = LevelMIC32
		if _, err := f.AppendSealed(nil, key, extA); err != nil {
			t.Errorf("beacon payload %q, MIC-32: %v", p, err)
		}
	}
}
