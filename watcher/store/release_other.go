//go:build !linux

package store

// release is a no-op where the kernel offers no MADV_DONTNEED for file mappings.
func (s *Store) release() error { return nil }
