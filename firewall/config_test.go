package firewall

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	good := func() Config {
		c := DefaultConfig("mesh0", "eth0", netip.MustParsePrefix("2001:db8:1::/64"))
		c.Services = []Service{{Name: "web", Prefix: netip.MustParsePrefix("2001:db8:1::10/128"), Protocol: TCP, Port: 443}}
		return c
	}
	tests := []struct {
		name  string
		edit  func(*Config)
		field string // "" = valid
	}{
		{"default is valid", func(*Config) {}, ""},
		{"quotas and limit disabled", func(c *Config) { c.InboundQuota, c.OutboundQuota, c.NewFlowLimit = Quota{}, Quota{}, RateLimit{} }, ""},
		{"no mesh interface", func(c *Config) { c.MeshInterface = "" }, "MeshInterface"},
		{"long interface name", func(c *Config) { c.UplinkInterface = "abcdefghijklmnop" }, "UplinkInterface"},
		{"quote in interface name", func(c *Config) { c.UplinkInterface = `et"h0` }, "UplinkInterface"},
		{"same interfaces", func(c *Config) { c.UplinkInterface = "mesh0" }, "UplinkInterface"},
		{"no prefixes", func(c *Config) { c.MeshPrefixes = nil }, "MeshPrefixes"},
		{"IPv4 prefix", func(c *Config) { c.MeshPrefixes = append(c.MeshPrefixes, netip.MustParsePrefix("10.0.0.0/8")) }, "MeshPrefixes[1]"},
		{"host bits", func(c *Config) { c.MeshPrefixes[0] = netip.MustParsePrefix("2001:db8:1::1/64") }, "MeshPrefixes[0]"},
		{"too short", func(c *Config) { c.MeshPrefixes[0] = netip.MustParsePrefix("2000::/8") }, "MeshPrefixes[0]"},
		{"multicast", func(c *Config) { c.MeshPrefixes[0] = netip.MustParsePrefix("ff02::/16") }, "MeshPrefixes[0]"},
		{"link-local", func(c *Config) { c.MeshPrefixes[0] = netip.MustParsePrefix("fe80::/64") }, "MeshPrefixes[0]"},
		{"invalid prefix", func(c *Config) { c.MeshPrefixes[0] = netip.Prefix{} }, "MeshPrefixes[0]"},
		{"overlap", func(c *Config) { c.MeshPrefixes = append(c.MeshPrefixes, netip.MustParsePrefix("2001:db8::/32")) }, "MeshPrefixes"},
		{"quota too large", func(c *Config) { c.InboundQuota.Bytes = 1 << 63 }, "InboundQuota.Bytes"},
		{"quota window zero", func(c *Config) { c.InboundQuota.Window = 0 }, "InboundQuota.Window"},
		{"quota window fraction", func(c *Config) { c.OutboundQuota.Window = 1500 * time.Millisecond }, "OutboundQuota.Window"},
		{"quota window too long", func(c *Config) { c.OutboundQuota.Window = 31 * 24 * time.Hour }, "OutboundQuota.Window"},
		{"quota mode", func(c *Config) { c.InboundQuota.Mode = 7 }, "InboundQuota.Mode"},
		{"key bits", func(c *Config) { c.InboundQuota.KeyBits = 0 }, "InboundQuota.KeyBits"},
		{"key bits too long", func(c *Config) { c.InboundQuota.KeyBits = 129 }, "InboundQuota.KeyBits"},
		{"set size zero", func(c *Config) { c.OutboundQuota.MaxSources = 0 }, "OutboundQuota.MaxSources"},
		{"set size huge", func(c *Config) { c.OutboundQuota.MaxSources = 1<<20 + 1 }, "OutboundQuota.MaxSources"},
		{"full limit without rate", func(c *Config) { c.InboundQuota.WhenFull = FullLimit }, "InboundQuota.FullRate"},
		{"full policy", func(c *Config) { c.InboundQuota.WhenFull = 9 }, "InboundQuota.WhenFull"},
		{"flow limit window", func(c *Config) { c.NewFlowLimit.Window = 0 }, "NewFlowLimit.Window"},
		{"flow limit size", func(c *Config) { c.NewFlowLimit.MaxSources = 0 }, "NewFlowLimit.MaxSources"},
		{"service name", func(c *Config) { c.Services[0].Name = "Web Server" }, "Services[0].Name"},
		{"service dup", func(c *Config) { c.Services = append(c.Services, c.Services[0]) }, "Services[1].Name"},
		{"service prefix", func(c *Config) { c.Services[0].Prefix = netip.MustParsePrefix("10.1.0.0/16") }, "Services[0].Prefix"},
		{"service protocol", func(c *Config) { c.Services[0].Protocol = 1 }, "Services[0].Protocol"},
		{"gateway port zero", func(c *Config) { c.GatewayPorts = []Port{{Protocol: UDP}} }, "GatewayPorts[0].Port"},
		{"gateway protocol", func(c *Config) { c.GatewayPorts = []Port{{Protocol: 58, Port: 1}} }, "GatewayPorts[0].Protocol"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := good()
			tc.edit(&c)
			err := c.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("Validate() = %v, want a *ConfigError wrapping ErrInvalidConfig", err)
			}
			if ce.Field != tc.field {
				t.Errorf("Validate() names field %q, want %q (%v)", ce.Field, tc.field, err)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Errorf("error %q does not name the field", err)
			}
			if _, rerr := Render(c); !errors.Is(rerr, ErrInvalidConfig) {
				t.Errorf("Render accepted an invalid config: %v", rerr)
			}
		})
	}
}

