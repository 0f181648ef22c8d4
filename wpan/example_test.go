package wpan_test

import (
	"errors"
	"fmt"

	"github.com/meshgw/meshgw/wpan"
)

// oneKey is a KeyLookup for a network with one key and extended source
// addresses only.
type oneKey struct{ key *wpan.CCMStar }

func (k oneKey) LookupKey(src wpan.Addr, _ wpan.PANID, aux wpan.AuxHeader) (*wpan.CCMStar, wpan.ExtAddr, error) {
	if src.Mode != wpan.AddrExt || aux.Level != wpan.LevelENCMIC32 {
		return nil, wpan.ExtAddr{}, wpan.ErrNoKey
	}
	return k.key, src.Ext, nil
}

// Example shows the send and receive paths of a secured data frame.
func Example() {
	key, _ := wpan.NewCCMStar([]byte("0123456789abcdef"))
	me := wpan.ExtAddrFromUint64(0x0011223344556677)
	peer := wpan.ExtAddrFromUint64(0x8899aabbccddeeff)

	// Send: counters come from a CounterSource backed by a store.
	counters, _ := wpan.NewCounterSource(&wpan.MemCounterStore{}, 0)
	fc, _ := counters.Next()
	f := wpan.Frame{Type: wpan.FrameData, Version: wpan.Version2006, Security: true, AckRequest: true, Seq: 1}
	f.SetAddrs(0xface, wpan.ExtAddress(peer), 0xface, wpan.ExtAddress(me))
	f.Aux = wpan.AuxHeader{Level: wpan.LevelENCMIC32, KeyIDMode: wpan.KeyIDIndex, KeyIndex: 1, FrameCounter: fc}
	f.Payload = []byte("hello")
	fmt.Println("payload budget:", f.MaxPayload())
	psdu, err := f.AppendSealed(make([]byte, 0, wpan.MaxPSDU), key, me)
	if err != nil {
		panic(err)
	}
	psdu = wpan.AppendFCS(psdu) // unless the radio adds the FCS

	// Receive: strip the FCS, decode, then unsecure with replay protection.
	frame, err := wpan.StripFCS(psdu)
	if err != nil {
		panic(err)
	}
	retry := append([]byte(nil), frame...) // Unsecure decrypts frame in place
	replay := wpan.NewReplayWindows(64)
	var rx wpan.Frame
	if err := rx.Decode(frame); err != nil {
		panic(err)
	}
	if err := rx.Unsecure(oneKey{key}, replay); err != nil {
		panic(err)
	}
	fmt.Printf("from %v: %s\n", rx.Src, rx.Payload)

	// The same frame again (a retransmission) is a duplicate, which is
	// also a replay.
	_ = rx.Decode(retry)
	err = rx.Unsecure(oneKey{key}, replay)
	fmt.Println(err, errors.Is(err, wpan.ErrReplayed))
	// Output:
	// payload budget: 94
	// from 00:11:22:33:44:55:66:77: hello
	// wpan: duplicate frame counter true
}
