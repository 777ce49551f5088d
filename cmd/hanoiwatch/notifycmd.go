package main

import (
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"hanoiwatch/config"
	"hanoiwatch/notify"
)

func (a *app) notifyCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "notify", Short: "Work with notification endpoints"}
	cmd.AddCommand(&cobra.Command{
		Use:   "test [ENDPOINT]",
		Short: "Send a sample event to one or all endpoints and print each receiver's answer",
		Long: `Sends a sample article.changed event (the signatories of the Convention going from 65
to 72 in a VTV article, with a fresh id) to the named endpoint, or to every endpoint of
notify.endpoints, once, and prints what each answered. It bypasses the outbox and the
endpoints' filters, and does not open the database, so it works while the daemon runs.
The exit code is non-zero when an endpoint did not accept the event.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg := config.Default()
			if a.cfgPath != "" {
				c, err := config.Load(a.cfgPath)
				if err != nil {
					return err
				}
				cfg = c
			}
			senders, err := notify.Senders(cfg)
			if err != nil {
				return err
			}
			if len(senders) == 0 {
				return errors.New("notify test: no endpoints: add them under notify.endpoints in the config file (--config)")
			}
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			names, err := notify.Pick(senders, name)
			if err != nil {
				return err
			}
			e := notify.SampleEvent(time.Now())
			fmt.Fprintf(a.errOut, "sending a sample %s of %s (signatories 65 → 72), id %s\n", e.Type, e.Source.Name, e.ID)
			tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ENDPOINT\tKIND\tTARGET\tRESULT\tTIME\tANSWER")
			failed := 0
			for _, n := range names {
				ans := notify.Probe(cmd.Context(), n, senders[n], e, cfg.Notify.Timeout)
				result, answer := "ok", truncate(ans.Body, 80)
				if ans.Status != 0 {
					result = fmt.Sprintf("HTTP %d", ans.Status)
				}
				if ans.Err != nil {
					failed++
					result = "FAILED"
					if ans.Status != 0 {
						result = fmt.Sprintf("FAILED (HTTP %d)", ans.Status)
					}
					answer = truncate(ans.Err.Error(), 120)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", n, ans.Kind, ans.Target, result, ans.Took.Round(time.Millisecond), answer)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if failed > 0 {
				return fmt.Errorf("notify test: %d of %d endpoints did not accept the event", failed, len(names))
			}
			return nil
		},
	})
	return cmd
}
