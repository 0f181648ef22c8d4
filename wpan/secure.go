package wpan

// privateStart returns where the private (encrypted) payload begins in a
// frame whose MHR is mhrLen bytes long. In 2003/2006 frames the command
// identifier of a MAC command frame, and the superframe specification, GTS
// and pending address fields of a beacon, stay in the clear and are part of
// the a-data (IEEE 802.15.4-2006 §7.6.3.4, Annex C.2.3). In 2015 frames
// everything after the header IEs is private (payload IEs, command
// identifier, payload), as Wireshark decrypts them.
func (f *Frame) privateStart(mhrLen int) (int, error) {
	if f.Version == Version2015 {
		return mhrLen, nil
	}
	switch f.Type {
	case FrameCommand:
		if len(f.Payload) < cmdIDLen {
			return 0, ErrTruncated
		}
		return mhrLen + cmdIDLen, nil
	case FrameBeacon:
		n, err := beaconFieldsLen(f.Payload)
		if err != nil {
			return 0, err
		}
		return mhrLen + n, nil
	}
	return mhrLen, nil
}

// beaconFieldsLen returns the length of the superframe specification, GTS
// and pending address fields at the start of a 2003/2006 beacon payload
// (IEEE 802.15.4-2006 §7.2.2.1).
func beaconFieldsLen(p []byte) (int, error) {
	const superframe = 2
	n := superframe
	if len(p) < n+1 {
		return 0, ErrTruncated
	}
	if gts := int(p[n] & 0x07); gts > 0 {
		n += 1 + 1 + 3*gts // specification, directions, descriptors
	} else {
		n++
	}
	if len(p) < n+1 {
		return 0, ErrTruncated
	}
	pend := p[n]
	n += 1 + 2*int(pend&0x07) + 8*int(pend>>4&0x07)
	if len(p) < n {
		return 0, ErrTruncated
	}
	return n, nil
}

// AppendSealed secures f with key and appends the encoded frame (without
// FCS) to dst. The frame is sent with the Security bit set whatever
// f.Security says; f.Aux gives the level, key identifier and frame counter
// (take it from a [CounterSource]). src is the sender's extended address,
// which goes into the nonce even when the header carries a short address.
// f.MIC is ignored; f itself is not modified and f.Payload is read, not
// encrypted in place. dst must not overlap f's slices.
//
// With an encrypting level the a-data is the MHR (with the auxiliary
// security header and header IEs; in 2006 frames also the command
// identifier of a command frame and the non-payload fields of a beacon) and
// the rest (payload IEs, payload) is encrypted; MIC-only levels
// authenticate the whole frame. It does not allocate when dst has room for
// the frame (cap(dst)-len(dst) >= MaxFrameLen is always enough).
//
// Errors: those of [Frame.AppendTo], ErrInsecureLevel for level 0 and
// ErrUnsupportedSecurity when the frame counter is suppressed.
func (f *Frame) AppendSealed(dst []byte, key *CCMStar, src ExtAddr) ([]byte, error) {
	level := f.Aux.Level
	switch {
	case level == LevelNone:
		return dst, ErrInsecureLevel
	case f.Aux.FrameCounterSuppressed:
		return dst, ErrUnsupportedSecurity
	}
	l, err := f.layout(true)
	if err != nil {
		return dst, err
	}
	priv := l.mhr
	if level.Encrypted() {
		if priv, err = f.privateStart(l.mhr); err != nil {
			return dst, err
		}
	}
	start := len(dst)
	out := f.write(dst, &l, true)
	frame := out[start:]
	body, mic := frame[:len(frame)-l.mic], frame[len(frame)-l.mic:]
	nonce := Nonce(src, f.Aux.FrameCounter, level)
	if level.Encrypted() {
		key.seal(&nonce, body[:priv], body[priv:], body[priv:], mic)
	} else {
		key.seal(&nonce, body, nil, nil, mic)
	}
	return out, nil
}

