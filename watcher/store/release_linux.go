package store

import (
	"go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// release takes the database file's pages out of the process's memory map. bbolt reads the
// file through a mapping, and every page read stays mapped, counted in the daemon's
// resident memory, for as long as the kernel does not need it back: after the first round
// of a large watch list that is every source's snapshot pages, which no later check reads.
// MADV_DONTNEED on the file mapping drops them from the process only; they stay in the
// kernel's page cache, and a page read again is mapped again from there.
func (s *Store) release() error {
	// A read transaction holds bbolt's mapping in place: it is not replaced while we work.
	return s.db.View(func(tx *bbolt.Tx) error {
		_, _, errno := unix.Syscall(unix.SYS_MADVISE, s.db.Info().Data, uintptr(tx.Size()), unix.MADV_DONTNEED)
		if errno != 0 {
			return errno
		}
		return nil
	})
}
