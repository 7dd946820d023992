package main

import (
	"github.com/spf13/pflag"

	"github.com/koble/koble/formats"
)

// An orphan rule: flag does something only together with needs; given
// alone, it would be ignored without a word, so it is a usage error.
type orphan struct {
	flag, needs string
	with        bool // whether what the flag needs is there
}

// checkOrphans fails with a usage error (exit 2) naming the first flag
// that was given without what it needs, and the flag that fixes it.
func checkOrphans(fl *pflag.FlagSet, rules ...orphan) error {
	for _, r := range rules {
		if fl.Changed(r.flag) && !r.with {
			return usagef("--%s does nothing without %s: add %s, or leave --%s out", r.flag, r.needs, r.needs, r.flag)
		}
	}
	return nil
}

// outFormat is the format an output path will be written in, or
// FormatUnknown for standard output or an unknown extension.
func outFormat(path string) formats.Format {
	f, err := formats.FormatFromPath(path)
	if err != nil {
		return formats.FormatUnknown
	}
	return f
}
