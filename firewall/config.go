package firewall

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// ErrInvalidConfig is wrapped by every error Validate returns, so callers can
// tell a bad configuration from a kernel failure with errors.Is.
var ErrInvalidConfig = errors.New("firewall: invalid config")

// ConfigError names the configuration field that failed validation.
type ConfigError struct {
	// Field is the path of the bad field, for example "MeshPrefixes[1]" or
	// "InboundQuota.Window".
	Field string
	// Reason says what is wrong with it.
	Reason string
}

// Error implements error.
func (e *ConfigError) Error() string {
	return "firewall: config " + e.Field + ": " + e.Reason
}

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

func fieldErr(field, format string, args ...any) error {
	return &ConfigError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// WindowMode selects how a per-source quota resets.
type WindowMode uint8

const (
	// IdleTimeout resets a source's quota only after the source has been
	// silent for the whole window (nft "update @set { … timeout W … }"): a
	// source that keeps sending while over quota stays blocked.
	IdleTimeout WindowMode = iota
	// FixedWindow resets a source's quota a fixed time after its first
	// packet (nft "add @set { … timeout W … }"), whatever the source does.
	FixedWindow
)

// String returns "idle-timeout" or "fixed-window".
func (m WindowMode) String() string {
	switch m {
	case IdleTimeout:
		return "idle-timeout"
	case FixedWindow:
		return "fixed-window"
	}
	return fmt.Sprintf("WindowMode(%d)", uint8(m))
}

// FullPolicy decides what happens to packets from a new source when the
// quota set is full. A full nftables dynamic set fails open (the update
// statement stops matching), so meshgw adds an explicit rule after it.
type FullPolicy uint8

const (
	// FullDrop drops packets from sources that could not be metered.
	FullDrop FullPolicy = iota
	// FullLimit lets unmetered sources through under one aggregate packet
	// rate limit (Quota.FullRate) and drops the excess.
	FullLimit
)

// String returns "drop" or "limit".
func (p FullPolicy) String() string {
	switch p {
	case FullDrop:
		return "drop"
	case FullLimit:
		return "limit"
	}
	return fmt.Sprintf("FullPolicy(%d)", uint8(p))
}

// Protocol is an IP protocol a service rule matches.
type Protocol uint8

// Protocols a Service or Port may name.
const (
	TCP Protocol = 6
	UDP Protocol = 17
)

// String returns "tcp" or "udp".
func (p Protocol) String() string {
	switch p {
	case TCP:
		return "tcp"
	case UDP:
		return "udp"
	}
	return fmt.Sprintf("Protocol(%d)", uint8(p))
}

// Quota is a per-source byte quota kept in an nftables dynamic set. A zero
// Bytes disables it.
type Quota struct {
	// Bytes is the number of layer-3 bytes (IPv6 header included) a source
	// may send per window. Packets beyond it are dropped.
	Bytes uint64
	// Window is the element timeout: how long a source stays metered.
	Window time.Duration
	// Mode selects idle-timeout or fixed-window reset.
	Mode WindowMode
	// KeyBits is the source prefix length a quota is kept for: 128 meters
	// each address, 64 each /64 (a host rotating through its /64 shares one
	// quota). Between 16 and 128.
	KeyBits int
	// MaxSources bounds the set size (1 to 1,048,576).
	MaxSources uint32
	// WhenFull decides what happens to sources that find the set full.
	WhenFull FullPolicy
	// FullRate is the aggregate packets per second let through for
	// unmetered sources when WhenFull is FullLimit.
	FullRate uint32
}

// RateLimit is a per-source packet rate limit on new inbound flows, kept in
// a dynamic set. A zero Rate disables it.
type RateLimit struct {
	// Rate is the number of new-flow packets per second a source may send.
	Rate uint32
	// Burst is the number of packets allowed above Rate in a burst.
	Burst uint32
	// Window is how long an idle source stays in the set.
	Window time.Duration
	// MaxSources bounds the set size; sources that find it full are dropped
	// and counted.
	MaxSources uint32
}

// Service is an inbound service the operator opens into the mesh: new
// connections from the uplink to Prefix on Protocol/Port are accepted.
type Service struct {
	// Name names the service's counter ("svc_" + Name); lowercase letters,
	// digits and '_', 1 to 24 characters, unique.
	Name string
	// Prefix is the destination prefix (a single node is a /128).
	Prefix netip.Prefix
	// Protocol is TCP or UDP.
	Protocol Protocol
	// Port is the destination port; 0 matches every port of Protocol.
	Port uint16
}

// Port is a transport port the mesh may reach on the gateway itself.
type Port struct {
	// Protocol is TCP or UDP.
	Protocol Protocol
	// Port is the destination port (1 to 65535).
	Port uint16
}

// Log configures NFLOG logging of dropped packets.
type Log struct {
	// Enabled adds an NFLOG statement to every drop rule.
	Enabled bool
	// Group is the nfnetlink_log group the packets go to.
	Group uint16
}

// Config is the desired edge policy. Validate checks it; DefaultConfig
// returns a sensible starting point.
type Config struct {
	// MeshInterface is the mesh-side interface (the TUN or lowpan device).
	// It need not exist when the ruleset is applied.
	MeshInterface string
	// UplinkInterface is the interface toward the host's IPv6 network.
	UplinkInterface string
	// MeshPrefixes are the prefixes mesh nodes use as sources (on-mesh
	// prefixes and the mesh-local prefix).
	MeshPrefixes []netip.Prefix
	// InboundQuota meters traffic forwarded into the mesh per source.
	InboundQuota Quota
	// OutboundQuota meters traffic forwarded out of the mesh per mesh node.
	OutboundQuota Quota
	// NewFlowLimit limits new inbound flows per source.
	NewFlowLimit RateLimit
	// Services are the inbound services opened into the mesh; everything
	// else inbound that is not a reply or essential ICMPv6 is dropped.
	Services []Service
	// GatewayPorts are the ports mesh nodes may reach on the gateway itself
	// (MLE is UDP 19788).
	GatewayPorts []Port
	// Log configures NFLOG logging of drops.
	Log Log
}

// MLEPort is the UDP port of Mesh Link Establishment.
const MLEPort = 19788

// DefaultConfig returns a configuration with the defaults meshgw documents:
// 8 MiB per uplink source per /64 with a 10-minute idle timeout, 4 MiB per
// mesh node per hour (fixed window), 4096 sources per set, sources finding a
// set full dropped, 20 new inbound flows per second per source (burst 40),
// and MLE open on the gateway.
func DefaultConfig(mesh, uplink string, prefixes ...netip.Prefix) Config {
	return Config{
		MeshInterface:   mesh,
		UplinkInterface: uplink,
		MeshPrefixes:    prefixes,
		InboundQuota: Quota{
			Bytes: 8 << 20, Window: 10 * time.Minute, Mode: IdleTimeout,
			KeyBits: 64, MaxSources: 4096, WhenFull: FullDrop,
		},
		OutboundQuota: Quota{
			Bytes: 4 << 20, Window: time.Hour, Mode: FixedWindow,
			KeyBits: 128, MaxSources: 4096, WhenFull: FullDrop,
		},
		NewFlowLimit: RateLimit{Rate: 20, Burst: 40, Window: time.Minute, MaxSources: 4096},
		GatewayPorts: []Port{{Protocol: UDP, Port: MLEPort}},
	}
}

// Limits enforced by Validate.
const (
	maxSetSize     = 1 << 20
	maxPrefixes    = 1 << 16
	maxServices    = 256
	maxTimeout     = 30 * 24 * time.Hour
	maxQuotaBytes  = 1 << 62
	maxServiceName = 24
)

// Validate checks c and returns a *ConfigError naming the first bad field.
func (c Config) Validate() error {
	if err := validIfname("MeshInterface", c.MeshInterface); err != nil {
		return err
	}
	if err := validIfname("UplinkInterface", c.UplinkInterface); err != nil {
		return err
	}
	if c.MeshInterface == c.UplinkInterface {
		return fieldErr("UplinkInterface", "must differ from MeshInterface %q", c.MeshInterface)
	}
	if len(c.MeshPrefixes) == 0 {
		return fieldErr("MeshPrefixes", "at least one mesh prefix is required")
	}
	if len(c.MeshPrefixes) > maxPrefixes {
		return fieldErr("MeshPrefixes", "%d prefixes, at most %d", len(c.MeshPrefixes), maxPrefixes)
	}
	for i, p := range c.MeshPrefixes {
		if err := validPrefix(fmt.Sprintf("MeshPrefixes[%d]", i), p); err != nil {
			return err
		}
	}
	sorted := slices.Clone(c.MeshPrefixes)
	slices.SortFunc(sorted, comparePrefix)
	for i := 1; i < len(sorted); i++ {
		if sorted[i-1].Overlaps(sorted[i]) {
			return fieldErr("MeshPrefixes", "%v overlaps %v", sorted[i-1], sorted[i])
		}
	}
	if err := c.InboundQuota.validate("InboundQuota"); err != nil {
		return err
	}
	if err := c.OutboundQuota.validate("OutboundQuota"); err != nil {
		return err
	}
	if err := c.NewFlowLimit.validate("NewFlowLimit"); err != nil {
		return err
	}
	if len(c.Services) > maxServices {
		return fieldErr("Services", "%d services, at most %d", len(c.Services), maxServices)
	}
	names := make(map[string]bool, len(c.Services))
	for i, s := range c.Services {
		f := fmt.Sprintf("Services[%d]", i)
		if !validName(s.Name) {
			return fieldErr(f+".Name", "%q must be 1 to %d lowercase letters, digits or '_'", s.Name, maxServiceName)
		}
		if names[s.Name] {
			return fieldErr(f+".Name", "duplicate service name %q", s.Name)
		}
		names[s.Name] = true
		if err := validPrefix(f+".Prefix", s.Prefix); err != nil {
			return err
		}
		if s.Protocol != TCP && s.Protocol != UDP {
			return fieldErr(f+".Protocol", "%v: must be TCP or UDP", s.Protocol)
		}
	}
	for i, p := range c.GatewayPorts {
		f := fmt.Sprintf("GatewayPorts[%d]", i)
		if p.Protocol != TCP && p.Protocol != UDP {
			return fieldErr(f+".Protocol", "%v: must be TCP or UDP", p.Protocol)
		}
		if p.Port == 0 {
			return fieldErr(f+".Port", "must be 1 to 65535")
		}
	}
	return nil
}

func (q Quota) validate(f string) error {
	if q.Bytes == 0 {
		return nil // disabled
	}
	if q.Bytes > maxQuotaBytes {
		return fieldErr(f+".Bytes", "%d exceeds %d", q.Bytes, uint64(maxQuotaBytes))
	}
	if err := validTimeout(f+".Window", q.Window); err != nil {
		return err
	}
	if q.Mode != IdleTimeout && q.Mode != FixedWindow {
		return fieldErr(f+".Mode", "%v: must be IdleTimeout or FixedWindow", q.Mode)
	}
	if q.KeyBits < 16 || q.KeyBits > 128 {
		return fieldErr(f+".KeyBits", "%d: must be 16 to 128", q.KeyBits)
	}
	if q.MaxSources == 0 || q.MaxSources > maxSetSize {
		return fieldErr(f+".MaxSources", "%d: must be 1 to %d", q.MaxSources, maxSetSize)
	}
	switch q.WhenFull {
	case FullDrop:
	case FullLimit:
		if q.FullRate == 0 {
			return fieldErr(f+".FullRate", "must be positive when WhenFull is FullLimit")
		}
	default:
		return fieldErr(f+".WhenFull", "%v: must be FullDrop or FullLimit", q.WhenFull)
	}
	return nil
}

func (r RateLimit) validate(f string) error {
	if r.Rate == 0 {
		return nil // disabled
	}
	if err := validTimeout(f+".Window", r.Window); err != nil {
		return err
	}
	if r.MaxSources == 0 || r.MaxSources > maxSetSize {
		return fieldErr(f+".MaxSources", "%d: must be 1 to %d", r.MaxSources, maxSetSize)
	}
	return nil
}

func validTimeout(f string, d time.Duration) error {
	if d < time.Second || d > maxTimeout {
		return fieldErr(f, "%v: must be 1s to %v", d, maxTimeout)
	}
	if d%time.Second != 0 {
		return fieldErr(f, "%v: must be whole seconds", d)
	}
	return nil
}

func validIfname(f, name string) error {
	if name == "" {
		return fieldErr(f, "interface name is required")
	}
	if len(name) > 15 {
		return fieldErr(f, "%q is longer than 15 bytes", name)
	}
	if strings.ContainsAny(name, "\"\\/ \t\n\x00") || name == "." || name == ".." {
		return fieldErr(f, "%q is not a valid interface name", name)
	}
	return nil
}

func validPrefix(f string, p netip.Prefix) error {
	switch {
	case !p.IsValid():
		return fieldErr(f, "not a valid prefix")
	case !p.Addr().Is6() || p.Addr().Is4In6():
		return fieldErr(f, "%v is not an IPv6 prefix", p)
	case p.Addr().Zone() != "":
		return fieldErr(f, "%v has a zone", p)
	case p != p.Masked():
		return fieldErr(f, "%v has host bits set (want %v)", p, p.Masked())
	case p.Bits() < 16:
		return fieldErr(f, "%v is shorter than /16", p)
	case p.Addr().IsMulticast() || p.Addr().IsLinkLocalUnicast() || p.Addr().IsLoopback():
		return fieldErr(f, "%v is not a global or unique-local unicast prefix", p)
	}
	return nil
}

func validName(s string) bool {
	if s == "" || len(s) > maxServiceName {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return true
}

func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return a.Bits() - b.Bits()
}
