package zep

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meshgw/meshgw/radio"
	"github.com/meshgw/meshgw/wpan"
)

// Config configures a ZEP radio.
type Config struct {
	// Listen is the local UDP address to receive on, e.g. "127.0.0.1:0".
	Listen string
	// Peers are the UDP addresses every frame is sent to: the other radios
	// sharing the channel, a ZEP hub, or a Wireshark host.
	Peers []string
	// DeviceID identifies this radio in the ZEP header.
	DeviceID uint16
	// AckTimeout is how long a sender waits for an acknowledgment before
	// retrying; zero means 20 ms (UDP is slower than air).
	AckTimeout time.Duration
	// EventQueue is the length of the Events channel; zero means 64.
	EventQueue int
}

// Driver is a radio.Driver on ZEP over UDP. Like a real radio it filters
// by destination PAN and address, acknowledges unicast frames that ask for
// it (with an Imm-Ack sent over ZEP), and retransmits unacknowledged frames.
// It does not do CSMA-CA: UDP has no carrier to sense.
type Driver struct {
	conn       *net.UDPConn
	peers      []*net.UDPAddr
	id         uint16
	ackTimeout time.Duration

	mu  sync.Mutex // guards cfg
	cfg radio.Config

	events chan radio.Event
	txq    chan txItem
	acks   chan uint8 // sequence numbers of received acknowledgments
	done   chan struct{}
	wg     sync.WaitGroup
	seq    atomic.Uint32
	closed atomic.Bool

	// Drops counts received packets that were not delivered (not ZEP data,
	// wrong channel, bad FCS, filtered, or the event queue was full).
	Drops atomic.Uint64
}

type txItem struct {
	req  radio.TxRequest
	psdu [wpan.MaxFrameLen]byte
	n    int
}

var _ radio.Driver = (*Driver)(nil)

// Open binds the local address and starts the driver.
func Open(cfg Config) (*Driver, error) {
	laddr, err := net.ResolveUDPAddr("udp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("zep: listen address %q: %w", cfg.Listen, err)
	}
	var peers []*net.UDPAddr
	for _, p := range cfg.Peers {
		a, err := net.ResolveUDPAddr("udp", p)
		if err != nil {
			return nil, fmt.Errorf("zep: peer address %q: %w", p, err)
		}
		peers = append(peers, a)
	}
	conn, err := net.ListenUDP("udp", laddr)
	if err != nil {
		return nil, fmt.Errorf("zep: %w", err)
	}
	if cfg.AckTimeout <= 0 {
		cfg.AckTimeout = 20 * time.Millisecond
	}
	if cfg.EventQueue <= 0 {
		cfg.EventQueue = 64
	}
	d := &Driver{
		conn:       conn,
		peers:      peers,
		id:         cfg.DeviceID,
		ackTimeout: cfg.AckTimeout,
		cfg:        radio.Config{Channel: 11, PAN: wpan.BroadcastPAN, Short: wpan.ShortNone},
		events:     make(chan radio.Event, cfg.EventQueue),
		txq:        make(chan txItem, 16),
		acks:       make(chan uint8, 16),
		done:       make(chan struct{}),
	}
	d.wg.Add(2)
	go d.receive()
	go d.transmit()
	return d, nil
}

// LocalAddr returns the address the driver receives on.
func (d *Driver) LocalAddr() *net.UDPAddr { return d.conn.LocalAddr().(*net.UDPAddr) }

// AddPeer adds a UDP address frames are sent to. Call it before traffic
// starts.
func (d *Driver) AddPeer(a *net.UDPAddr) { d.peers = append(d.peers, a) }

// Capabilities implements radio.Port.
func (d *Driver) Capabilities() radio.Capabilities {
	ch := make([]uint8, 0, 16)
	for c := uint8(11); c <= 26; c++ {
		ch = append(ch, c)
	}
	return radio.Capabilities{AutoAck: true, Retries: true, TxPowers: []int8{0}, Channels: ch}
}

// Configure implements radio.Port.
func (d *Driver) Configure(c radio.Config) error {
	if d.closed.Load() {
		return radio.ErrClosed
	}
	if c.Channel < 11 || c.Channel > 26 {
		return fmt.Errorf("zep: channel %d: %w", c.Channel, radio.ErrUnsupported)
	}
	d.mu.Lock()
	d.cfg = c
	d.mu.Unlock()
	return nil
}

func (d *Driver) config() radio.Config {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg
}

// Transmit implements radio.Port: it queues the frame and returns at once.
func (d *Driver) Transmit(req radio.TxRequest) error {
	if d.closed.Load() {
		return radio.ErrClosed
	}
	if len(req.PSDU) > wpan.MaxFrameLen {
		return radio.ErrFrameTooLong
	}
	it := txItem{req: req}
	it.n = copy(it.psdu[:], req.PSDU)
	it.req.PSDU = nil
	select {
	case d.txq <- it:
		return nil
	default:
		return radio.ErrBusy
	}
}

// Events implements radio.Driver.
func (d *Driver) Events() <-chan radio.Event { return d.events }

// Close stops the driver; Events is closed once its goroutines ended.
func (d *Driver) Close() error {
	if d.closed.Swap(true) {
		return nil
	}
	close(d.done)
	err := d.conn.Close()
	d.wg.Wait()
	close(d.events)
	return err
}

