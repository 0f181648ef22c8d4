package mle_test

import (
	"fmt"
	"net/netip"

	"github.com/meshgw/meshgw/mle"
	"github.com/meshgw/meshgw/wpan"
)

// Example shows a Link Request secured by one node and received by another:
// header first (to pick the key and check for replay), then Open, then
// Decode.
func Example() {
	var networkKey [mle.KeyLen]byte // from the node's state directory
	cipher, err := mle.NewCipher(mle.DeriveKeys(networkKey, 0))
	if err != nil {
		panic(err)
	}

	// Sender.
	eui := wpan.ExtAddr{0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01}
	ipSrc := netip.MustParseAddr("fe80::1") // from the EUI-64
	ipDst := netip.MustParseAddr("ff02::2")
	req := mle.Message{Command: mle.CmdLinkRequest, Mode: mle.ModeFFD | mle.ModeRxOnWhenIdle}
	req.Set(mle.TLVMode)
	req.Set(mle.TLVChallenge)
	req.Challenge = []byte{1, 2, 3, 4, 5, 6, 7, 8} // random in real use
	_ = req.AddSourceAddr(wpan.ShortAddress(0x0400))
	payload, err := mle.AppendSecured(make([]byte, 0, 127), &req, cipher, eui, 42, ipSrc, ipDst)
	if err != nil {
		panic(err)
	}

	// Receiver: the MAC source was short, so the EUI-64 comes from the
	// link-local source address.
	var h mle.Header
	if err := h.Decode(payload); err != nil {
		panic(err)
	}
	var replay mle.ReplayState // per neighbour, from the link table
	if replay.Check(h.Aux.KeySequence, h.Aux.FrameCounter) != mle.ReplayFresh {
		return
	}
	sender, _ := mle.ExtAddrFromLinkLocal(ipSrc)
	body, aux, err := mle.Open(payload, cipher, sender, ipSrc, ipDst)
	if err != nil {
		panic(err)
	}
	replay.Commit(aux.KeySequence, aux.FrameCounter)
	var m mle.Message
	if err := m.Decode(body); err != nil {
		panic(err)
	}
	fmt.Println(m.Command, m.SourceAddrs[0], m.Challenge, "counter", aux.FrameCounter)
	// Output: Link Request 0x0400 [1 2 3 4 5 6 7 8] counter 42
}
