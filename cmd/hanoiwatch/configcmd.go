package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"hanoiwatch/config"
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
			fmt.Fprintf(a.out, "%s: ok (%d sources)\n", args[0], len(c.Sources))
			return nil
		},
	})
	return cmd
}
