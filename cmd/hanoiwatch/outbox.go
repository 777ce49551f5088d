package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"hanoiwatch/watcher"
	"hanoiwatch/watcher/web"
)

func (a *app) outboxCmd() *cobra.Command {
	var dead, pending, asJSON bool
	cmd := &cobra.Command{
		Use:   "outbox",
		Short: "List the notifications still owed: pending and dead deliveries",
		Long: `Lists the deliveries in the outbox: pending ones (waiting for their endpoint, or for
their next attempt after a failure) and dead ones (refused, out of attempts, or for an
endpoint that answered 410 Gone). Endpoints marked gone are listed after the table.
"hanoiwatch outbox retry" puts dead deliveries back in their queue.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var state watcher.DeliveryState // both: ""
			switch {
			case dead && pending:
			case dead:
				state = watcher.DeliveryDead
			case pending:
				state = watcher.DeliveryPending
			}
			if err := a.open(); err != nil {
				return err
			}
			defer a.close()
			ob := a.outbox()
			ds, err := ob.Deliveries(state)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(a.out)
				enc.SetEscapeHTML(false)
				for _, d := range ds {
					if err := enc.Encode(d); err != nil {
						return err
					}
				}
				return nil
			}
			counts := map[watcher.DeliveryState]int{}
			tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tENDPOINT\tSTATE\tEVENT\tSOURCE\tATTEMPTS\tNEXT ATTEMPT\tLAST ERROR")
			for _, d := range ds {
				counts[d.State]++
				next := "-"
				switch {
				case d.State != watcher.DeliveryPending:
				case !d.NextAttempt.After(time.Now()):
					next = "now"
				default:
					// To the second: the first retries come seconds apart.
					next = d.NextAttempt.Local().Format("2006-01-02 15:04:05")
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", d.ID, d.Endpoint, d.State, d.Event.Type,
					d.Event.Source.Name, d.Attempts, next, truncate(d.LastError, 100))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "%d pending, %d dead\n", counts[watcher.DeliveryPending], counts[watcher.DeliveryDead])
			gone, err := ob.GoneEndpoints()
			if err != nil {
				return err
			}
			names := make([]string, 0, len(gone))
			for n := range gone {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				fmt.Fprintf(a.out, "endpoint %s is gone since %s (%s): nothing is sent to it; once fixed, run `hanoiwatch outbox retry --all`\n",
					n, stamp(gone[n].Since), truncate(gone[n].Reason, 100))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&dead, "dead", false, "dead deliveries only")
	cmd.Flags().BoolVar(&pending, "pending", false, "pending deliveries only")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the deliveries as JSON Lines")
	cmd.AddCommand(a.outboxRetryCmd())
	return cmd
}

func (a *app) outboxRetryCmd() *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "retry [ID | --all]",
		Short: "Re-queue a dead delivery (or all), or make a pending one due now",
		Long: `Puts a dead delivery back at the end of its endpoint's queue with its attempts reset,
or makes a pending one due now instead of at its next attempt; ID is the delivery's id
as "hanoiwatch outbox" lists it, or the start of it. --all does so for every delivery.
Re-queueing a delivery of an endpoint marked gone clears the mark. The deliveries go out
at the next "check" or, with the daemon, within a second.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if all == (len(args) == 1) {
				return errors.New("outbox retry: give a delivery ID or --all")
			}
			if err := a.open(); err != nil {
				return err
			}
			defer a.close()
			if a.remote != nil {
				r, err := a.remote.Requeue(strings.Join(args, ""), all)
				if err != nil {
					return fmt.Errorf("outbox retry: %w", err)
				}
				if d := r.Delivery; d != nil {
					fmt.Fprintf(a.out, "re-queued %s (%s %s for %s) through the running daemon\n", d.ID, d.Event.Type, d.Event.Source.Name, d.Endpoint)
				} else {
					fmt.Fprintf(a.out, "re-queued %d dead deliveries; %d pending made due now (through the running daemon)\n", r.Dead, r.Pending)
				}
				return nil
			}
			if all {
				dead, pending, err := a.store.RequeueAll()
				if err != nil {
					return err
				}
				fmt.Fprintf(a.out, "re-queued %d dead deliveries; %d pending made due now\n", dead, pending)
				return nil
			}
			d, err := a.store.Requeue(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "re-queued %s (%s %s for %s)\n", d.ID, d.Event.Type, d.Event.Source.Name, d.Endpoint)
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "every dead and pending delivery")
	return cmd
}

// outbox is where the outbox is read: the store, or the daemon's API.
func (a *app) outbox() web.Outbox {
	if a.remote != nil {
		return a.remote
	}
	return a.store
}
