package main

import (
	"crypto/rand"
	"fmt"
	"os"
	"strings"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"github.com/koble/koble/delivery"
)

// sayStale reports the files of interrupted runs a transaction removed.
func sayStale(g *globals, stale []string) {
	for _, s := range stale {
		g.say("koble: removed %s, left by an interrupted run", s)
	}
}

// sayDelivered prints where the manifest or the encrypted archive is, and
// its SHA-256, to be sent to the recipient by another channel.
func sayDelivered(g *globals, manifest, archive string) {
	path, what := manifest, "manifest"
	if archive != "" {
		path, what = archive, "encrypted delivery"
	}
	if sum, err := delivery.FileSHA256(path); err == nil {
		g.say("koble: %s %s, sha256 %s (send the hash by another channel; 'koble verify' checks it)", what, path, verbatim(sum))
	}
}

// encryptFlags are the flags that make a delivery one encrypted archive.
type encryptFlags struct {
	to, toFiles        []string
	passFile, passMode string
}

func (e *encryptFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringArrayVar(&e.to, "encrypt-to", nil, "deliver everything as one tar archive encrypted with age to this recipient (repeatable); the stock age and tar tools open it")
	fl.StringArrayVar(&e.toFiles, "encrypt-to-file", nil, "like --encrypt-to, with the recipients read from this file, one a line (repeatable)")
	fl.StringVar(&e.passFile, "encrypt-passphrase-file", "", "encrypt the delivery archive with the passphrase on this file's first line instead")
	fl.StringVar(&e.passMode, "encrypt-passphrase", "", "'generate': encrypt the delivery archive with a new passphrase, printed once on stderr to send by another channel")
}

// recipients returns the recipients the flags ask for, or none.
func (e *encryptFlags) recipients(g *globals) ([]age.Recipient, error) {
	var out []age.Recipient
	for _, v := range e.to {
		rs, err := age.ParseRecipients(strings.NewReader(v))
		if err != nil {
			return nil, usageError{notRecipient("--encrypt-to", v)}
		}
		out = append(out, rs...)
	}
	for _, f := range e.toFiles {
		fh, err := os.Open(f)
		if err != nil {
			return nil, fmt.Errorf("--encrypt-to-file: %w", err)
		}
		rs, err := age.ParseRecipients(fh)
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("--encrypt-to-file %s: not a file of age recipients (one a line; # comments)", f)
		}
		out = append(out, rs...)
	}
	pass, err := e.passphrase(g)
	if err != nil || pass == "" {
		return out, err
	}
	if len(out) > 0 {
		return nil, usagef("--encrypt-passphrase(-file) cannot be combined with --encrypt-to: age encrypts to a passphrase alone")
	}
	r, err := age.NewScryptRecipient(pass)
	if err != nil {
		return nil, err
	}
	return []age.Recipient{r}, nil
}

func (e *encryptFlags) passphrase(g *globals) (string, error) {
	switch {
	case e.passFile != "" && e.passMode != "":
		return "", usagef("give --encrypt-passphrase-file or --encrypt-passphrase generate, not both")
	case e.passFile != "":
		kf := keyFlags{passphraseFile: e.passFile}
		p, err := kf.passphrase(g, false, "the encrypted delivery")
		if err != nil {
			return "", fmt.Errorf("--encrypt-passphrase-file: %w", err)
		}
		return p, nil
	case e.passMode == "":
		return "", nil
	case e.passMode != "generate":
		return "", usagef("--encrypt-passphrase %q: the only value is 'generate' (or use --encrypt-passphrase-file FILE)", e.passMode)
	}
	p := newPassphrase()
	// Printed even with --quiet: it exists nowhere else.
	fmt.Fprintf(g.env.stderr, "koble: passphrase of the encrypted delivery (printed once, stored nowhere; send it by another channel): %s\n", p)
	return p, nil
}

// newPassphrase returns 130 random bits as 26 letters and digits in
// groups of five, easy to read aloud.
func newPassphrase() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789" // no l, o, 0, 1
	b := make([]byte, 26)
	rand.Read(b)
	var s strings.Builder
	for i, c := range b {
		if i > 0 && i%5 == 0 {
			s.WriteByte('-')
		}
		s.WriteByte(alphabet[c%32])
	}
	return s.String()
}
