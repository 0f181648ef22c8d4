package firewall

import (
	"context"
	"errors"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
)

var update = flag.Bool("update", false, "rewrite testdata/*.nft golden files from the kernel's listing")

// goldenConfigs are the configurations whose listings are kept under
// testdata.
func goldenConfigs() map[string]Config {
	def := DefaultConfig("mesh0", "eth0", netip.MustParsePrefix("2001:db8:1::/64"), netip.MustParsePrefix("fd12:3456:789a::/64"))
	def.Services = []Service{
		{Name: "web", Prefix: netip.MustParsePrefix("2001:db8:1::10/128"), Protocol: TCP, Port: 443},
		{Name: "coap", Prefix: netip.MustParsePrefix("2001:db8:1::/64"), Protocol: UDP, Port: 5683},
	}
	logged := def
	logged.Log = Log{Enabled: true, Group: 7}
	logged.InboundQuota.KeyBits = 128
	logged.InboundQuota.WhenFull, logged.InboundQuota.FullRate = FullLimit, 50
	logged.OutboundQuota.Mode = IdleTimeout
	logged.NewFlowLimit.Rate = 0
	return map[string]Config{"default": def, "logging": logged}
}

var counterRE = regexp.MustCompile(`counter packets \d+ bytes \d+`)

// normalize makes Render text and an nft listing comparable: counter
// values dropped, whitespace runs collapsed.
func normalize(s string) string {
	s = counterRE.ReplaceAllString(s, "counter")
	return strings.Join(strings.Fields(s), " ")
}

func TestIntegrationGolden(t *testing.T) {
	for name, cfg := range goldenConfigs() {
		t.Run(name, func(t *testing.T) {
			ns := newNetns(t)
			applyGuard(t, ns, cfg)
			got := ns.nft(t, "list", "table", "inet", TableName)
			path := filepath.Join("testdata", name+".nft")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("nft list table inet meshgw differs from %s (rerun with -update if intended):\n%s", path, got)
			}
			// Render must describe the same ruleset...
			r, err := Render(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if normalize(r) != normalize(got) {
				t.Errorf("Render(cfg) differs from the kernel listing:\nrender:\n%s\nkernel:\n%s", r, got)
			}
			// ...and nft, loading Render's text in a fresh namespace, must
			// build the same table.
			other := newNetns(t)
			f := filepath.Join(t.TempDir(), "ruleset.nft")
			if err := os.WriteFile(f, []byte(r), 0o644); err != nil {
				t.Fatal(err)
			}
			other.nft(t, "-f", f)
			if viaNft := other.nft(t, "list", "table", "inet", TableName); viaNft != got {
				t.Errorf("nft -f Render(cfg) lists differently from Apply:\nnft:\n%s\napply:\n%s", viaNft, got)
			}
		})
	}
}

// foreign is a table another tool owns; meshgw must never touch it.
const foreign = `table ip6 operator {
	set blocked {
		type ipv6_addr
		elements = { 2001:db8:dead::1 }
	}

	chain input {
		type filter hook input priority filter; policy accept;
		ip6 saddr @blocked counter packets 0 bytes 0 drop
	}
}
`

