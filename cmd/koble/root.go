package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// env is what a command may touch outside its flags: tests replace it.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// usageError marks an error as the user's wrong use of the command line
// (exit code 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// globals are the flags every command has.
type globals struct {
	quiet bool
	env   env // stdout and stderr redact every national ID (redact.go)
	// generated prints values koble made itself that the user must copy
	// exactly (tokens, recipients, public keys) on stdout, unredacted.
	generated io.Writer
}

// run runs koble with args and returns the exit code. Errors are printed
// once, on stderr, as "koble: error: ...".
func run(args []string, e env) (code int) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return runContext(ctx, args, e)
}

// runContext is run until ctx ends: tests stop a 'koble serve' so.
func runContext(ctx context.Context, args []string, e env) (code int) {
	stdout, stderr := newRedactWriter(e.stdout), newRedactWriter(e.stderr)
	defer stdout.Flush()
	defer stderr.Flush()
	// A panic on the command's goroutine is reported like any error,
	// redacted, instead of by the runtime, which would print its value
	// (perhaps a value read from the input) as it is.
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "koble: internal error: %v\n%s", r, debug.Stack())
			code = exitFailure
		}
	}()
	e.stdout, e.stderr = stdout, stderr
	g := &globals{env: e, generated: rawWriter{stdout}}
	root := newRoot(g)
	root.SetArgs(args)
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(e.stderr, "koble: error: %s\n", strings.TrimPrefix(err.Error(), "koble: "))
	var hint interface{ Hint() string }
	if errors.As(err, &hint) && hint.Hint() != "" {
		fmt.Fprintf(e.stderr, "koble: hint: %s\n", hint.Hint())
	}
	var ue usageError
	if errors.As(err, &ue) || isCobraUsageError(err) {
		fmt.Fprintf(e.stderr, "koble: hint: run '%s --help' for usage\n", commandPath(root, args))
		return exitUsage
	}
	return exitFailure
}

// isCobraUsageError recognises the errors cobra makes itself for unknown
// commands and bad arguments.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "requires at most", "required flag", "invalid argument", "flag needs an argument"} {
		if strings.HasPrefix(msg, p) || strings.Contains(msg, " "+p) {
			return true
		}
	}
	return false
}

func commandPath(root *cobra.Command, args []string) string {
	cmd, _, err := root.Find(args)
	if err != nil {
		return "koble"
	}
	return cmd.CommandPath()
}

func newRoot(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "koble",
		Short: "Private record linkage of national health registers",
		Long: `koble links national health registers without revealing who is who.

It replaces national identity numbers with project-specific serial numbers
(keyed HMAC: the same person gets the same serial in every source of a
project, and unlinkable serials across projects), shifts dates per person so
that every interval stays exact, and streams CSV, Parquet and Arrow at the
scale of a whole population.

Start with 'koble demo' to see a whole project run on generated data.`,
		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{HiddenDefaultCmd: true},
	}
	root.PersistentFlags().BoolVarP(&g.quiet, "quiet", "q", false, "print nothing but errors")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if err := checkArgs(cmd, args); err != nil {
			return err
		}
		if err := refuseOutputOnInput(cmd, args); err != nil {
			return err
		}
		if f := cmd.Flags().Lookup("workers"); f != nil && f.Changed {
			n, err := strconv.Atoi(f.Value.String())
			if err != nil || n < 1 {
				return usagef("--workers must be at least 1")
			}
			useCores(n)
		}
		return nil
	}
	root.AddCommand(
		newVersionCmd(g),
		newSynthCmd(g),
		newDemoCmd(g),
		newConvertCmd(g),
		newInspectCmd(g),
		newKeygenCmd(g),
		newKeyCmd(g),
		newIDCmd(g),
		newPrepareCmd(g),
		newPlanCmd(g),
		newLinkCmd(g),
		newPseudoregCmd(g),
		newVerifyCmd(g),
		newRiskCmd(g),
		newServeCmd(g),
		newAuditCmd(g),
	)
	return root
}

// say prints a line on stderr unless --quiet.
func (g *globals) say(format string, args ...any) {
	if !g.quiet {
		fmt.Fprintf(g.env.stderr, format+"\n", args...)
	}
}

// exactArgs is cobra.ExactArgs with a usage error.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("expected %s, got %d argument(s)", what, len(args))
		}
		return nil
	}
}

// maxArgs is cobra.MaximumNArgs with a usage error.
func maxArgs(n int, what string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) > n {
			return usagef("expected at most %s, got %d arguments", what, len(args))
		}
		return nil
	}
}

// workersHelp is the help of every --workers flag.
const workersHelp = "cores to use: this many goroutines read, transform and write (default: all cores)"

// useCores makes the process run on at most n cores, as --workers asks:
// the reading, transforming and writing goroutines, and the runtime's own
// work (the garbage collector), share them. A register manager on a
// shared server can so keep koble to its share; the output is the same
// for every n.
func useCores(n int) {
	if n < runtime.GOMAXPROCS(0) {
		runtime.GOMAXPROCS(n)
	}
}

// minArgs is cobra.MinimumNArgs with a usage error.
func minArgs(n int, what string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) < n {
			return usagef("expected at least %d %s, got %d", n, what, len(args))
		}
		return nil
	}
}
