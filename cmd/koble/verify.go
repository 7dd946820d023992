package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"github.com/koble/koble/delivery"
	"github.com/koble/koble/linkage"
)

func newVerifyCmd(g *globals) *cobra.Command {
	var kf keyFlags
	var opts linkage.VerifyOptions
	var expect, extract string
	cmd := &cobra.Command{
		Use:   "verify DELIVERY [--fingerprint FP] [--expect variables.toml]",
		Short: "Check a delivery against its manifest, the project's key and the variables applied for",
		Long: `Check a delivery as the researcher receives it. DELIVERY is its folder, one
manifest (*.manifest.json) or an encrypted delivery (*.tar.age, opened with
--identity or --passphrase-file).

Every file the manifest lists must be present with its size and SHA-256,
every data file with its rows and schema; no delivered column may be named
like a national ID or hold one (the leak guard, every Nordic scheme); with
--fingerprint the delivery must have been made with that project key;
with --expect (a TOML file: [SOURCE] tables with columns = [...], the
variables applied for) missing and unexpected columns are listed. What
was done to each file (serials, shifted, coarsened and relative dates,
columns delivered and dropped) is printed.

The manifest carries its own SHA-256, so any edit is seen; one that also
recomputes it is caught by comparing the manifest's SHA-256, printed here
and by the register, with one sent by another channel (--manifest-sha256).
Exit 0 only if everything holds.`,
		Example: `  koble verify delivery/ --fingerprint 3f9a... --expect variables.toml
  koble verify heart-and-cancer-2026.tar.age -i researcher.identity --extract delivery/`,
		Args: exactArgs(1, "DELIVERY"),
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			if expect != "" {
				if opts.Expect, err = linkage.ReadExpect(expect); err != nil {
					return err
				}
			}
			target := args[0]
			if isArchive(target) {
				dir, cleanup, err := openArchive(g, &kf, target, extract)
				if err != nil {
					return err
				}
				defer cleanup()
				target = dir
			} else if err := checkOrphans(cmd.Flags(),
				orphan{"extract", "an encrypted delivery (*.tar.age)", false},
				orphan{"identity", "an encrypted delivery (*.tar.age)", false},
				orphan{"passphrase-file", "an encrypted delivery (*.tar.age)", false},
				orphan{"identity-passphrase-file", "an encrypted delivery (*.tar.age)", false}); err != nil {
				return err
			}
			v, err := linkage.VerifyDelivery(target, opts)
			if err != nil {
				return err
			}
			printVerification(g.env.stdout, v)
			if !v.OK() {
				return fmt.Errorf("verify: %s does not match its manifest or what was expected (problems above)", args[0])
			}
			return nil
		},
	}
	kf.add(cmd)
	fl := cmd.Flags()
	fl.StringVar(&opts.Fingerprint, "fingerprint", "", "the project key's fingerprint the delivery must carry ('koble key info' prints it)")
	fl.StringVar(&opts.ManifestSHA256, "manifest-sha256", "", "the manifest's SHA-256 as sent by another channel")
	fl.StringVar(&expect, "expect", "", "TOML file of the variables applied for: [SOURCE] tables with columns = [...]")
	fl.StringVar(&extract, "extract", "", "encrypted delivery: extract it into this (empty or new) folder and keep it")
	return cmd
}

