package mle

import "testing"

func TestReplayCheck(t *testing.T) {
	stored := ReplayState{Valid: true, KeySequence: 3, Next: 100}
	tests := []struct {
		name    string
		s       ReplayState
		seq, fc uint32
		want    ReplayVerdict
	}{
		{"no state", ReplayState{}, 0, 0, ReplayFresh},
		{"next expected", stored, 3, 100, ReplayFresh},
		{"ahead", stored, 3, 5000, ReplayFresh},
		{"duplicate of the last", stored, 3, 99, ReplayDuplicate},
		{"older", stored, 3, 98, ReplayOld},
		{"zero", stored, 3, 0, ReplayOld},
		{"newer key, low counter", stored, 4, 0, ReplayFresh},
		{"older key", stored, 2, 1000, ReplayStaleKey},
		{"window closed after 0xFFFFFFFF", ReplayState{Valid: true, KeySequence: 3, Next: 1 << 32}, 3, 0xFFFFFFFF, ReplayDuplicate},
		{"window closed, low counter", ReplayState{Valid: true, KeySequence: 3, Next: 1 << 32}, 3, 0, ReplayOld},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.s
			if got := tc.s.Check(tc.seq, tc.fc); got != tc.want {
				t.Errorf("Check(%d, %d) = %v, want %v", tc.seq, tc.fc, got, tc.want)
			}
			if tc.s != before {
				t.Errorf("Check changed the state to %+v", tc.s)
			}
		})
	}
}

func TestReplayCommit(t *testing.T) {
	var s ReplayState
	s.Commit(3, 10)
	if want := (ReplayState{Valid: true, KeySequence: 3, Next: 11}); s != want {
		t.Fatalf("first Commit = %+v, want %+v", s, want)
	}
	s.Commit(3, 5) // never backwards
	if s.Next != 11 {
		t.Errorf("Commit of an older counter moved Next to %d", s.Next)
	}
	s.Commit(2, 500) // never to an older key
	if s.KeySequence != 3 || s.Next != 11 {
		t.Errorf("Commit of an older key changed the state to %+v", s)
	}
	s.Commit(4, 2) // a newer key resets the counter
	if want := (ReplayState{Valid: true, KeySequence: 4, Next: 3}); s != want {
		t.Errorf("Commit with a newer key = %+v, want %+v", s, want)
	}
	s.Commit(4, 0xFFFFFFFF)
	if s.Next != 1<<32 || s.Check(4, 0xFFFFFFFF) == ReplayFresh || s.Check(4, 0) == ReplayFresh {
		t.Errorf("after counter 0xFFFFFFFF: Next = %#x, not closed", s.Next)
	}
	s.Learn(7, 40)
	if want := (ReplayState{Valid: true, KeySequence: 7, Next: 40}); s != want {
		t.Errorf("Learn = %+v, want %+v", s, want)
	}
	s.Learn(6, 1) // proven fresh: replaces the state
	if want := (ReplayState{Valid: true, KeySequence: 6, Next: 1}); s != want {
		t.Errorf("Learn = %+v, want %+v", s, want)
	}
}

func TestReplayVerdictString(t *testing.T) {
	for v, want := range map[ReplayVerdict]string{
		ReplayFresh: "fresh", ReplayDuplicate: "duplicate", ReplayOld: "old", ReplayStaleKey: "stale-key", 9: "ReplayVerdict(?)",
	} {
		if got := v.String(); got != want {
			t.Errorf("ReplayVerdict(%d).String() = %q, want %q", v, got, want)
		}
	}
}