// send puts one frame (without FCS) on the virtual channel.
func (d *Driver) send(frame []byte) error {
	var buf [HeaderLen + wpan.MaxPSDU]byte
	psdu := wpan.AppendFCS(append(buf[HeaderLen:HeaderLen], frame...))
	c := d.config()
	pkt, err := AppendData(buf[:0], Header{
		Channel: c.Channel, DeviceID: d.id, CRCMode: true, LQI: 255,
		Timestamp: time.Now(), Seq: d.seq.Add(1),
	}, psdu)
	if err != nil {
		return err
	}
	for _, p := range d.peers {
		if _, err := d.conn.WriteToUDP(pkt, p); err != nil {
			return fmt.Errorf("zep: send to %v: %w", p, err)
		}
	}
	return nil
}

func (d *Driver) emit(ev radio.Event) bool {
	select {
	case d.events <- ev:
		return true
	case <-d.done:
		return false
	}
}

// transmit runs the transmit queue: send, wait for the acknowledgment,
// retry.
func (d *Driver) transmit() {
	defer d.wg.Done()
	for {
		var it txItem
		select {
		case it = <-d.txq:
		case <-d.done:
			return
		}
		frame := it.psdu[:it.n]
		done := radio.TxDone{Handle: it.req.Handle}
		info, perr := wpan.PeekAckInfo(frame)
		wantAck := it.req.AckRequest && perr == nil && info.AckRequest
		// Forget acknowledgments of earlier frames.
		for len(d.acks) > 0 {
			<-d.acks
		}
		for attempt := 0; attempt <= int(it.req.MaxRetries); attempt++ {
			if err := d.send(frame); err != nil {
				done.Status, done.Err = radio.TxError, err
				break
			}
			done.Attempts++
			if !wantAck {
				done.Status = radio.TxSent
				break
			}
			if d.waitAck(info.Seq) {
				done.Status = radio.TxAcked
				break
			}
			done.Status = radio.TxNoAck
		}
		done.Timestamp = time.Now()
		if !d.emit(radio.Event{Kind: radio.EventTxDone, TxDone: done}) {
			return
		}
	}
}

func (d *Driver) waitAck(seq uint8) bool {
	t := time.NewTimer(d.ackTimeout)
	defer t.Stop()
	for {
		select {
		case s := <-d.acks:
			if s == seq {
				return true
			}
		case <-t.C:
			return false
		case <-d.done:
			return false
		}
	}
}

// receive reads ZEP packets, filters and acknowledges frames, and delivers
// them.
func (d *Driver) receive() {
	defer d.wg.Done()
	var buf [2048]byte
	for {
		n, _, err := d.conn.ReadFromUDP(buf[:])
		if err != nil {
			if errors.Is(err, net.ErrClosed) || d.closed.Load() {
				return
			}
			d.Drops.Add(1)
			continue
		}
		h, psdu, err := ParseData(buf[:n])
		if err != nil || len(psdu) < wpan.FCSLen {
			d.Drops.Add(1)
			continue
		}
		c := d.config()
		if h.Channel != c.Channel || !c.RxOn {
			d.Drops.Add(1)
			continue
		}
		var frame []byte
		if h.CRCMode {
			if frame, err = wpan.StripFCS(psdu); err != nil {
				d.Drops.Add(1)
				continue
			}
		} else {
			frame = psdu[:len(psdu)-wpan.FCSLen]
		}
		info, err := wpan.PeekAckInfo(frame)
		if err != nil {
			d.Drops.Add(1)
			continue
		}
		if info.Type == wpan.FrameAck {
			select {
			case d.acks <- info.Seq:
			default:
			}
			if !c.Promiscuous {
				continue
			}
		} else if !c.Promiscuous && !accepts(c, info) {
			d.Drops.Add(1)
			continue
		}
		if info.Type != wpan.FrameAck && info.AckRequest && unicastToUs(c, info) {
			var ack [8]byte
			_ = d.send(wpan.AppendImmAck(ack[:0], info.Seq, false))
		}
		ev := radio.Event{Kind: radio.EventFrame, Frame: radio.Frame{
			PSDU: append([]byte(nil), frame...), RSSI: -50, LQI: h.LQI, Channel: h.Channel, Timestamp: time.Now(),
		}}
		select {
		case d.events <- ev:
		case <-d.done:
			return
		default:
			d.Drops.Add(1)
		}
	}
}

// accepts applies the destination filter of a real radio.
func accepts(c radio.Config, info wpan.AckInfo) bool {
	if info.Dst.Mode == wpan.AddrNone {
		return info.Type == wpan.FrameBeacon
	}
	if info.DstPANPresent && info.DstPAN != c.PAN && info.DstPAN != wpan.BroadcastPAN {
		return false
	}
	return info.Dst.IsBroadcast() || unicastToUs(c, info)
}

func unicastToUs(c radio.Config, info wpan.AckInfo) bool {
	switch info.Dst.Mode {
	case wpan.AddrShort:
		return info.Dst.Short == c.Short && c.Short != wpan.ShortNone && c.Short != wpan.BroadcastShort
	case wpan.AddrExt:
		return info.Dst.Ext == c.Ext
	}
	return false
}
