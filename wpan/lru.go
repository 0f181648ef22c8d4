package wpan

// lru is a bounded map that evicts the least recently updated entry. It
// keeps its entries in one preallocated slice linked by index, so updates
// do not allocate once the map has grown to capacity.
type lru[K comparable, V any] struct {
	index      map[K]int32
	ents       []lruEntry[K, V]
	head, tail int32 // most and least recently updated; -1 when empty
	free       int32 // free list through next; -1 when empty
	capacity   int
	evictions  uint64
}

type lruEntry[K comparable, V any] struct {
	key        K
	val        V
	prev, next int32
}

func newLRU[K comparable, V any](capacity int) lru[K, V] {
	return lru[K, V]{
		index:    make(map[K]int32, capacity),
		ents:     make([]lruEntry[K, V], 0, capacity),
		head:     -1,
		tail:     -1,
		free:     -1,
		capacity: capacity,
	}
}

// get returns the value of k without changing its recency.
func (c *lru[K, V]) get(k K) (*V, bool) {
	i, ok := c.index[k]
	if !ok {
		return nil, false
	}
	return &c.ents[i].val, true
}

// put returns the value of k, inserting a zero value (and evicting the
// least recently updated entry when full) if absent, and marks it most
// recently updated.
func (c *lru[K, V]) put(k K) *V {
	if i, ok := c.index[k]; ok {
		c.unlink(i)
		c.pushFront(i)
		return &c.ents[i].val
	}
	var i int32
	switch {
	case c.free >= 0:
		i = c.free
		c.free = c.ents[i].next
	case len(c.ents) < c.capacity:
		c.ents = append(c.ents, lruEntry[K, V]{})
		i = int32(len(c.ents) - 1)
	default:
		i = c.tail
		c.unlink(i)
		delete(c.index, c.ents[i].key)
		c.evictions++
	}
	c.ents[i] = lruEntry[K, V]{key: k}
	c.index[k] = i
	c.pushFront(i)
	return &c.ents[i].val
}

// remove deletes k if present.
func (c *lru[K, V]) remove(k K) {
	i, ok := c.index[k]
	if !ok {
		return
	}
	c.unlink(i)
	delete(c.index, k)
	c.ents[i] = lruEntry[K, V]{next: c.free}
	c.free = i
}

// removeIf deletes every entry whose key matches.
func (c *lru[K, V]) removeIf(match func(K) bool) {
	for k := range c.index {
		if match(k) {
			c.remove(k)
		}
	}
}

func (c *lru[K, V]) len() int { return len(c.index) }

func (c *lru[K, V]) unlink(i int32) {
	e := &c.ents[i]
	if e.prev >= 0 {
		c.ents[e.prev].next = e.next
	} else {
		c.head = e.next
	}
	if e.next >= 0 {
		c.ents[e.next].prev = e.prev
	} else {
		c.tail = e.prev
	}
	e.prev, e.next = -1, -1
}

func (c *lru[K, V]) pushFront(i int32) {
	e := &c.ents[i]
	e.prev, e.next = -1, c.head
	if c.head >= 0 {
		c.ents[c.head].prev = i
	}
	c.head = i
	if c.tail < 0 {
		c.tail = i
	}
}
