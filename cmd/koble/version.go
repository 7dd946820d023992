package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// versionInfo describes the running binary from its build information.
func versionInfo() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "koble (unknown version: no build information)"
	}
	version := bi.Main.Version
	if version == "" || version == "(devel)" {
		version = "devel"
	}
	s := "koble " + version
	var rev, when, modified string
	for _, kv := range bi.Settings {
		switch kv.Key {
		case "vcs.revision":
			rev = kv.Value
		case "vcs.time":
			when = kv.Value
		case "vcs.modified":
			if kv.Value == "true" {
				modified = " (modified)"
			}
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		s += " commit " + rev + modified
		if when != "" {
			s += " " + when
		}
	} else {
		s += " commit unknown"
	}
	return s + " " + bi.GoVersion
}

// toolVersion is the short form recorded in output metadata.
func toolVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return "koble " + bi.Main.Version
	}
	return "koble devel"
}

func newVersionCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print koble's version, commit and Go version",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(g.env.stdout, versionInfo())
			return nil
		},
	}
}
