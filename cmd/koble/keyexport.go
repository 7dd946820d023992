package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/koble/koble/pseudonym"
)

func newKeyExportCmd(g *globals) *cobra.Command {
	var (
		kf                         keyFlags
		purpose, out               string
		recipients, recipientFiles []string
	)
	cmd := &cobra.Command{
		Use:   "export KEYFILE --purpose dates --out FILE --recipient RECIPIENT",
		Short: "Export one purpose key (the date-shift key) for a source without the project key",
		Long: `Export the date-shift purpose key of a project key, encrypted to the
receiving source's age recipients. A source that gets its serials from
'koble serve' (prepare --serials oprf) holds no project key; with this file
(prepare --date-key) it shifts dates exactly as every other source of the
project. The date-shift key computes no serial and reveals neither the
project secret nor the serial key. The file is created with mode 0600 and
never replaces an existing one.`,
		Example: `  koble key export cancer-2026.key --purpose dates --out cancer-registry.datekey \
      --recipient age1pq1...`,
		Args: exactArgs(1, "KEYFILE"),
		RunE: func(_ *cobra.Command, args []string) error {
			if purpose != "dates" {
				return usagef("--purpose %q: only \"dates\" (the date-shift key) can be exported", purpose)
			}
			if out == "" {
				return usagef("--out is required: the date-key file to create")
			}
			rcpts, err := recipientsFrom("--recipient", recipients, "--recipients-file", recipientFiles)
			if err != nil {
				return err
			}
			if len(rcpts) == 0 {
				return usagef("--recipient or --recipients-file is required: the source that receives the key")
			}
			key, err := kf.open(g, args[0])
			if err != nil {
				return err
			}
			defer key.Close()
			dk := key.DateKey()
			defer dk.Close()
			if err := createSecretFile(out, func(w io.Writer) error { return pseudonym.WriteDateKeyFile(w, dk, rcpts...) }); err != nil {
				return err
			}
			fmt.Fprintf(g.env.stdout, "project:     %s\ndate key:    %s\nfingerprint: %s\n", dk.Project, out, verbatim(dk.Fingerprint))
			return nil
		},
	}
	kf.add(cmd)
	cmd.Flags().StringVar(&purpose, "purpose", "", "the purpose key to export: dates")
	cmd.Flags().StringVarP(&out, "out", "o", "", "file to create")
	cmd.Flags().StringArrayVarP(&recipients, "recipient", "r", nil, "encrypt to this age recipient (repeatable)")
	cmd.Flags().StringArrayVarP(&recipientFiles, "recipients-file", "R", nil, "encrypt to the age recipients listed in this file (repeatable)")
	return cmd
}
