package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"hanoiwatch/config"
	"hanoiwatch/watcher/store"
	"hanoiwatch/watcher/store/postgres"
)

// database says where the data is: a bbolt file, or a PostgreSQL database (addr is then
// its connection string).
type database struct {
	driver string // config.DriverBBolt or config.DriverPostgres
	addr   string
}

// databaseAt reads a --db or $HANOIWATCH_DB value: a postgres:// (or postgresql://)
// address names a PostgreSQL database, anything else a bbolt file.
func databaseAt(v string) database {
	if strings.HasPrefix(v, "postgres://") || strings.HasPrefix(v, "postgresql://") {
		return database{config.DriverPostgres, v}
	}
	return database{config.DriverBBolt, v}
}

// String is the location for messages, without a password.
func (d database) String() string {
	if d.driver == config.DriverPostgres {
		return postgres.Redact(d.addr)
	}
	return d.addr
}

// connectTimeout bounds the connection to PostgreSQL and the schema's migration at open.
const connectTimeout = 30 * time.Second

// open opens the database. A read-only open must find it made already: a bbolt file that
// exists, a PostgreSQL database whose schema is this binary's.
func (d database) open(opt store.Options) (store.DB, error) {
	if d.driver == config.DriverPostgres {
		ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
		defer cancel()
		return postgres.Open(ctx, d.addr, opt)
	}
	if opt.ReadOnly {
		if _, err := os.Stat(d.addr); err != nil {
			return nil, fmt.Errorf("no database at %s", d.addr)
		}
	}
	return store.Open(d.addr, opt)
}
