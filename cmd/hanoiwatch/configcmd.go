package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"hanoiwatch/config"
	"hanoiwatch/watcher/render"
)

func (a *app) configCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Work with configuration files"}
	cmd.AddCommand(&cobra.Command{
		Use:   "validate FILE",
		Short: "Check a config file; every problem is reported with its file, line and field",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := config.Load(args[0])
			if err != nil {
				return err
			}
			if c.Renders() {
				// The file is valid, but it cannot run here.
				if _, err := render.Find(c.Browser.Path); err != nil {
					return fmt.Errorf("%s: render: browser needs Chromium: %w", args[0], err)
				}
			}
			fmt.Fprintf(a.out, "%s: ok (%d sources)\n", args[0], len(c.Sources))
			return nil
		},
	})
	return cmd
}
