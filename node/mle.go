package node

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"

	"github.com/meshgw/meshgw/mle"
	"github.com/meshgw/meshgw/wpan"
)

// ErrNoMLE is returned by the MLE methods of a node that runs without MLE.
var ErrNoMLE = fmt.Errorf("node: MLE is off")

// newMLE builds the node's MLE engine from cfg.MLE.
func (n *Node) newMLE() error {
	c := *n.cfg.MLE
	c.Ext = n.cfg.Ext
	c.Short = n.cfg.Short
	c.Channel = n.cfg.Channel
	c.PANID = uint16(n.cfg.PAN)
	if c.Rand == nil {
		c.Rand = seededRand(n.cfg.Ext, [4]byte{})
	}
	store := n.cfg.MLECounters
	if store == nil {
		store = new(wpan.MemCounterStore)
	}
	ctr, err := wpan.NewCounterSource(store, n.cfg.CounterReserve)
	if err != nil {
		return fmt.Errorf("node: MLE frame counters: %w", err)
	}
	c.Counters = ctr
	if n.counters != nil {
		c.LinkCounter = func() uint32 {
			v, _ := n.counters.Peek()
			return v
		}
	}
	if hook := n.cfg.AcceptHook; hook != nil {
		c.OnAccept = func(src wpan.ExtAddr, seq, fc uint32) { hook(LayerMLE, src, seq, fc) }
	}
	e, err := mle.NewEngine(c)
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	n.mle = e
	return nil
}

// setMACKeys derives the MAC keys of key sequences seq-1, seq and seq+1
// from the network key; frames are sent with the key of seq.
func (n *Node) setMACKeys(seq uint32) error {
	for i := range n.macKeys {
		s := seq + uint32(i) - 1
		if i == 0 && seq == 0 {
			n.macKeys[i] = macKey{}
			continue
		}
		k := mle.DeriveKeys(n.cfg.MLE.NetworkKey, s)
		key, err := wpan.NewCCMStar(k.MAC[:])
		if err != nil {
			return fmt.Errorf("node: %w", err)
		}
		n.macKeys[i] = macKey{idx: mle.KeyIndexFor(s), key: key}
	}
	n.key, n.kidx = n.macKeys[1].key, n.macKeys[1].idx
	return nil
}

// isMLE reports a UDP datagram to the MLE port.
func isMLE(pkt []byte) bool {
	return pkt[6] == protoUDP && len(pkt) >= ipv6HeaderLen+8 &&
		binary.BigEndian.Uint16(pkt[ipv6HeaderLen+2:]) == mle.Port
}

// handleMLE hands a UDP datagram for port 19788 to the MLE engine.
func (n *Node) handleMLE(now time.Time, pkt []byte, dst [16]byte) {
	src := ipSrc(pkt)
	u := pkt[ipv6HeaderLen:]
	if int(binary.BigEndian.Uint16(u[4:6])) != len(u) || !validChecksum(src, dst, protoUDP, u) {
		n.drop(DropBadPacket)
		return
	}
	in := mle.Inbound{
		Src: netip.AddrFrom16(src), Dst: netip.AddrFrom16(dst), HopLimit: pkt[7],
		MACSrc: n.rxSrc, RSSI: n.rxRSSI, LinkSecured: !n.rxMLEOnly, Payload: u[8:],
	}
	n.mle.HandleMessage(now, &in)
	n.drainMLE(now)
}

