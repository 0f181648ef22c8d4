package sim

import (
	"fmt"
	"time"
)

// DropReason says why a frame (or a transmit request) was lost.
type DropReason uint8

// Drop reasons. Reception drops count only frames that arrived above the
// sensitivity level.
const (
	// DropCollision: an overlapped frame's SINR fell below the capture
	// threshold, or its bit errors came with interference present.
	DropCollision DropReason = iota
	// DropCorrupt: bit errors from noise alone (the PER at the SNR).
	DropCorrupt
	// DropRxBusy: the receiver was already receiving another frame, or
	// transmitting.
	DropRxBusy
	// DropRxOff: the receiver was off (radio.Config.RxOn false).
	DropRxOff
	// DropAborted: the frame was cut off: the sender stopped, or the
	// receiver started to transmit, changed channel or turned off.
	DropAborted
	// DropFiltered: the address filter rejected the frame.
	DropFiltered
	// DropMalformed: the MAC header was too short to filter.
	DropMalformed
	// DropNoAck: a transmit request ended without acknowledgment.
	DropNoAck
	// DropChannelBusy: CSMA-CA gave up.
	DropChannelBusy
	// DropQueueFull: Transmit refused a frame with radio.ErrBusy.
	DropQueueFull
	// DropStopped: a transmit request was discarded by a node stop.
	DropStopped

	NumDropReasons = iota // the number of drop reasons
)

var dropNames = [...]string{
	"collision", "corrupt", "rx-busy", "rx-off", "aborted", "filtered",
	"malformed", "no-ack", "channel-busy", "queue-full", "stopped",
}

// String returns the reason's name.
func (r DropReason) String() string {
	if int(r) < len(dropNames) {
		return dropNames[r]
	}
	return fmt.Sprintf("DropReason(%d)", uint8(r))
}

// Metrics counts what happened on the medium.
type Metrics struct {
	// Events is the number of scheduler events run.
	Events uint64
	// FramesTx counts frames put on the air (each attempt of each request);
	// AcksTx counts acknowledgments sent.
	FramesTx, AcksTx uint64
	// FramesRx counts frames handed to stations; AcksRx counts
	// acknowledgments matched to a waiting sender.
	FramesRx, AcksRx uint64
	// Acked counts transmit requests completed with radio.TxAcked.
	Acked uint64
	// Collisions counts receptions lost while another signal overlapped.
	Collisions uint64
	// Drops counts losses by reason.
	Drops [NumDropReasons]uint64
}

// NodeMetrics are one node's transmit counters.
type NodeMetrics struct {
	FramesTx, AcksTx, FramesRx uint64
	// Airtime is the total time the node transmitted.
	Airtime time.Duration
	// TxEnergyJ is the energy its transmissions drew, V·I·airtime, from the
	// radio model's current table.
	TxEnergyJ float64
	// MeanTxDBm is the airtime-weighted mean transmit power (zero without
	// transmissions).
	MeanTxDBm float64
}

func (m *Medium) drop(r DropReason) { m.metrics.Drops[r]++ }

// Metrics returns the medium's counters.
func (m *Medium) Metrics() Metrics { return m.metrics }

// NodeMetrics returns node id's counters (zero for an unknown id).
func (m *Medium) NodeMetrics(id NodeID) NodeMetrics {
	if !m.valid(id) {
		return NodeMetrics{}
	}
	c := &m.nodes[id].counters
	nm := NodeMetrics{
		FramesTx:  c.framesTx,
		AcksTx:    c.acksTx,
		FramesRx:  c.framesRx,
		Airtime:   c.airtime,
		TxEnergyJ: c.energyJ,
	}
	if c.airtime > 0 {
		nm.MeanTxDBm = c.dBmNs / float64(c.airtime)
	}
	return nm
}
