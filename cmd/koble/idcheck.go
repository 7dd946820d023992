package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/koble/koble/linkage"
	"github.com/koble/koble/pseudonym"
)

// schemeFlags choose and configure an identity scheme.
type schemeFlags struct {
	scheme         string
	allowSynthetic bool
	nav            bool
	legacyOnly     bool
	dkStrict       bool
	reference      string
}

func (s *schemeFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&s.scheme, "scheme", "no", "identity scheme: no, se, dk or fi")
	fl.BoolVar(&s.allowSynthetic, "allow-synthetic", false, "no: accept synthetic test numbers (Tenor; NAV with --nav)")
	fl.BoolVar(&s.nav, "nav", false, "no: read month + 40 as a NAV synthetic number, not an H-number")
	fl.BoolVar(&s.legacyOnly, "legacy-only", false, "no: refuse numbers valid only under the 2032 rule")
	fl.BoolVar(&s.dkStrict, "dk-require-checksum", false, "dk: treat a failed modulus-11 check as invalid")
	addReferenceFlag(fl, &s.reference)
}

// addReferenceFlag adds --reference-date, the one reference date of every
// scheme (birth dates after it are invalid; Sweden's 10-digit century).
func addReferenceFlag(fl *pflag.FlagSet, p *string) {
	fl.StringVar(p, "reference-date", "", "YYYY-MM-DD: a birth date after it is invalid (date-in-future); se: resolves 10-digit centuries (default: today)")
}

// referenceDate returns the date --reference-date gives, or today's.
func referenceDate(flagValue string) (pseudonym.Date, error) {
	if flagValue == "" {
		return pseudonym.DateOf(time.Now()), nil
	}
	d, err := pseudonym.ParseDate(flagValue)
	if err != nil {
		return d, usagef("--reference-date %q: want a date written YYYY-MM-DD", flagValue)
	}
	return d, nil
}

// loadPlan loads a plan; a --reference-date given replaces the plan's
// reference_date.
func loadPlan(path, ref string) (*linkage.Plan, error) {
	p, err := linkage.LoadPlan(path)
	if err != nil || ref == "" {
		return p, err
	}
	d, err := referenceDate(ref)
	if err != nil {
		return nil, err
	}
	p.SetReferenceDate(d)
	return p, nil
}

func (s *schemeFlags) build() (pseudonym.Scheme, error) {
	ref, err := referenceDate(s.reference)
	if err != nil {
		return nil, err
	}
	switch s.scheme {
	case "no":
		n := pseudonym.Norway{AllowSynthetic: s.allowSynthetic, LegacyOnly: s.legacyOnly, Reference: ref}
		if s.nav {
			n.Month40 = pseudonym.Month40SyntheticNAV
		}
		return n, nil
	case "se":
		return pseudonym.Sweden{Reference: ref}, nil
	case "dk":
		return pseudonym.Denmark{RequireChecksum: s.dkStrict, Reference: ref}, nil
	case "fi":
		return pseudonym.Finland{Reference: ref}, nil
	}
	return nil, usagef("unknown --scheme %q (want no, se, dk or fi)", s.scheme)
}

// IDCheckSummary counts the results of checking a column of IDs.
type idCheckSummary struct {
	reference    pseudonym.Date
	lines, valid int
	reasons      map[string]int
	kinds        map[string]int
	warnings     int
}

// maxIDLine is the longest line id check reads whole; a longer line is
// invalid (length) without being read into memory.
const maxIDLine = 64 << 10

// lineReader reads lines of at most maxIDLine bytes, and skips longer
// ones whole. A line ends at LF, CR LF or a lone CR (as some exports
// write), as koble's CSV reader reads them.
type lineReader struct {
	br     *bufio.Reader
	skipLF bool // the last line ended at CR: an LF right after it belongs to it
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, maxIDLine)}
}

// next returns the next line without its line end, or long for a line
// longer than maxIDLine, or nil and false at the end. The line is valid
// until the next call. It reads no further than the line's end needs,
// so that lines typed on a terminal are answered one by one.
func (l *lineReader) next() (line []byte, long bool, err error) {
	if l.skipLF {
		l.skipLF = false
		if b, _ := l.br.Peek(1); len(b) == 1 && b[0] == '\n' {
			_, _ = l.br.Discard(1)
		}
	}
	for {
		buf := l.buffered()
		if i := bytes.IndexAny(buf, "\r\n"); i >= 0 {
			l.skipLF = buf[i] == '\r'
			_, _ = l.br.Discard(i + 1)
			if long {
				return nil, true, nil
			}
			return buf[:i], false, nil
		}
		if len(buf) == maxIDLine {
			// No line end in a full buffer: a long line, read on.
			long = true
			_, _ = l.br.Discard(len(buf))
			continue
		}
		if _, err := l.br.Peek(len(buf) + 1); err == nil || bytes.ContainsAny(l.buffered(), "\r\n") {
			continue // more was read
		} else if err != io.EOF {
			return nil, false, err
		}
		// The end of the input: the last line has no line end.
		buf = l.buffered()
		_, _ = l.br.Discard(len(buf))
		switch {
		case long:
			return nil, true, nil
		case len(buf) > 0:
			return buf, false, nil
		}
		return nil, false, nil
	}
}