// drainMLE sends what the engine queued and acts on its events.
func (n *Node) drainMLE(now time.Time) {
	// Events first: a channel change must reach the radio before the
	// messages meant for the new channel.
	for ev, ok := n.mle.PopEvent(); ok; ev, ok = n.mle.PopEvent() {
		switch ev.Kind {
		case mle.EventLinkUp:
			if ev.HasShort {
				n.shortToExt[ev.Short] = ev.Neighbor
			}
			if n.key != nil && !n.cfg.MLE.Unsecured {
				kid := wpan.KeyID{Mode: wpan.KeyIDIndex, Index: mle.KeyIndexFor(ev.KeySequence)}
				if next, ok := n.replay.Next(ev.Neighbor, kid); !ok || next < uint64(ev.LinkFrameCounter) {
					n.replay.SetNext(ev.Neighbor, kid, ev.LinkFrameCounter)
				}
			}
			n.rplLinkUp(now)
		case mle.EventLinkDown:
			for s, e := range n.shortToExt {
				if e == ev.Neighbor {
					delete(n.shortToExt, s)
				}
			}
			n.rplLinkDown(now, ev.Neighbor)
			n.powerLinkDown(now, ev.Neighbor)
		case mle.EventLinkMargin:
			if n.pwr != nil {
				n.powerMargin(now, ev.Neighbor, ev.LinkMargin0DBm)
			}
		case mle.EventKeySequence:
			if n.key != nil && !n.cfg.MLE.Unsecured {
				_ = n.setMACKeys(ev.KeySequence)
			}
		case mle.EventParam:
			p := n.mle.Params()
			switch ev.Param {
			case mle.ParamChannel:
				n.cfg.Channel = p.Channel
				_ = n.configureRadio()
			case mle.ParamPANID:
				n.cfg.PAN = wpan.PANID(p.PANID)
				_ = n.configureRadio()
			}
		}
	}
	secure := n.cfg.MLE.Unsecured // MLE-secured messages go without link security
	for o, ok := n.mle.PopOutbound(); ok; o, ok = n.mle.PopOutbound() {
		pkt := AppendUDP(n.mleBuf[:0], n.addrs[0], o.Dst.As16(), mle.Port, mle.Port, mle.HopLimit, o.Payload)
		_ = n.send(pkt, secure)
	}
	if n.rplDirty {
		n.rplDirty = false
		n.drainRPL(now)
	}
}

// Links returns the number of established MLE links (0 without MLE).
func (n *Node) Links() int {
	if n.mle == nil {
		return 0
	}
	return n.mle.Links()
}

// AppendNeighbors appends the link information of every MLE neighbour to
// dst and returns the extended slice.
func (n *Node) AppendNeighbors(dst []mle.LinkInfo) []mle.LinkInfo {
	if n.mle == nil {
		return dst
	}
	return n.mle.AppendLinks(dst)
}

// Neighbor returns the link information of neighbour ext.
func (n *Node) Neighbor(ext wpan.ExtAddr) (mle.LinkInfo, bool) {
	if n.mle == nil {
		return mle.LinkInfo{}, false
	}
	return n.mle.Link(ext)
}

// Pin marks the link with ext as needed (an RPL parent or child), so that
// it is never evicted, or releases it. It reports whether ext is a
// neighbour.
func (n *Node) Pin(ext wpan.ExtAddr, on bool) bool {
	return n.mle != nil && n.mle.Pin(ext, on)
}

// Channel returns the channel the node is on.
func (n *Node) Channel() uint8 { return n.cfg.Channel }

// Params returns the network parameters MLE maintains.
func (n *Node) Params() (mle.Params, bool) {
	if n.mle == nil {
		return mle.Params{}, false
	}
	return n.mle.Params(), true
}

// KeySequence returns the current key sequence (0 without MLE).
func (n *Node) KeySequence() uint32 {
	if n.mle == nil {
		return 0
	}
	return n.mle.KeySequence()
}

// SetKeySequence switches the node to key sequence seq; neighbours follow
// (mle.Engine.SetKeySequence).
func (n *Node) SetKeySequence(now time.Time, seq uint32) error {
	if n.mle == nil {
		return ErrNoMLE
	}
	n.mle.SetKeySequence(now, seq)
	n.drainMLE(now)
	n.kick()
	return nil
}

// MoveChannel moves the whole mesh to channel ch after delay: the node
// distributes the change in MLE Updates, every node relays it, and all
// switch at the same moment. Nodes that miss it find the mesh again by
// scanning once their links time out.
func (n *Node) MoveChannel(now time.Time, ch uint8, delay time.Duration) error {
	return n.DistributeParam(now, mle.ParamChannel, []byte{ch}, delay)
}

// DistributeParam distributes a network parameter change to the mesh
// (mle.Engine.Distribute).
func (n *Node) DistributeParam(now time.Time, id mle.ParamID, value []byte, delay time.Duration) error {
	if n.mle == nil {
		return ErrNoMLE
	}
	if err := n.mle.Distribute(now, id, value, delay); err != nil {
		return err
	}
	n.drainMLE(now)
	n.kick()
	return nil
}

// RefreshNeighbor asks neighbour ext for a new Link Accept, which carries
// the margin at which it hears this node.
func (n *Node) RefreshNeighbor(now time.Time, ext wpan.ExtAddr) bool {
	if n.mle == nil || !n.mle.Refresh(now, ext) {
		return false
	}
	n.drainMLE(now)
	n.kick()
	return true
}
