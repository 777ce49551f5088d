package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func (a *app) archiveCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "archive",
		Short: "List the versions still owed to the Wayback Machine",
		Long: `Lists the Wayback Machine's queue (archive.wayback in the config): each version not yet
archived, with its attempts, its next attempt, Save Page Now's job while it runs, and the
last error; "dead" when its attempts ran out. An archived version leaves the queue as an
article.archived event. With --json, one job per line. The database is opened read-only;
stop the daemon first, or read a copy.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := a.openReadOnly("archive")
			if err != nil {
				return err
			}
			defer a.close()
			jobs, err := st.ArchiveJobs()
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(a.out)
				enc.SetEscapeHTML(false)
				for _, j := range jobs {
					if err := enc.Encode(j); err != nil {
						return err
					}
				}
				return nil
			}
			if len(jobs) == 0 {
				fmt.Fprintln(a.out, "The Wayback Machine's queue is empty.")
				return nil
			}
			tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "SOURCE\tSNAPSHOT\tSTATE\tATTEMPTS\tNEXT ATTEMPT\tLAST ERROR")
			for _, j := range jobs {
				state := "queued"
				switch {
				case j.Dead:
					state = "dead"
				case j.JobID != "":
					state = "running " + j.JobID
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", j.Source, j.Snapshot, state, j.Attempts,
					j.NextAttempt.Local().Format("2006-01-02 15:04:05"), truncate(j.LastError, 80))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON Lines")
	return cmd
}
