package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"hanoiwatch/watcher/store"
	"hanoiwatch/watcher/store/postgres"
)

// copyDB is a database migrate copies from or into: either driver.
type copyDB interface {
	store.Dumper
	Close() error
}

// migrateBytes bounds the values a batch of migrate holds, whatever its count: a batch of
// large bodies is written before it fills.
const migrateBytes = 4 << 20

func (a *app) migrateCmd() *cobra.Command {
	var (
		from, to  string
		force     bool
		batch     int
		stopAfter int
	)
	cmd := &cobra.Command{
		Use:   "migrate --from SRC --to DST",
		Short: "Copy a database into another (bbolt file or PostgreSQL), and verify the copy",
		Long: `Copies every record of one database into another, kind by kind (states, checks,
snapshots, texts, screenshots, captures, bodies, figures, events, added and removed
sources, coverage, deliveries, gone endpoints, the archive queue, robots.txt answers, the
demo mark), in batches of one transaction each, then verifies the copy: per kind, the
count and a SHA-256 over the items of both sides must be equal. It prints a table of
each kind, its items, its hash's prefix and whether both sides agree; it fails if one
does not.

--from and --to are each a bbolt file's path or a PostgreSQL address:

  postgres://user:password@host:5432/dbname?sslmode=disable   (postgresql:// too)

The source is only read (a bbolt file of an older schema is upgraded first, as by any
command that writes); the destination is created if it does not exist (a file, or the
schema of an empty PostgreSQL database).

An interrupted copy is resumed by running the same command again: each kind starts
after the last item the destination holds as the source does. A destination holding an item the
source lacks (another database, or one written since) is refused, naming the kind and
the item; --force copies into it anyway, each item of the source replacing the
destination's of the same key, and the verification then says which kinds differ.

A bbolt file is held by one process: stop the daemon (and serve) before copying it. A
PostgreSQL database is not: daemons that write to it during the copy make it a moving
target, and the verification names the kinds that moved; stop them first.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" || to == "" {
				return errors.New("migrate needs --from and --to (a bbolt file or a postgres:// address each)")
			}
			if from == to {
				return fmt.Errorf("--from and --to are the same database: %s", redacted(from))
			}
			if batch <= 0 {
				return fmt.Errorf("--batch %d: must be at least 1", batch)
			}
			ctx := cmd.Context()
			src, err := openCopy(ctx, "--from", from, true)
			if err != nil {
				return err
			}
			defer src.Close()
			dst, err := openCopy(ctx, "--to", to, false)
			if err != nil {
				return err
			}
			defer dst.Close()
			m := &migration{src: src, dst: dst, batch: batch, stopAfter: stopAfter, force: force, log: a.errOut}
			start := time.Now()
			if err := m.copyAll(ctx); err != nil {
				return err
			}
			took := time.Since(start)
			fmt.Fprintf(a.errOut, "copied %d items (%.1f MB) in %s, %.0f items/s\n", m.copied, float64(m.bytes)/1e6,
				took.Round(time.Millisecond), float64(m.copied)/took.Seconds())
			return m.verify(ctx, a.out)
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "the database to copy: a bbolt file's path, or a postgres:// address")
	cmd.Flags().StringVar(&to, "to", "", "the database to copy into: a bbolt file's path (created if absent), or a postgres:// address")
	cmd.Flags().BoolVar(&force, "force", false, "copy into a destination that holds items the source lacks")
	cmd.Flags().IntVar(&batch, "batch", 1000, "items per transaction (and at most 4 MB of them)")
	cmd.Flags().IntVar(&stopAfter, "stop-after", 0, "stop after this many batches, as an interrupted copy (for tests)")
	cmd.Flags().MarkHidden("stop-after")
	return cmd
}

// isPostgres reports whether a --from or --to value is a PostgreSQL address.
func isPostgres(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// redacted is a --from or --to value as messages may print it: without a password.
func redacted(s string) string {
	if isPostgres(s) {
		return postgres.Redact(s)
	}
	return s
}

// openCopy opens the database a flag names. A source must exist; a bbolt source or
// destination held by another process is refused at once, saying so.
func openCopy(ctx context.Context, flag, where string, source bool) (copyDB, error) {
	if isPostgres(where) {
		db, err := postgres.Open(ctx, where, store.Options{ReadOnly: source})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", flag, err) // it names the address, without the password
		}
		return db, nil
	}
	if _, err := os.Stat(where); source && err != nil {
		return nil, fmt.Errorf("%s %s: %w", flag, where, err)
	}
	db, err := store.Open(where, store.Options{Timeout: 500 * time.Millisecond})
	if errors.Is(err, store.ErrLocked) {
		return nil, fmt.Errorf("%s %s: %w: stop the daemon (and serve) that holds it, then copy", flag, where, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", flag, where, err)
	}
	return db, nil
}

// migration copies one database into another.
type migration struct {
	src, dst  copyDB
	batch     int
	stopAfter int // stop after this many batches (0: never), as a copy interrupted
	force     bool
	log       io.Writer

	batches int
	copied  int
	bytes   int64
}

// errStopped ends a copy stopped by --stop-after.
var errStopped = errors.New("stopped as asked (--stop-after): run the command again to resume")

func (m *migration) copyAll(ctx context.Context) error {
	for _, kind := range store.ItemKinds {
		after, err := m.resumeAt(ctx, kind)
		if err != nil {
			return err
		}
		if after != nil {
			fmt.Fprintf(m.log, "%s: resuming after %s\n", kind, after)
		}
		var (
			items []store.Item
			size  int
			start = time.Now()
			n     = m.copied
		)
		flush := func() error {
			if len(items) == 0 {
				return nil
			}
			if err := m.dst.Load(items); err != nil {
				return fmt.Errorf("copying %s: %w", items[0].Kind, err)
			}
			m.batches++
			m.copied += len(items)
			m.bytes += int64(size)
			items, size = items[:0], 0
			if m.stopAfter > 0 && m.batches >= m.stopAfter {
				return errStopped
			}
			return ctx.Err()
		}
		err = m.src.Dump(kind, after, func(it store.Item) error {
			items = append(items, it)
			size += len(it.Value)
			if len(items) < m.batch && size < migrateBytes {
				return nil
			}
			return flush()
		})
		if err == nil {
			err = flush()
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(m.log, "%s: %d items copied in %s\n", kind, m.copied-n, time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// resumeAt returns the item of kind after which the copy starts: the last of the items
// the destination holds as the source does, from the first (nil when it holds none). An
// item the destination holds and the source lacks is an error, unless forced, which
// copies the whole kind.
func (m *migration) resumeAt(ctx context.Context, kind store.ItemKind) (*store.Item, error) {
	if m.force {
		return nil, nil
	}
	dst, stop := streamDump(ctx, m.dst, kind)
	defer stop()
	var (
		last   *store.Item
		prefix = true // every destination item so far is the source's, in order
	)
	d, dok := <-dst.items
	err := m.src.Dump(kind, nil, func(s store.Item) error {
		if dok && itemLess(d, s) {
			return fmt.Errorf("the destination holds %s, which the source lacks: not a copy of this source (--force copies into it anyway)", d)
		}
		if !dok {
			return errDone
		}
		if prefix && d.Source == s.Source && d.Key == s.Key && string(d.Value) == string(s.Value) {
			it := s
			last = &it
		} else {
			prefix = false
		}
		if d.Source == s.Source && d.Key == s.Key {
			d, dok = <-dst.items
		}
		return nil
	})
	if errors.Is(err, errDone) {
		err = nil
	}
	if err == nil && dok {
		err = fmt.Errorf("the destination holds %s, which the source lacks: not a copy of this source (--force copies into it anyway)", d)
	}
	if err == nil {
		err = dst.err()
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", kind, err)
	}
	return last, nil
}

// errDone ends a dump early: what was wanted of it is read.
var errDone = errors.New("done")

// itemLess orders items as dumps list them: by Source, then Key, as bytes.
func itemLess(a, b store.Item) bool {
	if a.Source != b.Source {
		return a.Source < b.Source
	}
	return a.Key < b.Key
}

// itemStream is a dump read as a channel.
type itemStream struct {
	items <-chan store.Item
	done  chan struct{}
	errc  chan error
}

// err waits for the dump to end and returns its error.
func (s *itemStream) err() error { return <-s.errc }

// streamDump runs a dump of kind in a goroutine; stop ends it early and waits for it.
func streamDump(ctx context.Context, d store.Dumper, kind store.ItemKind) (*itemStream, func()) {
	items, done, errc := make(chan store.Item, 64), make(chan struct{}), make(chan error, 1)
	go func() {
		defer close(items)
		errc <- d.Dump(kind, nil, func(it store.Item) error {
			select {
			case items <- it:
				return nil
			case <-done:
				return errDone
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	s := &itemStream{items: items, done: done, errc: errc}
	stopped := false
	return s, func() {
		if !stopped {
			stopped = true
			close(done)
			for range items { // let the dump see done and end
			}
		}
	}
}

// tally is the count and hash of one side's items of a kind.
type tally struct {
	n   int
	sum hash.Hash
}

func (t *tally) add(it store.Item) {
	t.n++
	// Each field with its length first, so that no two different items hash alike.
	for _, f := range [][]byte{[]byte(it.Kind), []byte(it.Source), []byte(it.Key), it.Value} {
		fmt.Fprintf(t.sum, "%d:", len(f))
		t.sum.Write(f)
	}
}

// tallyKind counts and hashes the items of kind.
func tallyKind(ctx context.Context, d store.Dumper, kind store.ItemKind) (int, string, error) {
	t := tally{sum: sha256.New()}
	err := d.Dump(kind, nil, func(it store.Item) error {
		t.add(it)
		return ctx.Err()
	})
	return t.n, hex.EncodeToString(t.sum.Sum(nil)), err
}

// verify compares the count and hash of each kind on both sides, and prints the table.
func (m *migration) verify(ctx context.Context, out io.Writer) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tITEMS\tSHA-256\tOK")
	var bad []string
	for _, kind := range store.ItemKinds {
		n, sum, err := tallyKind(ctx, m.src, kind)
		if err != nil {
			return fmt.Errorf("verifying %s in the source: %w", kind, err)
		}
		dn, dsum, err := tallyKind(ctx, m.dst, kind)
		if err != nil {
			return fmt.Errorf("verifying %s in the destination: %w", kind, err)
		}
		ok := "ok"
		if n != dn || sum != dsum {
			ok = fmt.Sprintf("DIFFERS: the destination has %d items, %s", dn, dsum[:12])
			bad = append(bad, string(kind))
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", kind, n, sum[:12], ok)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(bad) > 0 {
		return fmt.Errorf("the copy differs from the source in %s", strings.Join(bad, ", "))
	}
	return nil
}
