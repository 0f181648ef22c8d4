package mle

// Key rotation (Thread profile; OpenThread Mle::ProcessKeySequence and
// KeyManager::SetCurrentKeySequence). The draft leaves key management out of
// scope.

// MessageClass classifies a received message for key-sequence adoption.
type MessageClass uint8

// Message classes.
const (
	// ClassUnknown is a message that never moves the key sequence: one
	// that failed processing, or one from a sender whose freshness is not
	// known (an Advertisement or a first Link Request).
	ClassUnknown MessageClass = iota
	// ClassPeer is a message from an established neighbour about itself.
	ClassPeer
	// ClassAuthoritative is a message that proves freshness, such as a
	// Link Accept carrying the response to our challenge.
	ClassAuthoritative
)

// KeyAction is what a node does after receiving an authenticated message
// whose key sequence is given to [DecideKey].
type KeyAction uint8

// Key actions.
const (
	// KeyAccept processes the message and keeps the current key sequence.
	KeyAccept KeyAction = iota
	// KeyDrop discards the message: it uses an older key sequence than
	// the neighbour has already used, so it is a replay.
	KeyDrop
	// KeyAdoptForced processes the message and switches to its key
	// sequence at once (authoritative message), resetting the node's
	// outgoing MAC and MLE frame counters to 0.
	KeyAdoptForced
	// KeyAdoptGuarded processes the message and switches to its key
	// sequence, one step ahead, because the key switch guard time has
	// passed; it resets the outgoing frame counters and restarts the
	// guard timer.
	KeyAdoptGuarded
	// KeyReestablish processes the message, keeps the current key
	// sequence, and re-establishes the link with the neighbour (a Link
	// Request), because the neighbour jumped more than one sequence ahead.
	KeyReestablish
)

// String returns the action's name.
func (a KeyAction) String() string {
	switch a {
	case KeyAccept:
		return "accept"
	case KeyDrop:
		return "drop"
	case KeyAdoptForced:
		return "adopt"
	case KeyAdoptGuarded:
		return "adopt-after-guard"
	case KeyReestablish:
		return "reestablish"
	default:
		return "KeyAction(?)"
	}
}

// KeyInput is what [DecideKey] needs to know about a received, authenticated
// message and the node's key state.
type KeyInput struct {
	// Current is the node's current key sequence.
	Current uint32
	// Received is the key sequence in the message's auxiliary header.
	Received uint32
	// Class is the message class.
	Class MessageClass
	// Neighbor reports that the sender is an established neighbour;
	// NeighborSequence is then the key sequence it last used.
	Neighbor         bool
	NeighborSequence uint32
	// GuardRunning reports that the key switch guard timer (default 93 %
	// of the rotation time, [DefaultKeySwitchGuard]) has not yet expired
	// since the last rotation.
	GuardRunning bool
}

// Key rotation timing defaults (OpenThread kDefaultKeyRotationTime,
// kMinKeyRotationTime and the 93 % guard), in hours.
const (
	DefaultKeyRotationHours = 672
	MinKeyRotationHours     = 2
	DefaultKeySwitchGuard   = DefaultKeyRotationHours * 93 / 100 // 624 h
)

// DecideKey applies the key-sequence rules of the Thread profile to a
// received, authenticated message:
//
//   - from an established neighbour with a key sequence older than the
//     one the neighbour already used: drop;
//   - a key sequence not newer than the node's: accept, keep the key;
//   - newer, in an authoritative message: adopt it at once;
//   - newer, in a peer message from an established neighbour: exactly one
//     ahead adopts it if the key switch guard has expired (and keeps the
//     key, accepting the message, while it runs); further ahead keeps the
//     key and re-establishes the link with that neighbour;
//   - newer in any other message: accept, keep the key.
//
// Frame counters are checked separately ([ReplayState]).
func DecideKey(in KeyInput) KeyAction {
	if in.Neighbor && in.Received < in.NeighborSequence {
		return KeyDrop
	}
	if in.Received <= in.Current {
		return KeyAccept
	}
	switch in.Class {
	case ClassAuthoritative:
		return KeyAdoptForced
	case ClassPeer:
		if !in.Neighbor {
			return KeyAccept
		}
		if in.Received-in.Current == 1 {
			if in.GuardRunning {
				return KeyAccept
			}
			return KeyAdoptGuarded
		}
		return KeyReestablish
	default:
		return KeyAccept
	}
}
