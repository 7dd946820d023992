package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/pseudonym/oprf"
)

// passphraseEnv is the environment variable a passphrase may come from, for
// scripted runs. A terminal prompt is safer: environments leak into logs.
const passphraseEnv = "KOBLE_PASSPHRASE"

// keyFlags says how to unlock a key file.
type keyFlags struct {
	passphraseFile   string
	identityFiles    []string
	identityPassFile string
	ids              []age.Identity // the identity files, once read
}

func (k *keyFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&k.passphraseFile, "passphrase-file", "", "read the key file's passphrase from the first line of this file")
	cmd.Flags().StringArrayVarP(&k.identityFiles, "identity", "i", nil, "age identity file that opens the key file or the files sent to this party (repeatable)")
	cmd.Flags().StringVar(&k.identityPassFile, "identity-passphrase-file", "", "read the passphrase of encrypted --identity files from this file, when it is not the key file's (--passphrase-file)")
}

// hintError carries a hint printed after the error.
type hintError struct {
	err  error
	hint string
}

func (e hintError) Error() string { return e.err.Error() }
func (e hintError) Unwrap() error { return e.err }
func (e hintError) Hint() string  { return e.hint }

// passphrase returns the passphrase of file (the key or identity file to
// open or create) from --passphrase-file, the environment, or a terminal
// prompt (twice if confirm).
func (k *keyFlags) passphrase(g *globals, confirm bool, file string) (string, error) {
	if k.passphraseFile != "" {
		return readPassphraseFile("--passphrase-file", k.passphraseFile)
	}
	if p, ok := os.LookupEnv(passphraseEnv); ok && p != "" {
		return p, nil
	}
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil || !term.IsTerminal(int(tty.Fd())) {
		return "", hintError{fmt.Errorf("%s: a passphrase is needed and there is no terminal to ask on", file),
			"give --passphrase-file FILE, set " + passphraseEnv + ", or use --identity / --recipient"}
	}
	defer tty.Close()
	read := func(prompt string) (string, error) {
		prompt = strings.Replace(prompt, "passphrase", "passphrase of "+file, 1)
		fmt.Fprint(tty, prompt)
		b, err := term.ReadPassword(int(tty.Fd()))
		fmt.Fprintln(tty)
		return string(b), err
	}
	p, err := read("koble: passphrase: ")
	if err != nil {
		return "", err
	}
	if p == "" {
		return "", errors.New("empty passphrase")
	}
	if confirm {
		again, err := read("koble: passphrase again: ")
		if err != nil {
			return "", err
		}
		if again != p {
			return "", errors.New("the passphrases differ")
		}
	}
	return p, nil
}

// readPassphraseFile returns the first line of path, given with flag.
func readPassphraseFile(flag, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", flag, err)
	}
	defer f.Close()
	line, err := bufio.NewReader(io.LimitReader(f, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("%s %s: %w", flag, path, err)
	}
	p := strings.TrimRight(line, "\r\n")
	if p == "" {
		return "", fmt.Errorf("%s %s: the first line is empty", flag, path)
	}
	return p, nil
}