// Open verifies and decrypts a frame filled by [Frame.Decode], in place:
// the decoded buffer is rewritten with the plaintext, and f.Payload (and
// f.PayloadIEs, when the payload IEs were encrypted) then alias the
// plaintext. src is the sender's extended address for the nonce; for a
// frame with a short source address the caller finds it in its neighbour
// table. Open does not check frame counters; see [Frame.Unsecure] and
// [ReplayWindows]. It does not allocate. After a successful Open, further
// calls return nil without doing anything.
//
// Errors: ErrNotSecured, ErrInvalidField (f was not decoded),
// ErrInsecureLevel (level 0 authenticates nothing), ErrUnsupportedSecurity
// (suppressed frame counter), ErrTruncated (a 2006 command frame without a
// command identifier or beacon without its superframe fields),
// ErrMICFailure and ErrBadIE (authentic but malformed encrypted payload
// IEs). After any error the buffer holds the ciphertext again, unchanged.
//
// Level 4 (ENC) has no MIC: Open then always succeeds and nothing is
// authenticated.
//
// After a successful Open, [Frame.AppendTo] encodes the plaintext frame
// with the old MIC, which is not a valid secured frame; forward a frame by
// sealing it again with [Frame.AppendSealed].
func (f *Frame) Open(key *CCMStar, src ExtAddr) error {
	if f.opened {
		return nil
	}
	level := f.Aux.Level
	switch {
	case !f.Security:
		return ErrNotSecured
	case f.raw == nil:
		return ErrInvalidField
	case level == LevelNone:
		return ErrInsecureLevel
	case f.Aux.FrameCounterSuppressed:
		return ErrUnsupportedSecurity
	}
	m := level.MICLen()
	body := f.raw[:len(f.raw)-m]
	nonce := Nonce(src, f.Aux.FrameCounter, level)
	if level.Encrypted() {
		priv, err := f.privateStart(f.mhrLen)
		if err != nil {
			return err
		}
		if err := key.open(&nonce, body[:priv], body[priv:], body[priv:], f.MIC); err != nil {
			return err
		}
	} else if err := key.open(&nonce, body, nil, nil, f.MIC); err != nil {
		return err
	}
	if f.pieHidden {
		ies, consumed, _, err := scanPayloadIEs(f.Payload)
		if err != nil {
			// Authentic (or unauthenticated at level 4) but malformed:
			// encrypt again so a failed Open leaves the buffer unchanged.
			priv, _ := f.privateStart(f.mhrLen)
			key.xorKeystream(&nonce, body[priv:])
			return err
		}
		f.PayloadIEs = f.Payload[:ies:ies]
		f.Payload = f.Payload[consumed:]
		f.pieHidden = false
	}
	f.opened = true
	return nil
}

// KeyLookup finds the key for a received secured frame. Arguments are
// passed by value so that calling it does not move the caller's Frame to
// the heap.
type KeyLookup interface {
	// LookupKey returns the key that the auxiliary security header aux
	// names and the sender's extended address (for the nonce and the replay
	// window) given the frame's source address and PAN ID. It returns an
	// error wrapping ErrNoKey when it knows no such key or sender, and may
	// refuse security levels or key identifier modes its policy does not
	// accept (Thread accepts only level 5 on the MAC layer).
	LookupKey(src Addr, srcPAN PANID, aux AuxHeader) (key *CCMStar, srcExt ExtAddr, err error)
}

// Unsecure runs the receive security procedure on a decoded frame: look up
// the key, check the frame counter against the sender's replay window
// (ErrReplayed, ErrDuplicateCounter), verify and decrypt in place
// ([Frame.Open]) and only then advance the window. replay may be nil to
// skip replay protection. It does not allocate. A KeyLookup that accepts
// level 4 (no MIC) lets anyone move replay windows forward; refuse it
// unless the deployment needs it.
func (f *Frame) Unsecure(keys KeyLookup, replay *ReplayWindows) error {
	if !f.Security {
		return ErrNotSecured
	}
	key, ext, err := keys.LookupKey(f.Src, f.SrcPAN, f.Aux)
	if err != nil {
		return err
	}
	if key == nil {
		return ErrNoKey
	}
	kid := f.Aux.KeyID()
	if replay != nil {
		if err := replay.Check(ext, kid, f.Aux.FrameCounter); err != nil {
			return err
		}
	}
	if err := f.Open(key, ext); err != nil {
		return err
	}
	if replay != nil {
		replay.Commit(ext, kid, f.Aux.FrameCounter)
	}
	return nil
}
