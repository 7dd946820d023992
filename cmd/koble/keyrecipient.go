package main

import (
	"fmt"

	"filippo.io/age"
	"github.com/spf13/cobra"
)

// newKeyRecipientCmd prints the recipients of identity files again, for
// the party that lost what 'koble keygen --identity' printed.
func newKeyRecipientCmd(g *globals) *cobra.Command {
	var kf keyFlags
	cmd := &cobra.Command{
		Use:   "recipient IDENTITY_FILE...",
		Short: "Print the age recipient of identity files (safe to share)",
		Long: `Print the age recipient (public key) of each identity in the files, one a
line: what 'koble keygen --identity' printed when it made the identity, and
what others encrypt to (--encrypt-to, --recipient, the plan's recipients).
An identity file encrypted with a passphrase (as 'koble keygen --identity'
writes it) is opened with --passphrase-file, $KOBLE_PASSPHRASE or the
terminal. The output is a recipients file: --encrypt-to-file and
--recipients-file read it.`,
		Example: `  koble key recipient administrator.identity > administrator.recipient`,
		Args:    minArgs(1, "IDENTITY_FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			kf.identityFiles = args
			ids, err := kf.identities(g)
			if err != nil {
				return err
			}
			for i, id := range ids {
				var r string
				switch id := id.(type) {
				case *age.HybridIdentity:
					r = id.Recipient().String()
				case *age.X25519Identity:
					r = id.Recipient().String()
				default:
					return fmt.Errorf("identity %d of %v: a kind of identity whose recipient koble cannot print", i+1, args)
				}
				fmt.Fprintln(g.generated, r)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&kf.passphraseFile, "passphrase-file", "", "read an encrypted identity file's passphrase from the first line of this file")
	return cmd
}