// open decrypts and parses the key file at path.
func (k *keyFlags) open(g *globals, path string) (*pseudonym.Key, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	defer f.Close()
	ids, err := k.unlock(g, path)
	if err != nil {
		return nil, err
	}
	key, err := pseudonym.ReadKeyFile(f, ids...)
	switch {
	case errors.Is(err, pseudonym.ErrRawSecret):
		return nil, hintError{fmt.Errorf("%s: %w", path, err),
			"a bare secret must be wrapped in an encrypted key file first: koble keygen --project NAME --secret-file " + path + " --out NAME.key"}
	case errors.Is(err, pseudonym.ErrNotEncrypted), errors.Is(err, pseudonym.ErrKeyFileFormat):
		return nil, hintError{fmt.Errorf("%s: %w", path, err), "a key file is made by 'koble keygen'"}
	case err != nil:
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}

// unlock returns the identities that open the file at path: the
// passphrase's if the file is encrypted to a passphrase (so that a
// passphrase-protected project key opens beside the --identity that
// opens a party's files), else the --identity files, or else the
// passphrase's.
func (k *keyFlags) unlock(g *globals, path string) ([]age.Identity, error) {
	encrypted, scrypt := ageHeader(path)
	if !scrypt {
		ids, err := k.identities(g)
		if err != nil || len(ids) > 0 {
			return ids, err
		}
	}
	if !encrypted {
		// Not an age file (a bare hex secret, plain text, nothing): no
		// passphrase opens it, so none is asked for; its reader says
		// what the file is instead.
		return nil, nil
	}
	pass, err := k.passphrase(g, false, path)
	if err != nil {
		return nil, err
	}
	id, err := age.NewScryptIdentity(pass)
	if err != nil {
		return nil, err
	}
	return []age.Identity{id}, nil
}

func newKeygenCmd(g *globals) *cobra.Command {
	var kf keyFlags
	var project, out string
	var recipients []string
	var recipientFiles []string
	var identity bool
	var secretFile string
	cmd := &cobra.Command{
		Use:   "keygen --project NAME --out FILE",
		Short: "Make a new project key, encrypted at rest",
		Long: `Make a new project key: 32 random bytes from which every serial, date shift
and ordering of the project derives. The key file is encrypted with age, to
a passphrase (asked on the terminal, or --passphrase-file, or $KOBLE_PASSPHRASE)
or to age recipients (--recipient; hybrid post-quantum "age1pq1..." recipients
are recommended for data that must stay confidential for decades). The file
is created with mode 0600 and never replaces an existing one.

Share the printed fingerprint with every source of the project: each can
check with 'koble key info' that it holds the same key.

With --identity, make a party's age identity instead (for the pseudonymous-
register flow: sample definer, pseudonym administrator, register): a hybrid
post-quantum identity written encrypted with a passphrase, and its
recipient printed, which is safe to publish.`,
		Example: `  koble keygen --project cancer-2026 --out cancer-2026.key
  koble keygen --project cancer-2026 --out cancer-2026.key --recipient age1pq1...
  koble keygen --identity --out administrator.identity`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if identity {
				if out == "" {
					return usagef("--out is required: the identity file to create")
				}
				pass, err := kf.passphrase(g, true, out)
				if err != nil {
					return err
				}
				rcpt, err := writeIdentity(out, pass)
				if err != nil {
					return err
				}
				fmt.Fprintf(g.env.stdout, "identity:  %s (encrypted with the passphrase)\n", out)
				fmt.Fprintf(g.generated, "recipient: %s\n", rcpt)
				return nil
			}
			if project == "" || out == "" {
				return usagef("--project and --out are required")
			}
			rcpts, err := recipientsFrom("--recipient", recipients, "--recipients-file", recipientFiles)
			if err != nil {
				return err
			}
			if len(rcpts) == 0 {
				pass, err := kf.passphrase(g, true, out)
				if err != nil {
					return err
				}
				r, err := age.NewScryptRecipient(pass)
				if err != nil {
					return err
				}
				rcpts = append(rcpts, r)
			}
			var key *pseudonym.Key
			if secretFile != "" {
				// An existing secret (a register's pseudonym key being
				// brought under koble, or synth's synthetic one).
				raw, err := os.ReadFile(secretFile)
				if err != nil {
					return fmt.Errorf("secret file: %w", err)
				}
				secret, err := hex.DecodeString(strings.TrimSpace(string(raw)))
				if err != nil {
					return fmt.Errorf("secret file %s: not 64 hex digits", secretFile)
				}
				key, err = pseudonym.NewKey(project, secret, time.Now())
				clear(secret)
				if err != nil {
					return fmt.Errorf("secret file %s: %w", secretFile, err)
				}
				warnSharedSecret(g, secretFile, key)
			} else {
				var err error
				if key, err = pseudonym.GenerateKey(rand.Reader, project, time.Now()); err != nil {
					return err
				}
			}
			defer key.Close()
			if err := createKeyFile(out, key, rcpts); err != nil {
				return err
			}
			fmt.Fprintf(g.env.stdout, "project:     %s\nkey file:    %s\nfingerprint: %s\n", key.Project(), out, verbatim(key.Fingerprint()))
			return nil
		},
	}
	cmd.Flags().StringVar(&secretFile, "secret-file", "", "import an existing secret (64 hex digits) instead of generating one")
	cmd.Flags().BoolVar(&identity, "identity", false, "make a party's age identity instead (hybrid post-quantum, encrypted at rest with a passphrase) and print its recipient")
	cmd.Flags().StringVar(&project, "project", "", "project name, stored in the key file")
	cmd.Flags().StringVarP(&out, "out", "o", "", "key file to create")
	cmd.Flags().StringArrayVarP(&recipients, "recipient", "r", nil, "encrypt to this age recipient instead of a passphrase (repeatable)")
	cmd.Flags().StringArrayVarP(&recipientFiles, "recipients-file", "R", nil, "encrypt to the age recipients listed in this file (repeatable)")
	cmd.Flags().StringVar(&kf.passphraseFile, "passphrase-file", "", "read the new passphrase from the first line of this file")
	return cmd
}

func newKeyCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Look at project keys",
	}
	var kf keyFlags
	info := &cobra.Command{
		Use:   "info KEYFILE",
		Short: "Print a key's project, format, fingerprint and OPRF public key",
		Long: `Open a key file and print its project, format, creation time,
fingerprint and OPRF public key. The fingerprint is safe to share: every
party of a project compares it to confirm they hold the same key, without
revealing it. The OPRF public key is what sources that obtain serials from
'koble serve' pin (--public-key) to check every answer.`,
		Args: exactArgs(1, "KEYFILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, err := kf.open(g, args[0])
			if err != nil {
				return err
			}
			defer key.Close()
			srv, err := oprf.NewServer(key)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.env.stdout, "project:     %s\nformat:      koble key file v1 (age-encrypted)\ncreated:     %s\n",
				key.Project(), key.Created().Format(time.RFC3339))
			fmt.Fprintf(g.generated, "fingerprint: %s\noprf public key: %s\n", key.Fingerprint(), srv.PublicKey())
			return nil
		},
	}
	kf.add(info)
	cmd.AddCommand(info, newKeyExportCmd(g), newKeyRecipientCmd(g))
	return cmd
}

// createKeyFile writes key to a new file at path, encrypted to rcpts:
// O_EXCL so that no key is ever replaced, mode 0600 so that only its owner
// reads it. A failed write leaves no file.
func createKeyFile(path string, key *pseudonym.Key, rcpts []age.Recipient) error {
	return createSecretFile(path, func(w io.Writer) error { return pseudonym.WriteKeyFile(w, key, rcpts...) })
}

// createSecretFile creates path with O_EXCL and mode 0600, writes it with
// write and syncs it. A failed write leaves no file.
func createSecretFile(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err // names the path
	}
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// identities loads the --identity files. An identity file may itself be
// encrypted at rest (as 'koble keygen --identity' writes it): it is then
// decrypted with the passphrase first.
func (k *keyFlags) identities(g *globals) ([]age.Identity, error) {
	if k.ids != nil || len(k.identityFiles) == 0 {
		return k.ids, nil
	}
	var ids []age.Identity
	for _, p := range k.identityFiles {
		raw, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("identity file: %w", err)
		}
		if strings.HasPrefix(string(raw), armor.Header) || strings.HasPrefix(string(raw), "age-encryption.org/") {
			pass, err := k.identityPassphrase(g, p)
			if err != nil {
				return nil, fmt.Errorf("identity file %s is encrypted: %w", p, err)
			}
			sid, err := age.NewScryptIdentity(pass)
			if err != nil {
				return nil, err
			}
			dr, err := pseudonym.Decrypt(bytes.NewReader(raw), "identity file", sid)
			if err != nil && k.identityPassFile == "" && k.passphraseFile != "" {
				return nil, hintError{fmt.Errorf("%s: %w", p, err),
					"--passphrase-file opens the key file; give the identity's own passphrase with --identity-passphrase-file FILE"}
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			if raw, err = io.ReadAll(dr); err != nil {
				return nil, fmt.Errorf("identity file %s: damaged or tampered with", p)
			}
		}
		parsed, err := age.ParseIdentities(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("identity file %s: not an age identity file", p)
		}
		ids = append(ids, parsed...)
	}
	k.ids = ids
	return ids, nil
}

