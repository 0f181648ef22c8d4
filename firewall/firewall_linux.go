package firewall

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/userdata"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// socketBuffer is the send and receive buffer size requested for batch
// sockets: a 10,000-prefix apply is about 1 MB in one sendmsg, and every
// message's ACK must fit in the receive buffer.
const socketBuffer = 16 << 20

// Guard installs and maintains meshgw's nftables table, "inet meshgw". It
// touches no other table. The table stays in the kernel when the process
// exits (fail-closed); Remove deletes it.
//
// A Guard is safe for concurrent use; its methods are serialised. It opens
// a fresh netlink connection per operation, so a library error can never
// poison later calls.
type Guard struct {
	mu      sync.Mutex
	netns   *os.File // kept referenced: its descriptor is re-entered on every dial
	applied string   // fingerprint of the last ruleset applied by this Guard
	names   map[string][]string
	bits    map[Direction]int

	// beforeFlush, when set (tests only), may queue extra messages into
	// the batch before it is sent.
	beforeFlush func(*nftables.Conn, *nftables.Table)
}

// New returns a Guard for the current network namespace, or for the one
// WithNetNS names.
func New(opts ...Option) (*Guard, error) {
	var o options
	for _, fn := range opts {
		fn(&o)
	}
	return &Guard{netns: o.netns}, nil
}

func (g *Guard) conn() (*nftables.Conn, error) {
	opts := []nftables.ConnOption{nftables.WithSockOptions(sizeBuffers)}
	if g.netns != nil {
		opts = append(opts, nftables.WithNetNSFd(int(g.netns.Fd())))
	}
	c, err := nftables.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("firewall: nftables connection: %w", err)
	}
	return c, nil
}

// sizeBuffers raises both socket buffers; as root it bypasses the
// rmem_max/wmem_max caps with SO_*BUFFORCE.
func sizeBuffers(c *netlink.Conn) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var forced bool
	_ = rc.Control(func(fd uintptr) {
		e1 := unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, socketBuffer)
		e2 := unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, socketBuffer)
		forced = e1 == nil && e2 == nil
	})
	if forced {
		return nil
	}
	if err := c.SetWriteBuffer(socketBuffer); err != nil {
		return err
	}
	return c.SetReadBuffer(socketBuffer)
}

var inetTable = &nftables.Table{Family: nftables.TableFamilyINet, Name: TableName}