func TestIntegrationCoexistenceNoopRemove(t *testing.T) {
	ns := newNetns(t)
	f := filepath.Join(t.TempDir(), "foreign.nft")
	if err := os.WriteFile(f, []byte(foreign), 0o644); err != nil {
		t.Fatal(err)
	}
	ns.nft(t, "-f", f)
	listForeign := func() string { return ns.nft(t, "list", "table", "ip6", "operator") }
	before := listForeign()

	cfg := goldenConfigs()["default"]
	g := applyGuard(t, ns, cfg)
	if got := listForeign(); got != before {
		t.Fatalf("Apply changed another table:\n%s", got)
	}
	// Re-apply of the same config is a no-op: same handles, same listing.
	handles := ns.nft(t, "-a", "list", "table", "inet", TableName)
	if err := g.Apply(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if got := ns.nft(t, "-a", "list", "table", "inet", TableName); got != handles {
		t.Errorf("re-applying the same config changed the table:\nbefore:\n%s\nafter:\n%s", handles, got)
	}
	// A fresh Guard (a daemon restart) re-installs the rules but keeps the
	// dynamic sets and their elements.
	ns.nft(t, "add", "element", "inet", TableName, SetQuotaIn, "{ 2001:db8:ee:: timeout 10m }")
	g2, _ := New(WithNetNS(ns.file))
	changed := cfg
	changed.Services = cfg.Services[:1]
	if err := g2.Apply(context.Background(), changed); err != nil {
		t.Fatal(err)
	}
	if got := ns.nft(t, "list", "set", "inet", TableName, SetQuotaIn); !strings.Contains(got, "2001:db8:ee::") {
		t.Errorf("re-apply with unchanged quota settings lost the set's elements:\n%s", got)
	}
	if got := ns.nft(t, "list", "table", "inet", TableName); strings.Contains(got, "svc_coap") || !strings.Contains(got, "svc_web") {
		t.Errorf("re-apply did not install the new service list:\n%s", got)
	}
	if got := listForeign(); got != before {
		t.Fatalf("re-apply changed another table:\n%s", got)
	}
	if err := g2.Remove(); err != nil {
		t.Fatal(err)
	}
	if out, err := ns.try("nft", "list", "table", "inet", TableName); err == nil {
		t.Errorf("table still present after Remove:\n%s", out)
	}
	if got := listForeign(); got != before {
		t.Fatalf("Remove changed another table:\n%s", got)
	}
	if err := g2.Remove(); err != nil {
		t.Errorf("second Remove: %v, want nil", err)
	}
}

func TestIntegrationRollback(t *testing.T) {
	ns := newNetns(t)
	cfg := goldenConfigs()["default"]
	g := applyGuard(t, ns, cfg)
	before := ns.nft(t, "list", "table", "inet", TableName)

	// Make the kernel reject the next batch: a fib expression without a
	// result is refused with EINVAL, after the whole new ruleset was queued.
	g.beforeFlush = func(c *nftables.Conn, tb *nftables.Table) {
		c.AddRule(&nftables.Rule{Table: tb, Chain: &nftables.Chain{Name: "fwd_in", Table: tb},
			Exprs: []expr.Any{&expr.Fib{Register: 1, FlagDADDR: true}}})
	}
	changed := cfg
	changed.InboundQuota.Bytes = 12345
	changed.Services = nil
	err := g.Apply(context.Background(), changed)
	if err == nil {
		t.Fatal("Apply of a batch the kernel rejects returned nil")
	}
	if errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("Apply error %v is a config error, want a kernel rejection", err)
	}
	if after := ns.nft(t, "list", "table", "inet", TableName); after != before {
		t.Errorf("a rejected batch changed the table:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// The Guard recovers: the next good Apply goes through.
	g.beforeFlush = nil
	if err := g.Apply(context.Background(), changed); err != nil {
		t.Fatalf("Apply after a rejected batch: %v", err)
	}
	if after := ns.nft(t, "list", "table", "inet", TableName); !strings.Contains(after, "quota over 12345 bytes") {
		t.Errorf("good Apply after rollback not installed:\n%s", after)
	}
}

func TestIntegrationApplyHonoursContext(t *testing.T) {
	ns := newNetns(t)
	g, _ := New(WithNetNS(ns.file))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := g.Apply(ctx, goldenConfigs()["default"]); !errors.Is(err, context.Canceled) {
		t.Fatalf("Apply with a cancelled context = %v, want context.Canceled", err)
	}
	if out, err := ns.try("nft", "list", "table", "inet", TableName); err == nil {
		t.Errorf("table installed despite the cancelled context:\n%s", out)
	}
}

func TestIntegrationLargePrefixSet(t *testing.T) {
	ns := newNetns(t)
	cfg := largeConfig(10000)
	start := time.Now()
	g := applyGuard(t, ns, cfg)
	t.Logf("apply of %d prefixes took %v", len(cfg.MeshPrefixes), time.Since(start))
	out := ns.nft(t, "list", "set", "inet", TableName, setPrefixes)
	if n := strings.Count(out, "/64"); n != 10000 {
		t.Fatalf("set holds %d prefixes, want 10000 (element chunking lost some)", n)
	}
	if err := g.Remove(); err != nil {
		t.Fatal(err)
	}
}

// largeConfig has n distinct /64 mesh prefixes.
func largeConfig(n int) Config {
	ps := make([]netip.Prefix, n)
	for i := range ps {
		a := [16]byte{0x20, 0x01, 0x0d, 0xb8, 0x10, 0, byte(i >> 8), byte(i)}
		ps[i] = netip.PrefixFrom(netip.AddrFrom16(a), 64)
	}
	return DefaultConfig("mesh0", "eth0", ps...)
}