// identityPassphrase is the passphrase of the encrypted identity file:
// from --identity-passphrase-file, else as the key file's.
func (k *keyFlags) identityPassphrase(g *globals, file string) (string, error) {
	if k.identityPassFile != "" {
		return readPassphraseFile("--identity-passphrase-file", k.identityPassFile)
	}
	return k.passphrase(g, false, file)
}

// ageHeader says whether the file at path is an age file (armored or
// not), and whether it is encrypted to a passphrase: its header's one
// stanza is scrypt. A file that cannot be opened counts as an age file,
// so that the error comes from opening it.
func ageHeader(path string) (encrypted, scrypt bool) {
	f, err := os.Open(path)
	if err != nil {
		return true, false
	}
	defer f.Close()
	br := bufio.NewReader(io.LimitReader(f, 64<<10))
	var r io.Reader = br
	if head, _ := br.Peek(len(armor.Header)); string(head) == armor.Header {
		r = armor.NewReader(br)
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(r, head)
	return bytes.HasPrefix(head[:n], []byte("age-encryption.org/v1\n")), bytes.HasPrefix(head[:n], []byte("age-encryption.org/v1\n-> scrypt "))
}

// writeIdentity writes a new hybrid post-quantum identity, encrypted at
// rest with a passphrase, and returns its recipient (safe to publish).
func writeIdentity(path, passphrase string) (string, error) {
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		return "", err
	}
	r, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return "", err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("identity file: %w", err)
	}
	aw := armor.NewWriter(f)
	ew, err := age.Encrypt(aw, r)
	if err == nil {
		_, err = fmt.Fprintf(ew, "# koble party identity, created %s\n# recipient: %s\n%s\n", time.Now().UTC().Format(time.RFC3339), id.Recipient(), id)
	}
	if err == nil {
		err = ew.Close()
	}
	if err == nil {
		err = aw.Close()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return "", err
	}
	return id.Recipient().String(), nil
}

// notRecipient says that a value given as an age recipient is not one,
// without quoting it: a secret identity pasted by mistake must not be
// echoed.
func notRecipient(flag, value string) error {
	if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(value)), "AGE-SECRET-KEY-") || strings.HasPrefix(strings.ToUpper(strings.TrimSpace(value)), "AGE-PLUGIN-") {
		return fmt.Errorf("%s is given an age identity (a secret), not a recipient: give the recipient (age1... or age1pq1...) and keep the identity private", flag)
	}
	return fmt.Errorf("%s is given a value that is not an age recipient (age1... or age1pq1...)", flag)
}

// warnSharedSecret warns that a key made from an existing secret shares
// everything with every other key made from it. A key's derivations (its
// serials, date shifts and fingerprint) depend on the secret only, not on
// the project name, so two projects made from one secret file have the
// same fingerprint and linkable serials; koble cannot see other key files
// (they are encrypted), so it says so each time and prints the fingerprint
// for the administrator to compare with the projects they hold.
func warnSharedSecret(g *globals, secretFile string, key *pseudonym.Key) {
	fmt.Fprintf(g.env.stderr, "koble: warning: the key is made from the existing secret in %s: every key made from it has fingerprint %s and the same serials, whatever its project name\n", secretFile, verbatim(key.Fingerprint()))
	fmt.Fprintf(g.env.stderr, "koble: hint: use one secret for one project only (here, a register's own pseudonym key); for a new project run keygen without --secret-file\n")
}
