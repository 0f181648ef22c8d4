package lowpan

import (
	"fmt"
	"net/netip"
)

// MaxContexts is the number of context identifiers IPHC can name (4 bits).
const MaxContexts = 16

// Context is one entry of the 6LoWPAN context table (RFC 6282 §3.1.2, RFC
// 6775 §4.2): an IPv6 prefix that stateful compression may elide.
type Context struct {
	// ID is the context identifier, 0–15. Context 0 is the one IPHC uses
	// when no CID byte is present.
	ID uint8
	// Prefix is the IPv6 prefix, of any length 0–128. Its bits past the
	// prefix length are ignored.
	Prefix netip.Prefix
	// Compress is RFC 6775's C flag: the context may be used to compress.
	// A context with Compress false is still used to decompress.
	Compress bool
}

// entry is a context in the form the codec uses.
type entry struct {
	valid    bool
	compress bool
	bits     uint8    // prefix length
	prefix   [16]byte // masked to bits
}

// Contexts is a context table. The zero value holds no contexts. It is not
// safe for concurrent use; the node's owner goroutine edits it between
// packets.
type Contexts struct {
	e [MaxContexts]entry
}

// Set adds or replaces the context with c's ID.
func (t *Contexts) Set(c Context) error {
	if c.ID >= MaxContexts {
		return fmt.Errorf("lowpan: context id %d out of range 0–15", c.ID)
	}
	if !c.Prefix.IsValid() || !c.Prefix.Addr().Is6() || c.Prefix.Addr().Zone() != "" {
		return fmt.Errorf("lowpan: context %d: prefix %v is not an IPv6 prefix", c.ID, c.Prefix)
	}
	p := c.Prefix.Masked()
	t.e[c.ID] = entry{
		valid:    true,
		compress: c.Compress,
		bits:     uint8(p.Bits()),
		prefix:   p.Addr().As16(),
	}
	return nil
}

// Delete removes the context id; deleting an absent context does nothing.
func (t *Contexts) Delete(id uint8) {
	if id < MaxContexts {
		t.e[id] = entry{}
	}
}

// Get returns the context id, and whether the table holds it.
func (t *Contexts) Get(id uint8) (Context, bool) {
	if t == nil || id >= MaxContexts || !t.e[id].valid {
		return Context{}, false
	}
	e := &t.e[id]
	return Context{
		ID:       id,
		Prefix:   netip.PrefixFrom(netip.AddrFrom16(e.prefix), int(e.bits)),
		Compress: e.compress,
	}, true
}

// lookup returns the entry for id, or nil.
func (t *Contexts) lookup(id uint8) *entry {
	if t == nil || id >= MaxContexts || !t.e[id].valid {
		return nil
	}
	return &t.e[id]
}

// contains reports whether the first e.bits bits of a equal the prefix.
func (e *entry) contains(a *[16]byte) bool {
	n := int(e.bits)
	full := n / 8
	for i := 0; i < full; i++ {
		if a[i] != e.prefix[i] {
			return false
		}
	}
	if r := n % 8; r != 0 {
		m := byte(0xff) << (8 - r)
		if a[full]&m != e.prefix[full] {
			return false
		}
	}
	return true
}

// overlay copies the first e.bits bits of the prefix over a.
func (e *entry) overlay(a *[16]byte) {
	n := int(e.bits)
	full := n / 8
	copy(a[:full], e.prefix[:full])
	if r := n % 8; r != 0 {
		m := byte(0xff) << (8 - r)
		a[full] = a[full]&^m | e.prefix[full]
	}
}
