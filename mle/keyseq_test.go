package mle

import "testing"

func TestDecideKey(t *testing.T) {
	tests := []struct {
		name string
		in   KeyInput
		want KeyAction
	}{
		{"same sequence", KeyInput{Current: 5, Received: 5, Class: ClassPeer, Neighbor: true, NeighborSequence: 5}, KeyAccept},
		{"older than ours, neighbour still on it", KeyInput{Current: 6, Received: 5, Class: ClassPeer, Neighbor: true, NeighborSequence: 5}, KeyAccept},
		{"older than the neighbour used", KeyInput{Current: 6, Received: 5, Class: ClassPeer, Neighbor: true, NeighborSequence: 6}, KeyDrop},
		{"older, authoritative, neighbour moved on", KeyInput{Current: 6, Received: 4, Class: ClassAuthoritative, Neighbor: true, NeighborSequence: 5}, KeyDrop},
		{"older from a stranger", KeyInput{Current: 6, Received: 1, Class: ClassUnknown}, KeyAccept},
		{"newer, authoritative", KeyInput{Current: 5, Received: 9, Class: ClassAuthoritative}, KeyAdoptForced},
		{"newer, authoritative, guard running", KeyInput{Current: 5, Received: 6, Class: ClassAuthoritative, GuardRunning: true}, KeyAdoptForced},
		{"+1 from peer, guard expired", KeyInput{Current: 5, Received: 6, Class: ClassPeer, Neighbor: true, NeighborSequence: 5}, KeyAdoptGuarded},
		{"+1 from peer, guard running", KeyInput{Current: 5, Received: 6, Class: ClassPeer, Neighbor: true, NeighborSequence: 5, GuardRunning: true}, KeyAccept},
		{"+2 from peer", KeyInput{Current: 5, Received: 7, Class: ClassPeer, Neighbor: true, NeighborSequence: 5}, KeyReestablish},
		{"+2 from peer, guard running", KeyInput{Current: 5, Received: 7, Class: ClassPeer, Neighbor: true, NeighborSequence: 5, GuardRunning: true}, KeyReestablish},
		{"+1 peer class but not a neighbour", KeyInput{Current: 5, Received: 6, Class: ClassPeer}, KeyAccept},
		{"newer, unknown class", KeyInput{Current: 5, Received: 6, Class: ClassUnknown, Neighbor: true, NeighborSequence: 5}, KeyAccept},
		{"wrap is not +1", KeyInput{Current: 0xFFFFFFFF, Received: 0, Class: ClassPeer, Neighbor: true, NeighborSequence: 0xFFFFFFFF}, KeyDrop},
		{"top of the range", KeyInput{Current: 0xFFFFFFFE, Received: 0xFFFFFFFF, Class: ClassPeer, Neighbor: true, NeighborSequence: 0xFFFFFFFE}, KeyAdoptGuarded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := DecideKey(tc.in); got != tc.want {
				t.Errorf("DecideKey(%+v) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestKeyActionString(t *testing.T) {
	for a, want := range map[KeyAction]string{
		KeyAccept: "accept", KeyDrop: "drop", KeyAdoptForced: "adopt",
		KeyAdoptGuarded: "adopt-after-guard", KeyReestablish: "reestablish", 99: "KeyAction(?)",
	} {
		if got := a.String(); got != want {
			t.Errorf("KeyAction(%d).String() = %q, want %q", a, got, want)
		}
	}
	if DefaultKeySwitchGuard != 624 {
		t.Errorf("DefaultKeySwitchGuard = %d, want 624 (93 %% of 672 h)", DefaultKeySwitchGuard)
	}
}