func TestDurText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Second: "1s", time.Minute: "1m", 10 * time.Minute: "10m", time.Hour: "1h",
		90 * time.Minute: "1h30m", 24*time.Hour + 3*time.Second: "1d3s", 1500 * time.Millisecond: "1s500ms", 0: "0s",
	} {
		if got := durText(d); got != want {
			t.Errorf("durText(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestQuotaText(t *testing.T) {
	for b, want := range map[uint64]string{
		20000: "20000 bytes", 1024: "1 kbytes", 1536: "1536 bytes", 8 << 20: "8 mbytes", 3 << 30: "3 gbytes", 4 << 40: "4096 gbytes",
	} {
		if got := quotaText(b); got != want {
			t.Errorf("quotaText(%d) = %q, want %q", b, got, want)
		}
	}
}

func TestPrefixMask(t *testing.T) {
	for bits, want := range map[int]string{128: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 64: "ffff:ffff:ffff:ffff::", 10: "ffc0::", 0: "::"} {
		if got := prefixMask(bits).String(); got != want {
			t.Errorf("prefixMask(%d) = %s, want %s", bits, got, want)
		}
	}
}

func TestRenderDeterministicAndFingerprint(t *testing.T) {
	a := DefaultConfig("mesh0", "eth0", netip.MustParsePrefix("fd00:1::/64"), netip.MustParsePrefix("2001:db8:1::/64"))
	b := a
	b.MeshPrefixes = []netip.Prefix{a.MeshPrefixes[1], a.MeshPrefixes[0]}
	ra, _ := Render(a)
	rb, _ := Render(b)
	if ra != rb {
		t.Errorf("prefix order changes the rendering")
	}
	if build(a).fingerprint() != build(b).fingerprint() {
		t.Errorf("prefix order changes the fingerprint")
	}
	c := a
	c.InboundQuota.Bytes++
	if build(a).fingerprint() == build(c).fingerprint() {
		t.Errorf("a quota change does not change the fingerprint")
	}
	if !strings.Contains(ra, `update @quota_in { ip6 saddr & ffff:ffff:ffff:ffff:: timeout 10m quota over 8 mbytes }`) ||
		!strings.Contains(ra, `add @quota_out { ip6 saddr timeout 1h quota over 4 mbytes }`) {
		t.Errorf("default quotas not rendered as documented:\n%s", ra)
	}
}