// buffered returns what the reader holds, unread.
func (l *lineReader) buffered() []byte {
	b, _ := l.br.Peek(l.br.Buffered())
	return b
}

// checkIDs reads one ID a line and writes, for each line, its number and
// verdict (never the ID). It returns the counts.
func checkIDs(r io.Reader, w io.Writer, scheme pseudonym.Scheme, perLine bool) (*idCheckSummary, error) {
	sum := &idCheckSummary{reference: pseudonym.ReferenceOf(scheme), reasons: map[string]int{}, kinds: map[string]int{}}
	lines := newLineReader(r)
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	for {
		line, long, err := lines.next()
		if err != nil {
			return sum, fmt.Errorf("line %d: %w", sum.lines+1, err)
		}
		if line == nil && !long {
			break
		}
		sum.lines++
		if long {
			// No ID is that long: the line's verdict, and on to the next.
			sum.reasons[pseudonym.ReasonLength.String()]++
			if perLine {
				fmt.Fprintf(bw, "%d\tinvalid\t%s\n", sum.lines, pseudonym.ReasonLength)
			}
			continue
		}
		id, reason := scheme.Parse(line)
		if reason != pseudonym.ReasonNone {
			sum.reasons[reason.String()]++
			if perLine {
				fmt.Fprintf(bw, "%d\tinvalid\t%s\n", sum.lines, reason)
			}
			continue
		}
		sum.valid++
		kind := id.Kind().String()
		if id.Scheme() != "no" && kind == "fnr" {
			kind = "birth-number"
		}
		sum.kinds[kind]++
		extra := ""
		if id.Warnings()&pseudonym.WarnChecksum != 0 {
			sum.warnings++
			extra = "\twarning:checksum"
		}
		if perLine {
			fmt.Fprintf(bw, "%d\tvalid\t%s%s\n", sum.lines, kind, extra)
		}
	}
	return sum, nil
}

func (s *idCheckSummary) print(w io.Writer) {
	fmt.Fprintf(w, "reference-date\t%s\n", s.reference)
	fmt.Fprintf(w, "lines\t%d\nvalid\t%d\ninvalid\t%d\n", s.lines, s.valid, s.lines-s.valid)
	for _, m := range []struct {
		prefix string
		counts map[string]int
	}{{"kind", s.kinds}, {"reason", s.reasons}} {
		keys := make([]string, 0, len(m.counts))
		for k := range m.counts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "%s:%s\t%d\n", m.prefix, k, m.counts[k])
		}
	}
	if s.warnings > 0 {
		fmt.Fprintf(w, "warning:checksum\t%d\n", s.warnings)
	}
}

func newIDCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "id", Short: "Check national identity numbers"}
	var sf schemeFlags
	var summary bool
	check := &cobra.Command{
		Use:   "check [FILE]",
		Short: "Validate a column of IDs, one a line",
		Long: `Read one national identity number a line (from FILE, or standard input) and
print, tab-separated, the line number, "valid" or "invalid", and the kind
(fnr, dnr, hnr, fh, synthetic-tenor, ...) or the reason (length, characters,
date, checksum, synthetic-not-allowed, date-in-future, ...): SPEC.md §1
lists them all. The IDs themselves are never printed. With --summary only
the counts, and the reference date birth dates were checked against
(--reference-date, default today). Exit code 0 whatever the verdicts; 1
only if the input cannot be read.`,
		Example: `  cut -d, -f1 npr.csv | tail -n +2 | koble id check --summary
  koble id check --scheme se ids.txt`,
		Args: maxArgs(1, "one FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			scheme, err := sf.build()
			if err != nil {
				return err
			}
			var in io.Reader = g.env.stdin
			name := "stdin"
			if len(args) == 1 && args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				in, name = f, args[0]
			}
			sum, err := checkIDs(in, g.env.stdout, scheme, !summary)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if summary {
				sum.print(g.env.stdout)
			}
			return nil
		},
	}
	sf.add(check)
	check.Flags().BoolVar(&summary, "summary", false, "print only the counts")
	cmd.AddCommand(check)
	return cmd
}