// isArchive says whether path is an encrypted delivery.
func isArchive(path string) bool {
	if strings.HasSuffix(path, delivery.ArchiveSuffix) {
		return true
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head, _ := bufio.NewReader(f).Peek(len("age-encryption.org/"))
	return string(head) == "age-encryption.org/"
}

// openArchive decrypts an encrypted delivery into dir (made if needed and
// kept), or into a private temporary folder beside it that cleanup
// removes.
func openArchive(g *globals, kf *keyFlags, path, dir string) (string, func(), error) {
	ids, err := kf.identities(g)
	if err != nil {
		return "", nil, err
	}
	if kf.passphraseFile != "" {
		pass, err := kf.passphrase(g, false, path)
		if err != nil {
			return "", nil, err
		}
		id, err := age.NewScryptIdentity(pass)
		if err != nil {
			return "", nil, err
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return "", nil, usagef("%s is encrypted: give --identity FILE or --passphrase-file FILE", path)
	}
	cleanup := func() {}
	if dir == "" {
		if dir, err = os.MkdirTemp(filepath.Dir(path), ".koble-verify-"); err != nil {
			return "", nil, err
		}
		cleanup = func() { os.RemoveAll(dir) }
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, fmt.Errorf("--extract: %w", err)
	}
	if err := delivery.Extract(path, dir, ids...); err != nil {
		cleanup()
		return "", nil, err
	}
	return dir, cleanup, nil
}

func printVerification(w io.Writer, v *linkage.Verification) {
	for _, c := range v.Checks {
		fmt.Fprintf(w, "manifest %s\n  sha256 %s\n", filepath.Base(c.Path), verbatim(c.SHA256))
		if m := c.Manifest; m != nil {
			fmt.Fprintf(w, "  project %s, key fingerprint %s, plan fingerprint %s, made by %s\n", orNone(m.Project), orNone(m.KeyFingerprint), orNone(m.PlanFingerprint), m.Tool)
			if m.ReferenceDate != "" {
				fmt.Fprintf(w, "  reference date %s\n", m.ReferenceDate)
			}
			for _, f := range m.Files {
				printFile(w, f)
			}
		}
		for _, p := range c.Problems {
			fmt.Fprintf(w, "  PROBLEM: %s\n", p)
		}
	}
	for _, p := range v.Problems {
		fmt.Fprintf(w, "PROBLEM: %s\n", p)
	}
	for _, p := range v.Warnings {
		fmt.Fprintf(w, "warning: %s\n", p)
	}
	if v.OK() {
		fmt.Fprintln(w, "delivery verified: every file as its manifest says")
	}
}

func printFile(w io.Writer, f delivery.File) {
	fmt.Fprintf(w, "  %-32s %-11s %12d bytes", f.Name, f.Role, f.Size)
	if f.Rows != nil {
		fmt.Fprintf(w, ", %d rows, %d columns", *f.Rows, len(f.Schema))
	}
	fmt.Fprintln(w)
	d := f.Done
	if d == nil {
		return
	}
	if d.Source != "" {
		fmt.Fprintf(w, "      source %s (%s)\n", d.Source, orNone(d.Register))
	}
	fmt.Fprintf(w, "      serial %q (%s) in place of %q (%s IDs); %d rows read, %d quarantined", d.SerialColumn, d.SerialEncoding, d.IDColumn, d.IDScheme, d.RowsRead, d.RowsQuarantine)
	if d.RowsNotSample > 0 {
		fmt.Fprintf(w, ", %d not in the sample", d.RowsNotSample)
	}
	fmt.Fprintln(w)
	if len(d.Shifted) > 0 {
		fmt.Fprintf(w, "      dates shifted per person by up to %d days: %s (weekday kept: %v)\n", d.Window, strings.Join(d.Shifted, ", "), d.KeepWeekday)
	}
	if len(d.Unshifted) > 0 {
		fmt.Fprintf(w, "      dates delivered unshifted, as the register chose: %s\n", strings.Join(d.Unshifted, ", "))
	}
	for _, kv := range sortedPairs(d.Relative) {
		fmt.Fprintf(w, "      relative: %s in days since %s\n", kv[0], kv[1])
	}
	for _, kv := range sortedPairs(d.Coarsened) {
		fmt.Fprintf(w, "      coarsened: %s to %s\n", kv[0], kv[1])
	}
	fmt.Fprintf(w, "      columns delivered: %s\n", strings.Join(d.Delivered, ", "))
	if len(d.Dropped) > 0 {
		fmt.Fprintf(w, "      columns dropped: %s\n", strings.Join(d.Dropped, ", "))
	}
	if len(d.Allowed) > 0 {
		fmt.Fprintf(w, "      let through the leak guard: %s\n", strings.Join(d.Allowed, ", "))
	}
}

func sortedPairs(m map[string]string) [][2]string {
	out := make([][2]string, 0, len(m))
	for k, v := range m {
		out = append(out, [2]string{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
