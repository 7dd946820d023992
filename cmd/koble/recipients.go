package main

import (
	"fmt"
	"os"
	"strings"

	"filippo.io/age"
)

// parseRecipients reads age recipients given on the command line.
func parseRecipients(flag string, values []string) ([]age.Recipient, error) {
	if len(values) == 0 {
		return nil, usagef("%s is required: the age recipient to encrypt to", flag)
	}
	var out []age.Recipient
	for _, v := range values {
		rs, err := age.ParseRecipients(strings.NewReader(v))
		if err != nil {
			return nil, usageError{notRecipient(flag, v)}
		}
		out = append(out, rs...)
	}
	return out, nil
}

// recipientsFrom reads the recipients given as values of flag and in the
// files of fileFlag (one a line, # comments, as age's -R reads them);
// either may be empty.
func recipientsFrom(flag string, values []string, fileFlag string, files []string) ([]age.Recipient, error) {
	var rcpts []age.Recipient
	if len(values) > 0 {
		rs, err := parseRecipients(flag, values)
		if err != nil {
			return nil, err
		}
		rcpts = rs
	}
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", fileFlag, err)
		}
		parsed, err := age.ParseRecipients(f)
		f.Close()
		if err != nil {
			// age's message may quote the line: never echo a file that
			// may hold an identity by mistake.
			return nil, fmt.Errorf("%s %s: not a list of age recipients (one age1... or age1pq1... a line; 'koble key recipient IDENTITY' prints one)", fileFlag, p)
		}
		rcpts = append(rcpts, parsed...)
	}
	return rcpts, nil
}

// requiredRecipients is recipientsFrom for recipients a command cannot do
// without: none given is a usage error naming both flags.
func requiredRecipients(flag string, values []string, fileFlag string, files []string) ([]age.Recipient, error) {
	if len(values) == 0 && len(files) == 0 {
		return nil, usagef("%s RECIPIENT or %s FILE is required: the age recipient to encrypt to", flag, fileFlag)
	}
	return recipientsFrom(flag, values, fileFlag, files)
}
