// Package cluster is how daemons sharing one database divide the work: a source's turn is
// claimed by one daemon (Claim), singleton work (the outbox of an endpoint, the Wayback
// Machine's queue) is held by one daemon at a time under a named lease (Lease, Release,
// Hold), and the per-host politeness limits hold for all daemons together (Host).
//
// Local is the coordinator of a database one process holds (bbolt): every claim and
// lease is granted and the gate is the fetcher's own. The PostgreSQL driver's coordinator
// (watcher/store/postgres) keeps claims and leases in rows with an expiry, so that a
// daemon that dies loses them when they expire; there is no membership, election or
// consensus of our own, only conditional updates in the database.
package cluster

import (
	"context"
	"time"
)

// Claims hands out the turns of scheduled work (a source's check, a discovery job's run).
type Claims interface {
	// Claim takes the named work for lease, and reports whether this process got it. It is
	// refused while an earlier claim, by any process (this one too), has not expired: a
	// claim lasting about one period makes the work run once a period in the cluster,
	// whichever process's turn comes first. A claim is never released early.
	Claim(ctx context.Context, name string, lease time.Duration) (bool, error)
}

// Leases hands out named leases on singleton work.
type Leases interface {
	// Lease takes or renews the named lease for ttl, and reports whether this process
	// holds it: it is refused while another process holds it and it has not expired.
	Lease(ctx context.Context, name string, ttl time.Duration) (bool, error)
	// Release gives the lease up before it expires, if this process holds it.
	Release(ctx context.Context, name string) error
}

// Gate bounds the requests to one host made by all processes together.
type Gate interface {
	// Host waits for one of the host's perHost slots and for its turn to start, at least
	// delay after the previous request to the host started, and returns the function that
	// frees the slot once the request is over. A slot whose holder died frees itself when
	// its lease, the longest a request may take, has passed.
	Host(ctx context.Context, host string, perHost int, delay time.Duration) (release func(), err error)
}

// Coordinator is all of it: what the daemon wires into its parts.
type Coordinator interface {
	Claims
	Leases
	Gate
	// Shared reports whether other processes may share the work: false for Local, whose
	// answers are all yes.
	Shared() bool
}

// Local is the coordinator of a process that holds its database alone.
type Local struct{}

// Claim grants every claim: the scheduler already runs one check of a source at a time.
func (Local) Claim(context.Context, string, time.Duration) (bool, error) { return true, nil }

// Lease grants every lease.
func (Local) Lease(context.Context, string, time.Duration) (bool, error) { return true, nil }

// Release does nothing.
func (Local) Release(context.Context, string) error { return nil }

// Host returns at once: the fetcher's own per-host limits are the only ones.
func (Local) Host(context.Context, string, int, time.Duration) (func(), error) {
	return func() {}, nil
}

// Shared is false.
func (Local) Shared() bool { return false }

var _ Coordinator = Local{}
