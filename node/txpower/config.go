package txpower

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Defaults for the zero fields of a Config.
const (
	// DefaultTargetDB is the link margin, in dB, the controller keeps every
	// needed link at: the bottom of Thread's link quality 2 band.
	DefaultTargetDB = 10
	// DefaultHysteresisDB is the half-width of the dead band around the
	// target (Thread's link quality hysteresis is 2 dB as well).
	DefaultHysteresisDB = 2
	// DefaultGoodReports is how many consecutive trouble-free feedback
	// events a link needs at its level before the controller lowers it.
	DefaultGoodReports = 4
	// DefaultDwell is the least time a link stays at a level before the
	// controller lowers it.
	DefaultDwell = 10 * time.Second
	// DefaultFloorHold is how long a floor set by a loss or a degradation
	// lasts.
	DefaultFloorHold = 5 * time.Minute
	// DefaultETXLimit is the ETX (× ETXDivisor) above which a link counts
	// as degraded: 2.0, half of the first attempts lost.
	DefaultETXLimit = 2 * ETXDivisor
	// DefaultMaxLinks bounds the neighbours the controller keeps state for.
	DefaultMaxLinks = 128
	// DefaultChildHold is how long a neighbour keeps RoleChild after the
	// last unicast frame it sent this node (HandleRx): longer than the
	// interval of an RPL child's periodic traffic and DAO refreshes.
	DefaultChildHold = 10 * time.Minute
)

// ETXDivisor is the fixed-point scale of the ETX values this package takes
// and reports: 128 is ETX 1.0, as in RFC 6551 and package mle.
const ETXDivisor = 128

// Policy says whether the controller adapts the power.
type Policy uint8

// Policies. The zero value is Adaptive.
const (
	// Adaptive picks the least level that keeps every needed link's margin
	// at the target.
	Adaptive Policy = iota
	// Fixed always uses the highest allowed level (Config.MaxDBm, or the
	// radio's highest level) and never changes it.
	Fixed
)

var policyNames = [...]string{"adaptive", "fixed"}

// String returns "adaptive" or "fixed".
func (p Policy) String() string {
	if int(p) < len(policyNames) {
		return policyNames[p]
	}
	return fmt.Sprintf("Policy(%d)", uint8(p))
}

// ParsePolicy parses "adaptive" or "fixed", the values of the config file
// and of `meshgw sim --txpower`.
func ParsePolicy(s string) (Policy, error) {
	for i, n := range policyNames {
		if s == n {
			return Policy(i), nil
		}
	}
	return 0, fmt.Errorf("txpower: unknown policy %q (want adaptive or fixed): %w", s, ErrInvalidConfig)
}

