// Package radio is the contract between a mesh node and the IEEE 802.15.4
// radio under it: a serial radio co-processor (radio/spinel), a ZEP/UDP link
// (radio/zep), a Linux wpan interface (radio/kernel) or the simulated medium
// (package sim).
//
// A driver delivers [Event]s — received frames and transmit completions —
// into the node's loop, accepts [TxRequest]s and [Config], and reports its
// [Capabilities]. Optional abilities are small separate interfaces found by
// type assertion ([EnergyScanner]).
package radio

import (
	"errors"
	"fmt"
	"time"

	"github.com/meshgw/meshgw/wpan"
)

// MaxPSDU is aMaxPHYPacketSize: the largest PHY payload, FCS included.
const MaxPSDU = wpan.MaxPSDU

// FCSLen is the length of the 802.15.4 frame check sequence.
const FCSLen = wpan.FCSLen

// Frame is a received frame with its reception metadata.
type Frame struct {
	// PSDU is the MAC frame without its FCS; the driver has checked the FCS
	// (or the hardware did) and dropped frames that failed. It aliases a
	// driver buffer that is valid only until the handler returns.
	PSDU []byte
	// RSSI is the received signal strength in dBm.
	RSSI int8
	// LQI is the link quality indicator as the radio reports it (0–255).
	LQI uint8
	// Channel is the channel the frame was received on (11–26 at 2.4 GHz).
	Channel uint8
	// Timestamp is when the end of the frame was received.
	Timestamp time.Time
}

// TxStatus is the outcome of a transmit request.
type TxStatus uint8

// Transmit outcomes.
const (
	// TxSent means the frame went out and no acknowledgment was requested.
	TxSent TxStatus = iota
	// TxAcked means an acknowledgment was received.
	TxAcked
	// TxNoAck means every attempt went out but none was acknowledged.
	TxNoAck
	// TxChannelBusy means CSMA-CA gave up: the channel stayed busy.
	TxChannelBusy
	// TxError means the driver failed to send (see TxDone.Err).
	TxError
)

var txStatusNames = [...]string{"sent", "acked", "no-ack", "channel-busy", "error"}

// String returns the status name.
func (s TxStatus) String() string {
	if int(s) < len(txStatusNames) {
		return txStatusNames[s]
	}
	return fmt.Sprintf("TxStatus(%d)", uint8(s))
}

// TxRequest asks the driver to send one frame.
type TxRequest struct {
	// Handle is chosen by the node and returned in the matching TxDone.
	Handle uint32
	// PSDU is the MAC frame without FCS; the driver or radio appends it.
	// The driver copies it before Transmit returns.
	PSDU []byte
	// AckRequest waits for an acknowledgment (the frame's AR bit must be
	// set as well) and retries up to MaxRetries times without one.
	AckRequest bool
	// CSMA runs unslotted CSMA-CA before each attempt.
	CSMA bool
	// MaxRetries is macMaxFrameRetries (0–7; the usual value is 3).
	MaxRetries uint8
	// TxPowerDBm, when HasTxPower is set, overrides the configured power
	// for this frame only (power control uses it per neighbour).
	TxPowerDBm int8
	HasTxPower bool
}

// TxDone reports the outcome of a TxRequest.
type TxDone struct {
	Handle uint32
	Status TxStatus
	// Attempts is how many times the frame went on the air (0 when the
	// channel was never clear).
	Attempts uint8
	// FramePending is the frame-pending bit of the received acknowledgment.
	FramePending bool
	// AckRSSI is the RSSI of the acknowledgment in dBm when Status is
	// TxAcked and the driver reports it (HasAckRSSI).
	AckRSSI    int8
	HasAckRSSI bool
	// Timestamp is when the transmission finished.
	Timestamp time.Time
	// Err says what failed when Status is TxError.
	Err error
}

// EventKind says which field of an Event is valid.
type EventKind uint8

// Event kinds.
const (
	EventFrame EventKind = iota + 1
	EventTxDone
)

// Event is what a driver delivers to the node loop.
type Event struct {
	Kind   EventKind
	Frame  Frame
	TxDone TxDone
}

// Config is the radio configuration a node applies. Address filtering and
// automatic acknowledgment (where the radio does them) use PAN, Short and Ext.
type Config struct {
	Channel     uint8
	PAN         wpan.PANID
	Short       wpan.ShortAddr
	Ext         wpan.ExtAddr
	TxPowerDBm  int8
	RxOn        bool
	Promiscuous bool
}

// Capabilities describes what a radio does by itself.
type Capabilities struct {
	AutoAck    bool // acknowledges frames addressed to it
	Retries    bool // retransmits unacknowledged frames
	CSMA       bool // runs CSMA-CA
	EnergyScan bool // implements EnergyScanner
	// TxPowers lists the supported transmit power levels in dBm, ascending.
	TxPowers []int8
	// TxCurrentsMA, when known, holds the supply current in mA while
	// sending at each TxPowers level (same order); nil otherwise. Power
	// control weighs routes by it.
	TxCurrentsMA []float64
	// Channels lists the supported channels.
	Channels []uint8
}

// NearestTxPower returns the highest supported level not above dBm, or the
// lowest supported level when dBm is below all of them. It returns dBm
// unchanged when the list is empty.
func (c Capabilities) NearestTxPower(dBm int8) int8 {
	if len(c.TxPowers) == 0 {
		return dBm
	}
	best := c.TxPowers[0]
	for _, p := range c.TxPowers {
		if p <= dBm {
			best = p
		}
	}
	return best
}

// Port is the part of a radio that a sans-I/O node core calls. Its methods
// must not block: Transmit queues the frame and its outcome arrives later as
// an EventTxDone (from a driver's Events channel, or from the simulated
// medium in virtual time).
type Port interface {
	Capabilities() Capabilities
	Configure(Config) error
	Transmit(TxRequest) error
}

// Driver is a radio as a real-time node loop uses it. Events arrive on the
// channel returned by Events until Close, after which it is closed.
type Driver interface {
	Port
	Events() <-chan Event
	Close() error
}

// EnergyScanner is implemented by drivers that can measure channel energy.
type EnergyScanner interface {
	// EnergyScan measures the peak energy in dBm on channel for d.
	EnergyScan(channel uint8, d time.Duration) (int8, error)
}

// Errors drivers return.
var (
	// ErrClosed is returned by a driver's methods after Close.
	ErrClosed = errors.New("radio: driver closed")
	// ErrFrameTooLong is returned for a PSDU longer than MaxPSDU-FCSLen.
	ErrFrameTooLong = errors.New("radio: frame longer than 125 bytes plus FCS")
	// ErrBusy is returned when the driver's transmit queue is full.
	ErrBusy = errors.New("radio: transmit queue full")
	// ErrUnsupported is returned for a configuration the radio cannot do,
	// such as a channel or power level it lacks.
	ErrUnsupported = errors.New("radio: not supported by this radio")
)
