//go:build !linux

package firewall

import "context"

// Guard installs and maintains meshgw's nftables table. On this GOOS every
// method returns ErrNotSupported.
type Guard struct{}

// New returns a Guard; on this GOOS it fails with ErrNotSupported.
func New(opts ...Option) (*Guard, error) { return nil, ErrNotSupported }

// Apply returns ErrNotSupported.
func (g *Guard) Apply(ctx context.Context, cfg Config) error { return ErrNotSupported }

// Remove returns ErrNotSupported.
func (g *Guard) Remove() error { return ErrNotSupported }

// Counters returns ErrNotSupported.
func (g *Guard) Counters() (Counters, error) { return Counters{}, ErrNotSupported }
