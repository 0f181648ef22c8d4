package txpower

import (
	"slices"
	"testing"
	"time"
)

// run feeds a script of operations to a controller, checking its
// invariants after each, and returns the node levels it went through.
// Each operation is 4 bytes: kind and neighbour, then arguments.
func runScript(t *testing.T, c *Controller[key], script []byte) []int8 {
	now := t0
	levels := c.Levels()
	var trace []int8
	for len(script) >= 4 {
		op, a, b, d := script[0], script[1], script[2], script[3]
		script = script[4:]
		k := nb(op >> 4 & 7)
		now = now.Add(time.Duration(d) * 100 * time.Millisecond)
		used := int8(a) // any level, even one the radio lacks
		switch op & 0xF {
		case 0, 1, 2:
			c.HandleMargin(now, k, b, used)
		case 3, 4, 5:
			c.HandleAck(now, k, used, b&7, b&8 == 0)
		case 6:
			if _, err := c.SetRole(now, k, Role(a), b&1 == 0); err != nil && err != ErrFull {
				t.Fatalf("SetRole: %v", err)
			}
		case 7:
			c.SetParent(now, k)
		case 8:
			c.ClearRole(now, Role(a))
		case 9:
			c.Forget(now, k)
		case 10:
			c.HandleRx(now, k)
		default:
			if dl, ok := c.Deadline(); ok {
				if dl.Before(now) {
					now = dl
				}
				c.Poll(dl)
			}
		}
		trace = append(trace, c.Level())
		checkInvariants(t, c, levels, now)
	}
	return trace
}

func checkInvariants(t *testing.T, c *Controller[key], levels []int8, now time.Time) {
	t.Helper()
	top := levels[len(levels)-1]
	lvl := c.Level()
	if !slices.Contains(levels, lvl) {
		t.Fatalf("node level %d not an allowed level %v", lvl, levels)
	}
	if c.Policy() == Fixed && lvl != top {
		t.Fatalf("fixed policy at %d, want %d", lvl, top)
	}
	needed := false
	for _, ls := range c.Links(nil) {
		if !slices.Contains(levels, ls.LevelDBm) {
			t.Fatalf("link level %d not allowed", ls.LevelDBm)
		}
		if ls.Roles != 0 {
			needed = true
			if ls.LevelDBm > lvl {
				t.Fatalf("needed link %v at %d above the node level %d", ls.Neighbour, ls.LevelDBm, lvl)
			}
		}
		if ls.HasFloor && ls.LevelDBm < ls.FloorDBm {
			t.Fatalf("link %v at %d below its floor %d", ls.Neighbour, ls.LevelDBm, ls.FloorDBm)
		}
		if got := c.LevelFor(ls.Neighbour); got != ls.LevelDBm {
			t.Fatalf("LevelFor %d, status %d", got, ls.LevelDBm)
		}
	}
	if !needed && lvl != top {
		t.Fatalf("no needed link but the node level is %d, not the top", lvl)
	}
	bl := c.BroadcastLevel()
	if !slices.Contains(levels, bl) || bl < lvl {
		t.Fatalf("broadcast level %d: not allowed, or below the node level %d", bl, lvl)
	}
	for _, ls := range c.Links(nil) {
		if ls.LevelDBm > bl {
			t.Fatalf("link %v at %d above the broadcast level %d", ls.Neighbour, ls.LevelDBm, bl)
		}
	}
	if d, ok := c.Deadline(); ok && d.IsZero() {
		t.Fatal("zero deadline")
	}
	_ = c.Reason().String()
}

// FuzzController drives the controller with arbitrary feedback, received
// frames and role changes: no panic, levels always allowed, needed links
// covered by the node level and every link by the broadcast level, floors
// respected, and the same script gives the same levels.
func FuzzController(f *testing.F) {
	f.Add(byte(0), []byte{0x10, 8, 20, 10, 0x13, 8, 1, 10, 0x16, 1, 0, 1, 0x1A, 0, 0, 0})
	f.Add(byte(1), []byte{0x17, 0, 0, 0, 0x13, 8, 12, 1, 0x10, 0xF6, 0, 1, 0x1F, 0, 0, 0})
	f.Add(byte(2), []byte{0x26, 4, 0, 0, 0x20, 0xEC, 3, 200, 0x24, 0xEC, 4, 200, 0x29, 0, 0, 0})
	f.Add(byte(3), []byte{0x36, 2, 0, 0, 0x33, 0x80, 1, 255, 0x30, 0x7F, 255, 255, 0x38, 2, 0, 0})
	f.Add(byte(0x80), []byte{0x17, 0, 0, 0, 0x2A, 0, 0, 1, 0x20, 0xEC, 30, 10, 0x2A, 0, 0, 200, 0x2F, 0, 0, 255, 0x46, 8, 1, 0})
	f.Fuzz(func(t *testing.T, variant byte, script []byte) {
		cfg := Config[key]{Levels: testLevels, MaxLinks: 4, GoodReports: 1 + int(variant&3), Dwell: time.Duration(variant>>2&3) * time.Second}
		if variant&0x10 != 0 {
			cfg.Policy = Fixed
		}
		if variant&0x20 != 0 {
			cfg.MinDBm, cfg.HasMin, cfg.MaxDBm, cfg.HasMax = -12, true, 3, true
		}
		if variant&0x40 != 0 {
			cfg.Levels = []int8{-24, -16, -8, 0, 4, 8}
			cfg.Pinned = []key{nb(7)}
		}
		if variant&0x80 != 0 {
			cfg.ChildHold = 30 * time.Second
		}
		a, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := New(cfg)
		ta, tb := runScript(t, a, script), runScript(t, b, script)
		if !slices.Equal(ta, tb) {
			t.Fatalf("not deterministic:\n%v\n%v", ta, tb)
		}
	})
}
