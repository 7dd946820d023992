package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/koble/koble/pseudonym"
)

// What is typed on koble's command line ends up in file names, in
// messages, reports and manifests, in the shell's history and in the
// process list that every user of the machine can read. A national ID or
// a secret has no place there: checkArgs refuses every flag value and
// argument that holds one, before the command runs, and without quoting
// it. One check for every command and every flag, so that no command can
// forget it: an output named by an ID, a serial column named by one, a
// key pasted where its file's path belongs.

// argFinder finds IDs in command-line values as the leak guard does
// (separators only where a written ID has them), so that dates, counts
// and paths pass.
var argFinder = pseudonym.NewFinder(pseudonym.LayoutDate)

// hashFlags take values koble printed itself (hashes, fingerprints, an
// OPRF public key): hex or base32 text that may hold a run of digits
// reading as an ID. A secret pasted into one is not echoed either.
var hashFlags = map[string]bool{"manifest-sha256": true, "fingerprint": true, "public-key": true}

// checkArgs returns a usage error naming the first flag or argument whose
// value holds a national ID or looks like a secret.
func checkArgs(cmd *cobra.Command, args []string) error {
	var err error
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if err != nil || hashFlags[f.Name] {
			return
		}
		for _, v := range flagValues(f) {
			if what := argProblem(v); what != "" {
				err = usagef("--%s: the value %s", f.Name, what)
				return
			}
		}
	})
	if err != nil {
		return err
	}
	for i, a := range args {
		if what := argProblem(a); what != "" {
			return usagef("argument %d: the value %s", i+1, what)
		}
	}
	return nil
}

// flagValues returns a flag's values: each of a repeatable flag's.
func flagValues(f *pflag.Flag) []string {
	if s, ok := f.Value.(pflag.SliceValue); ok {
		return s.GetSlice()
	}
	return []string{f.Value.String()}
}

// argProblem says what is wrong with a command-line value, or "". Of a
// path only what follows its longest existing folder is looked at for
// IDs: the existing folders are the system's (a temporary folder's random
// digits), the rest (the file, and the folders koble makes for it) is
// what koble reads or makes.
func argProblem(v string) string {
	named := v
	for dir := filepath.Dir(v); dir != "." && dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			named = strings.TrimPrefix(v[len(dir):], string(filepath.Separator))
			break
		}
	}
	switch {
	case argFinder.ContainsString(named):
		return "holds what reads as a national ID: koble takes no ID on its command line (it would end up in file names, reports, the shell history and the process list); rename the file or column"
	case looksLikeSecret(v):
		return "looks like a secret (an age identity or a key's hex digits): give secrets in files (--passphrase-file, --identity, --secret-file FILE), never on the command line"
	}
	return ""
}

// minSecretHex is the shortest run of hex digits taken for a key: a
// 128-bit secret.
const minSecretHex = 32

// looksLikeSecret reports whether v holds an age identity or a run of at
// least minSecretHex hex digits (koble's secrets are 64).
func looksLikeSecret(v string) bool {
	up := strings.ToUpper(v)
	if strings.Contains(up, "AGE-SECRET-KEY-") || strings.Contains(up, "AGE-PLUGIN-") {
		return true
	}
	run := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' {
			run++
			if run >= minSecretHex {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// secretsRedacted replaces every age identity in s: a message may quote
// a file's first line, and the redaction step of koble's output
// (redact.go) must hold no secret either.
func secretsRedacted(s string) string {
	up := strings.ToUpper(s)
	if !strings.Contains(up, "AGE-SECRET-KEY-") && !strings.Contains(up, "AGE-PLUGIN-") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(up, "AGE-SECRET-KEY-")
		if j := strings.Index(up, "AGE-PLUGIN-"); j >= 0 && (i < 0 || j < i) {
			i = j
		}
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := i
		for end < len(s) && (s[end] == '-' || s[end] >= '0' && s[end] <= '9' || s[end] >= 'A' && s[end] <= 'Z' || s[end] >= 'a' && s[end] <= 'z') {
			end++
		}
		fmt.Fprintf(&b, "%s[secret]", s[:i])
		s, up = s[end:], up[end:]
	}
}