// Apply makes the kernel's "inet meshgw" table match cfg in one atomic
// batch: either all of it takes effect or the previous table stays in
// force. Chains are flushed and refilled; the per-source sets survive when
// their parameters are unchanged, so metered sources keep their usage
// across re-applies and daemon restarts. Applying the configuration this
// Guard applied last, with the table still intact, sends nothing.
//
// ctx is checked before the batch is sent; the kernel transaction itself
// is not interruptible.
func (g *Guard) Apply(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	rs := build(cfg)
	fp := rs.fingerprint()
	names := rs.ruleNames()

	g.mu.Lock()
	defer g.mu.Unlock()
	defer runtime.KeepAlive(g.netns)

	c, err := g.conn()
	if err != nil {
		return err
	}
	chains, err := g.ownChains(c)
	if err != nil {
		return err
	}
	if g.applied == fp && g.intact(c, chains, names) {
		return nil
	}
	var sets []*nftables.Set
	if len(chains) > 0 || g.tableExists(c) {
		if sets, err = c.GetSets(inetTable); err != nil {
			return fmt.Errorf("firewall: list sets: %w", err)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	t := c.AddTable(&nftables.Table{Family: nftables.TableFamilyINet, Name: TableName})
	b := &builder{conn: c, table: t, sets: map[string]*nftables.Set{}}
	want := map[string]bool{}
	for _, ch := range rs.chains {
		want[ch.name] = true
	}
	// 1. Empty every chain of ours, so nothing references a set or chain
	//    we are about to delete.
	for _, ch := range chains {
		c.FlushChain(ch)
	}
	// 2. Drop chains no longer wanted.
	for _, ch := range chains {
		if !want[ch.Name] {
			c.DelChain(ch)
		}
	}
	// 3. Sets: keep dynamic sets whose parameters are unchanged (their
	//    per-source state survives); replace everything else.
	keep := map[string]bool{}
	for _, s := range sets {
		if s.Anonymous {
			continue // bound to the flushed rules; the kernel frees them
		}
		if d, ok := findSet(rs.sets, s.Name); ok && d.dynamic && sameSet(d, s) {
			keep[s.Name] = true
			continue
		}
		c.DelSet(s)
	}
	for _, s := range rs.sets {
		if keep[s.name] {
			continue
		}
		if err := b.addSet(s); err != nil {
			return fmt.Errorf("firewall: %w", err)
		}
	}
	// 4. Chains, then rules (jump targets exist before the jumps).
	made := map[string]*nftables.Chain{}
	for _, ch := range rs.chains {
		made[ch.name] = c.AddChain(chainFor(t, ch))
	}
	for _, ch := range rs.chains {
		for _, r := range ch.rules {
			if err := b.rule(made[ch.name], r); err != nil {
				return fmt.Errorf("firewall: chain %s: %w", ch.name, err)
			}
		}
	}
	if g.beforeFlush != nil {
		g.beforeFlush(c, t)
	}
	if err := c.Flush(); err != nil {
		g.applied = ""
		return fmt.Errorf("firewall: apply rejected by the kernel, previous table kept: %w", err)
	}
	g.applied, g.names = fp, names
	g.bits = map[Direction]int{Inbound: cfg.InboundQuota.KeyBits, Outbound: cfg.OutboundQuota.KeyBits}
	return nil
}

func findSet(defs []setDef, name string) (setDef, bool) {
	for _, d := range defs {
		if d.name == name {
			return d, true
		}
	}
	return setDef{}, false
}

func sameSet(d setDef, s *nftables.Set) bool {
	return s.Dynamic && s.HasTimeout && !s.Interval && !s.IsMap && s.Timeout == d.timeout &&
		s.Size == d.size && s.KeyType.Name == nftables.TypeIP6Addr.Name
}

func chainFor(t *nftables.Table, ch chainDef) *nftables.Chain {
	c := &nftables.Chain{Name: ch.name, Table: t}
	if ch.hook == "" {
		return c
	}
	c.Type = nftables.ChainTypeFilter
	switch ch.hook {
	case "prerouting":
		c.Hooknum = nftables.ChainHookPrerouting
	case "input":
		c.Hooknum = nftables.ChainHookInput
	case "forward":
		c.Hooknum = nftables.ChainHookForward
	}
	c.Priority = nftables.ChainPriorityRef(nftables.ChainPriority(ch.prio))
	policy := nftables.ChainPolicyAccept
	c.Policy = &policy
	return c
}

func (g *Guard) tableExists(c *nftables.Conn) bool {
	_, err := c.ListTableOfFamily(TableName, nftables.TableFamilyINet)
	return err == nil
}

func (g *Guard) ownChains(c *nftables.Conn) ([]*nftables.Chain, error) {
	all, err := c.ListChainsOfTableFamily(nftables.TableFamilyINet)
	if err != nil {
		return nil, fmt.Errorf("firewall: list chains: %w", err)
	}
	var own []*nftables.Chain
	for _, ch := range all {
		if ch.Table != nil && ch.Table.Name == TableName {
			own = append(own, ch)
		}
	}
	return own, nil
}

// intact reports whether the kernel still holds exactly the chains and
// named rules of the ruleset this Guard applied.
func (g *Guard) intact(c *nftables.Conn, chains []*nftables.Chain, names map[string][]string) bool {
	if len(chains) != len(names) {
		return false
	}
	for _, ch := range chains {
		want, ok := names[ch.Name]
		if !ok {
			return false
		}
		rules, err := c.GetRules(inetTable, ch)
		if err != nil || len(rules) != len(want) {
			return false
		}
		for i, r := range rules {
			got, _ := userdata.GetString(r.UserData, userdata.TypeComment)
			if got != want[i] {
				return false
			}
		}
	}
	return true
}

// Remove deletes the "inet meshgw" table and everything in it. Removing a
// table that is not there is not an error.
func (g *Guard) Remove() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	defer runtime.KeepAlive(g.netns)
	g.applied = ""
	c, err := g.conn()
	if err != nil {
		return err
	}
	if !g.tableExists(c) {
		return nil
	}
	c.DelTable(inetTable)
	if err := c.Flush(); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil
		}
		return fmt.Errorf("firewall: remove table: %w", err)
	}
	return nil
}

