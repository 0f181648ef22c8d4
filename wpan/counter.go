package wpan

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// DefaultCounterReserve is how many outgoing frame counters a
// [CounterSource] reserves in its store at a time.
const DefaultCounterReserve = 1000

// maxFrameCounter is never sent: 802.15.4 treats 0xFFFFFFFF as exhausted.
const maxFrameCounter = 0xFFFFFFFF

// CounterStore persists the outgoing frame counter limit of a
// [CounterSource]: every counter below the stored value may have been used.
type CounterStore interface {
	// Load returns the stored limit, or ok false when nothing was stored
	// yet. A store that exists but cannot be read must return an error,
	// never ok false: restarting at zero would reuse nonces.
	Load() (limit uint32, ok bool, err error)
	// Store durably records limit before returning nil.
	Store(limit uint32) error
}

// CounterSource hands out outgoing frame counters (for one key, or for
// all keys of a device that shares one counter) and never repeats one,
// even across crashes: before it uses counter n at or above the reserved
// limit it stores n + reserve, and on start it resumes from the stored
// limit. A crash therefore skips at most reserve counters.
//
// A CounterSource is not safe for concurrent use.
type CounterSource struct {
	store   CounterStore
	next    uint64
	limit   uint64
	reserve uint64
}

// NewCounterSource resumes from store. reserve is how many counters to
// reserve per store write; zero means DefaultCounterReserve.
func NewCounterSource(store CounterStore, reserve uint32) (*CounterSource, error) {
	if reserve == 0 {
		reserve = DefaultCounterReserve
	}
	v, ok, err := store.Load()
	if err != nil {
		return nil, fmt.Errorf("wpan: load frame counter: %w", err)
	}
	c := &CounterSource{store: store, reserve: uint64(reserve)}
	if ok {
		c.next, c.limit = uint64(v), uint64(v)
	}
	return c, nil
}

// Next returns the next frame counter. When the counter reaches the
// reserved limit it first stores a new limit and returns the store's error
// (wrapped) without handing out a counter if that fails. It returns
// ErrCounterExhausted once every counter below 0xFFFFFFFF was used.
func (c *CounterSource) Next() (uint32, error) {
	if c.next >= maxFrameCounter {
		return 0, ErrCounterExhausted
	}
	if c.next >= c.limit {
		limit := min(c.next+c.reserve, maxFrameCounter)
		if err := c.store.Store(uint32(limit)); err != nil {
			return 0, fmt.Errorf("wpan: reserve frame counters: %w", err)
		}
		c.limit = limit
	}
	n := c.next
	c.next++
	return uint32(n), nil
}

// Peek returns the counter Next would return, without using it, and false
// when the counters are exhausted.
func (c *CounterSource) Peek() (uint32, bool) {
	return uint32(c.next), c.next < maxFrameCounter
}

// MemCounterStore is a CounterStore in memory, for tests and the
// simulator. It is safe for concurrent use.
type MemCounterStore struct {
	mu     sync.Mutex
	limit  uint32
	ok     bool
	stores int
}

// Load implements CounterStore.
func (m *MemCounterStore) Load() (uint32, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.limit, m.ok, nil
}

// Store implements CounterStore.
func (m *MemCounterStore) Store(limit uint32) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.limit, m.ok = limit, true
	m.stores++
	return nil
}

// Stores returns how many times Store was called.
func (m *MemCounterStore) Stores() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stores
}

var _ CounterStore = (*MemCounterStore)(nil)

// FileCounterStore is a CounterStore in a file holding the limit as a
// decimal number and a newline. Store writes a temporary file in the same
// directory with mode 0600, syncs it, renames it over the file and syncs
// the directory, so the file always holds either the old or the new limit.
type FileCounterStore struct {
	path string
}

var _ CounterStore = (*FileCounterStore)(nil)

// NewFileCounterStore returns a store at path. The file is created by the
// first Store; its directory must exist.
func NewFileCounterStore(path string) *FileCounterStore {
	return &FileCounterStore{path: path}
}

// Load implements CounterStore. A missing file means nothing was stored;
// a file that does not hold a counter is an error wrapping
// ErrCounterStore.
func (s *FileCounterStore) Load() (uint32, bool, error) {
	b, err := os.ReadFile(s.path)
	if os.IsNotExist(err) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	v, err := strconv.ParseUint(strings.TrimSuffix(string(b), "\n"), 10, 32)
	if err != nil {
		return 0, false, fmt.Errorf("%w: %s: %v", ErrCounterStore, s.path, err)
	}
	return uint32(v), true, nil
}

// Store implements CounterStore.
func (s *FileCounterStore) Store(limit uint32) (err error) {
	dir, base := filepath.Split(s.path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if err = f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err = f.WriteString(strconv.FormatUint(uint64(limit), 10) + "\n"); err != nil {
		f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, s.path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
