-- Coordination of the daemons that share this database (watcher/cluster): rows with an
-- expiry, taken by conditional updates, so that a daemon that dies loses what it held
-- when its time runs out. A holder is one process ("host:pid:random").

-- A turn of scheduled work (a source's check, a discovery job's run), claimed for about
-- one period by the first daemon whose turn comes after the last claim expired.
CREATE TABLE cluster_claims (
	name   text PRIMARY KEY,
	holder text NOT NULL,
	until  timestamptz NOT NULL
);

-- Singleton work (an endpoint's outbox, the Wayback Machine's queue), held by one daemon
-- at a time and renewed while it works.
CREATE TABLE cluster_leases (
	name   text PRIMARY KEY,
	holder text NOT NULL,
	until  timestamptz NOT NULL
);

-- Per-host politeness for all daemons together: per_host slots, each held for one
-- request (until: the longest a request may take), and the earliest start of the next
-- request to the host (next_at: the last start plus the delay).
CREATE TABLE cluster_hosts (
	host    text PRIMARY KEY,
	next_at timestamptz NOT NULL
);

CREATE TABLE cluster_host_slots (
	host   text NOT NULL,
	slot   integer NOT NULL,
	holder text NOT NULL,
	until  timestamptz NOT NULL,
	PRIMARY KEY (host, slot)
);