// Counters reads every named rule's counter and the per-source quota usage
// of both quota sets. Unnamed (dispatch) rules are not reported.
func (g *Guard) Counters() (Counters, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	defer runtime.KeepAlive(g.netns)
	c, err := g.conn()
	if err != nil {
		return Counters{}, err
	}
	chains, err := g.ownChains(c)
	if err != nil {
		return Counters{}, err
	}
	out := Counters{Rules: map[string]Counter{}}
	for _, ch := range chains {
		rules, err := c.GetRules(inetTable, ch)
		if err != nil {
			return Counters{}, fmt.Errorf("firewall: list rules of %s: %w", ch.Name, err)
		}
		for _, r := range rules {
			name, ok := userdata.GetString(r.UserData, userdata.TypeComment)
			if !ok || name == "" {
				continue
			}
			for _, e := range r.Exprs {
				if ce, ok := e.(*expr.Counter); ok {
					out.Rules[name] = Counter{Packets: ce.Packets, Bytes: ce.Bytes}
				}
			}
		}
	}
	sets, err := c.GetSets(inetTable)
	if err != nil && len(chains) > 0 {
		return Counters{}, fmt.Errorf("firewall: list sets: %w", err)
	}
	for _, s := range sets {
		var dir Direction
		switch s.Name {
		case SetQuotaIn:
			dir = Inbound
		case SetQuotaOut:
			dir = Outbound
		default:
			continue
		}
		bits := g.bits[dir]
		if bits == 0 {
			bits = 128
		}
		if out.Sources, err = g.dumpQuota(s.Name, dir, bits, out.Sources); err != nil {
			return Counters{}, err
		}
	}
	slices.SortFunc(out.Sources, func(a, b SourceUsage) int {
		if a.Direction != b.Direction {
			return int(a.Direction) - int(b.Direction)
		}
		return comparePrefix(a.Source, b.Source)
	})
	return out, nil
}

// dumpQuota reads a quota set's elements over netlink directly:
// google/nftables v0.3.0 drops an element's quota expression when decoding.
func (g *Guard) dumpQuota(set string, dir Direction, bits int, out []SourceUsage) ([]SourceUsage, error) {
	cfg := &netlink.Config{}
	if g.netns != nil {
		cfg.NetNS = int(g.netns.Fd())
	}
	nc, err := netlink.Dial(unix.NETLINK_NETFILTER, cfg)
	if err != nil {
		return out, fmt.Errorf("firewall: dial netfilter: %w", err)
	}
	defer nc.Close()
	ae := netlink.NewAttributeEncoder()
	ae.String(unix.NFTA_SET_ELEM_LIST_TABLE, TableName)
	ae.String(unix.NFTA_SET_ELEM_LIST_SET, set)
	attrs, err := ae.Encode()
	if err != nil {
		return out, err
	}
	req := netlink.Message{
		Header: netlink.Header{
			Type:  netlink.HeaderType(unix.NFNL_SUBSYS_NFTABLES<<8 | unix.NFT_MSG_GETSETELEM),
			Flags: netlink.Request | netlink.Dump,
		},
		Data: append([]byte{unix.NFPROTO_INET, unix.NFNETLINK_V0, 0, 0}, attrs...),
	}
	msgs, err := nc.Execute(req)
	if err != nil {
		return out, fmt.Errorf("firewall: dump set %s: %w", set, err)
	}
	for _, m := range msgs {
		if out, err = decodeElemMsg(m.Data, dir, bits, out); err != nil {
			return out, fmt.Errorf("set %s: %w", set, err)
		}
	}
	return out, nil
}
