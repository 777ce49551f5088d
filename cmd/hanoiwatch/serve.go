package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"hanoiwatch/config"
	"hanoiwatch/watcher/store"
	"hanoiwatch/watcher/web"
)

func (a *app) serveCmd() *cobra.Command {
	var listen string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the dashboard and the JSON API on a database, without fetching",
		Long: `Opens the database read-only and serves the dashboard (sources, diffs, figures, events,
coverage, Atom feeds) and the JSON API, as ` + "`run`" + ` does, but checks nothing: use it to
browse a database, e.g. the one ` + "`hanoiwatch demo --db FILE`" + ` leaves behind. Checking now,
adding and removing sources are refused. The address is --listen, else http.listen of the
config (default 127.0.0.1:8787). Stops on SIGINT or SIGTERM.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.daemon = true // log at the configured level: the address it listens on is info
			tuneGC(serveGCPercent, serveMemoryLimit)
			if err := a.loadReadOnly(); err != nil {
				return err
			}
			defer a.close()
			if listen == "" {
				listen = a.cfg.HTTP.Listen
			}
			if listen == "" || listen == "off" {
				return errors.New("serve: http.listen is off in the config; give --listen HOST:PORT")
			}
			h, err := a.serveHandler()
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("serve: listen %s: %w", listen, err)
			}
			a.log.Info("serving the dashboard", "url", "http://"+ln.Addr().String()+"/", "db", a.store.Path())
			return serve(cmd.Context(), ln, h)
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "", "HOST:PORT to listen on (default: http.listen of the config, 127.0.0.1:8787)")
	return cmd
}

// serve's garbage collector, unless GOGC or GOMEMLIMIT say otherwise. The one-shot
// commands' 32 MiB soft limit is below what answering the figures board of a newsroom's
// database holds for a moment (2 000 sources' recorded figures): at that limit the
// collector ran all the time, and the board took 0.31 s, 0.2 s of it collecting. The
// soft limit stays under the 128 MiB a browsing server may take.
const (
	serveGCPercent   = 100
	serveMemoryLimit = 96 << 20
)

// loadReadOnly is load for serve: the same config and database, but opened read-only, so
// that browsing can never change it, and it must exist already.
func (a *app) loadReadOnly() error {
	db, err := a.configure()
	if err != nil {
		return err
	}
	s, err := db.open(store.Options{ReadOnly: true})
	if err != nil && db.driver == config.DriverBBolt {
		if _, serr := os.Stat(db.addr); serr != nil {
			return fmt.Errorf("serve: no database at %s (run `hanoiwatch check`, or `hanoiwatch demo --db %s`, first)", db, db)
		}
	}
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	return a.useStore(s)
}

// serveHandler is the dashboard and API on the open store: the read models and the
// outbox, with no daemon to take changes.
func (a *app) serveHandler() (http.Handler, error) {
	srv := &web.Server{Reports: a.service(), Outbox: a.store, Captures: a.store, Screenshots: a.store, Token: a.cfg.HTTP.Token, Log: a.log, Notice: a.notice(),
		Ready: func() error { return nil }}
	return srv.Handler(), nil
}

// serve serves h on ln until ctx ends, then lets requests under way finish.
func serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	<-done
	return nil
}