// MarshalText implements encoding.TextMarshaler.
func (p Policy) MarshalText() ([]byte, error) {
	if int(p) >= len(policyNames) {
		return nil, fmt.Errorf("txpower: unknown policy %d: %w", uint8(p), ErrInvalidConfig)
	}
	return []byte(policyNames[p]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParsePolicy.
func (p *Policy) UnmarshalText(b []byte) error {
	v, err := ParsePolicy(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// Role says why the node needs a link. A link with any role is needed: the
// node's level covers it.
type Role uint8

// Roles; a link may have several.
const (
	// RoleParent marks the RPL preferred parent.
	RoleParent Role = 1 << iota
	// RoleNextHop marks the next hop of a downward route.
	RoleNextHop
	// RolePinned marks a neighbour the operator pinned.
	RolePinned
	// RoleChild marks a neighbour that sends this node unicast frames
	// (an RPL child; in a non-storing DODAG a router learns its children
	// no other way): it needs this node's acknowledgments, which the
	// radio sends at the node level, and its broadcasts. HandleRx gives
	// it for ChildHold after each frame.
	RoleChild

	roleAll = RoleParent | RoleNextHop | RolePinned | RoleChild
)

// String returns the role names joined with "+" ("parent+pinned"), or
// "none".
func (r Role) String() string {
	if r == 0 {
		return "none"
	}
	var b []byte
	for i, n := range [...]string{"parent", "next-hop", "pinned", "child"} {
		if r&(1<<i) != 0 {
			if len(b) > 0 {
				b = append(b, '+')
			}
			b = append(b, n...)
		}
	}
	if r&^roleAll != 0 {
		b = fmt.Appendf(b, "+Role(%#x)", uint8(r&^roleAll))
	}
	return string(b)
}

// Config is the controller's policy. Only Levels is required; zero fields
// take the defaults above.
type Config[K comparable] struct {
	// Policy is Adaptive (the zero value) or Fixed.
	Policy Policy
	// Levels are the transmit power levels the radio supports, in dBm
	// (radio.Capabilities.TxPowers, or Steps for a radio with a continuous
	// range). Any order; duplicates are ignored. New copies them.
	Levels []int8
	// MinDBm and MaxDBm, when HasMin and HasMax are set, bound the levels
	// used; at least one supported level must lie between them.
	MinDBm int8
	HasMin bool
	MaxDBm int8
	HasMax bool
	// TargetDB is the link margin the controller aims for
	// (DefaultTargetDB).
	TargetDB uint8
	// HysteresisDB is the dead band (DefaultHysteresisDB): a link whose
	// margin falls below TargetDB−HysteresisDB is degraded, and a settled
	// link is lowered again only when the next lower level would keep
	// TargetDB+HysteresisDB.
	HysteresisDB uint8
	// GoodReports is how many consecutive trouble-free feedback events a
	// link needs at its level before it is lowered (DefaultGoodReports).
	GoodReports int
	// Dwell is the least time a link stays at a level before it is
	// lowered (DefaultDwell).
	Dwell time.Duration
	// FloorHold is how long a loss keeps the level above the level at
	// which it happened (DefaultFloorHold).
	FloorHold time.Duration
	// ETXLimit is the ETX, times ETXDivisor, above which a link is
	// degraded (DefaultETXLimit). It must be above ETXDivisor.
	ETXLimit int
	// MaxLinks bounds the neighbours with state (DefaultMaxLinks).
	MaxLinks int
	// ChildHold is how long a neighbour that sent this node a unicast
	// frame keeps RoleChild (DefaultChildHold).
	ChildHold time.Duration
	// Pinned lists neighbours the operator pins: they have RolePinned from
	// the start.
	Pinned []K
}

// Errors.
var (
	// ErrInvalidConfig is wrapped by the errors New and ParsePolicy return
	// for a config they cannot use.
	ErrInvalidConfig = errors.New("txpower: invalid config")
	// ErrFull is returned by SetRole when every slot of the link table
	// holds a needed link.
	ErrFull = errors.New("txpower: link table full of needed links")
)

// Steps quantises a continuous power range: it returns lo, lo+step, …
// up to hi, and hi itself when the steps miss it. It returns nil when
// lo > hi or step is 0.
func Steps(lo, hi int8, step uint8) []int8 {
	if lo > hi || step == 0 {
		return nil
	}
	var out []int8
	for v := int(lo); v <= int(hi); v += int(step) {
		out = append(out, int8(v))
	}
	if out[len(out)-1] != hi {
		out = append(out, hi)
	}
	return out
}

// params is a validated Config.
type params[K comparable] struct {
	policy   Policy
	levels   []int8 // allowed levels, ascending, unique
	target   int32  // dB
	hyst     int32  // dB
	good     int
	dwell    time.Duration
	hold     time.Duration
	etxLimit int
	maxLinks int
	child    time.Duration
	pinned   []K
	topDBm   int32 // levels[len-1]
	topIndex int
}

func (cfg *Config[K]) params() (params[K], error) {
	var p params[K]
	if cfg.Policy > Fixed {
		return p, fmt.Errorf("txpower: unknown policy %d: %w", uint8(cfg.Policy), ErrInvalidConfig)
	}
	p.policy = cfg.Policy
	if len(cfg.Levels) == 0 {
		return p, fmt.Errorf("txpower: no supported power levels: %w", ErrInvalidConfig)
	}
	if cfg.HasMin && cfg.HasMax && cfg.MinDBm > cfg.MaxDBm {
		return p, fmt.Errorf("txpower: min %d dBm above max %d dBm: %w", cfg.MinDBm, cfg.MaxDBm, ErrInvalidConfig)
	}
	lv := slices.Clone(cfg.Levels)
	slices.Sort(lv)
	lv = slices.Compact(lv)
	lv = slices.DeleteFunc(lv, func(v int8) bool {
		return (cfg.HasMin && v < cfg.MinDBm) || (cfg.HasMax && v > cfg.MaxDBm)
	})
	if len(lv) == 0 {
		return p, fmt.Errorf("txpower: no supported level within [%d, %d] dBm: %w", cfg.MinDBm, cfg.MaxDBm, ErrInvalidConfig)
	}
	p.levels = lv
	p.topIndex = len(lv) - 1
	p.topDBm = int32(lv[p.topIndex])
	p.target = int32(def(cfg.TargetDB, DefaultTargetDB))
	p.hyst = int32(def(cfg.HysteresisDB, DefaultHysteresisDB))
	if p.hyst > p.target {
		return p, fmt.Errorf("txpower: hysteresis %d dB above target %d dB: %w", p.hyst, p.target, ErrInvalidConfig)
	}
	p.good = def(cfg.GoodReports, DefaultGoodReports)
	p.dwell = def(cfg.Dwell, DefaultDwell)
	p.hold = def(cfg.FloorHold, DefaultFloorHold)
	p.etxLimit = def(cfg.ETXLimit, DefaultETXLimit)
	p.maxLinks = def(cfg.MaxLinks, DefaultMaxLinks)
	p.child = def(cfg.ChildHold, DefaultChildHold)
	switch {
	case p.good < 0 || p.good > 1<<15:
		return p, fmt.Errorf("txpower: good reports %d out of range: %w", p.good, ErrInvalidConfig)
	case p.dwell < 0 || p.hold < 0 || p.child < 0:
		return p, fmt.Errorf("txpower: negative dwell, floor hold or child hold: %w", ErrInvalidConfig)
	case p.etxLimit <= ETXDivisor:
		return p, fmt.Errorf("txpower: ETX limit %d not above %d (ETX 1.0): %w", p.etxLimit, ETXDivisor, ErrInvalidConfig)
	case p.maxLinks < 0:
		return p, fmt.Errorf("txpower: max links %d: %w", p.maxLinks, ErrInvalidConfig)
	}
	if len(cfg.Pinned) > p.maxLinks {
		return p, fmt.Errorf("txpower: %d pinned neighbours, max links %d: %w", len(cfg.Pinned), p.maxLinks, ErrInvalidConfig)
	}
	p.pinned = slices.Clone(cfg.Pinned)
	return p, nil
}

// def returns v, or d when v is the zero value.
func def[T comparable](v, d T) T {
	var zero T
	if v == zero {
		return d
	}
	return v
}
