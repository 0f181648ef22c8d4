package firewall

import (
	"errors"
	"net/netip"
	"os"
	"time"
)

// ErrNotSupported is returned on systems without nftables.
var ErrNotSupported = errors.New("firewall: nftables is not supported on this GOOS")

// Option configures a Guard.
type Option func(*options)

type options struct {
	netns *os.File
}

// WithNetNS makes the Guard work in the network namespace f refers to (for
// example an *os.File opened on /run/netns/NAME). The Guard keeps f
// referenced, so its descriptor stays valid for the Guard's lifetime; the
// caller must not close f before the Guard is done.
func WithNetNS(f *os.File) Option {
	return func(o *options) { o.netns = f }
}

// Counter is a rule counter.
type Counter struct {
	Packets uint64
	Bytes   uint64
}

// Direction tells the inbound quota set from the outbound one.
type Direction uint8

// Directions of a SourceUsage.
const (
	Inbound  Direction = iota // uplink → mesh, set quota_in
	Outbound                  // mesh → uplink, set quota_out
)

// String returns "inbound" or "outbound".
func (d Direction) String() string {
	if d == Outbound {
		return "outbound"
	}
	return "inbound"
}

// SourceUsage is one metered source's quota state.
type SourceUsage struct {
	// Direction is the quota the source is metered by.
	Direction Direction
	// Source is the metered address or prefix (Quota.KeyBits long).
	Source netip.Prefix
	// Used is the number of bytes counted, capped at Limit by the kernel.
	Used uint64
	// Limit is the source's quota.
	Limit uint64
	// Depleted reports that the source is over its quota.
	Depleted bool
	// Expires is the time left until the element (and its usage) expires.
	Expires time.Duration
}

// Counters is a snapshot of the guard's counters.
type Counters struct {
	// Rules maps each rule's stable name (the Rule* constants, "svc_"
	// names, gateway port names) to its counter.
	Rules map[string]Counter
	// Sources lists the metered sources of both quota sets.
	Sources []SourceUsage
}
