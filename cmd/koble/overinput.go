package main

import (
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/koble/koble/delivery"
)

// outputFlags are the flags that name a file koble writes. Every other
// flag and argument that names an existing file is something koble reads:
// the data, and also the key, an identity, a passphrase file, a plan.
var outputFlags = map[string]bool{"out": true, "report": true, "quarantine": true, "unmatched": true, "ready-file": true}

// refuseOutputOnInput returns an error if a file a command would write is
// one it reads (the same path after links, or the same file under another
// name), whatever the command and with or without --overwrite: a report
// written over the project key, a quarantine file over the register. One
// check for every command, before it runs; the commands that read files
// named elsewhere (plans, convert's arguments) check those too.
func refuseOutputOnInput(cmd *cobra.Command, args []string) error {
	var ins, outs []delivery.Named
	cmd.Flags().Visit(func(f *pflag.Flag) {
		for _, v := range flagValues(f) {
			switch {
			case outputFlags[f.Name]:
				outs = append(outs, delivery.Named{Path: v, Flag: "--" + f.Name})
			case isFile(v):
				ins = append(ins, delivery.Named{Path: v, Flag: "--" + f.Name})
			}
		}
	})
	for _, a := range args {
		if isFile(a) {
			ins = append(ins, delivery.Named{Path: a, Flag: "argument"})
		}
	}
	if len(outs) == 0 || len(ins) == 0 {
		return nil
	}
	return delivery.RefuseInputs(ins, outs)
}

// isFile reports whether v names an existing regular file.
func isFile(v string) bool {
	if v == "" || v == "-" {
		return false
	}
	st, err := os.Stat(v)
	return err == nil && st.Mode().IsRegular()
}
