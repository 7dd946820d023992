package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parseOPRFFlags parses args into a command with the key and service
// flags, as prepare has them.
func parseOPRFFlags(t *testing.T, args ...string) (*cobra.Command, *oprfFlags, *keyFlags) {
	var (
		o  oprfFlags
		kf keyFlags
	)
	cmd := &cobra.Command{Use: "x"}
	cmd.Flags().String("key", "", "")
	kf.add(cmd)
	o.add(cmd)
	require.NoError(t, cmd.ParseFlags(args))
	return cmd, &o, &kf
}

func TestOPRFFlagsCheck(t *testing.T) {
	cases := []struct {
		args []string
		oprf bool
		err  string
	}{
		{args: nil},
		{args: []string{"--key", "p.key"}},
		{args: []string{"--serials", "oprf", "--server", "https://x"}, oprf: true},
		{args: []string{"--serials", "oprf", "--key", "p.key"}, err: "takes no --key"},
		{args: []string{"--server", "https://x"}, err: "--server needs --serials oprf"},
		{args: []string{"--key", "p.key", "--date-key", "d"}, err: "--date-key needs --serials oprf"},
		{args: []string{"--serials", "hmac"}, err: `--serials "hmac": want key or oprf`},
	}
	for _, c := range cases {
		cmd, o, _ := parseOPRFFlags(t, c.args...)
		got, err := o.check(cmd)
		if c.err != "" {
			var ue usageError
			require.True(t, errors.As(err, &ue), "%v: %v", c.args, err)
			assert.ErrorContains(t, err, c.err)
			continue
		}
		require.NoError(t, err, c.args)
		assert.Equal(t, c.oprf, got, c.args)
	}
}

// TestOPRFFlagsOpen opens the service's client as prepare does, against a
// 'koble serve' in this process: good settings work, and each wrong one
// fails before any row is read, naming its flag.
func TestOPRFFlagsOpen(t *testing.T) {
	s := startServe(t, 1000)
	g := &globals{env: env{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}}
	open := func(extra ...string) error {
		args := append(s.sourceFlags(), extra...)
		_, o, kf := parseOPRFFlags(t, args...)
		r, err := o.open(context.Background(), g, kf)
		if err == nil {
			r.Close()
		}
		return err
	}
	require.NoError(t, open())
	spaced := filepath.Join(s.dir, "spaced.token")
	require.NoError(t, os.WriteFile(spaced, []byte("Bearer "+e2eToken+"\n"), 0o600))
	cases := []struct {
		extra []string
		msg   string
	}{
		{[]string{"--public-key", "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76"}, "not the published"},
		{[]string{"--public-key", "zz"}, "--public-key: not an OPRF public key"},
		{[]string{"--token-file", filepath.Join(s.dir, "absent")}, "--token-file " + filepath.Join(s.dir, "absent")},
		{[]string{"--token-file", spaced}, "not a bearer token"},
		{[]string{"--project", "p9"}, "404"},
		{[]string{"--server-ca", s.keyFile}, "--server-ca " + s.keyFile + ": no PEM certificate"},
		{[]string{"--server", "http://" + strings.TrimPrefix(s.url, "https://")}, "must start with https://"},
		{[]string{"--date-key", filepath.Join(s.dir, "absent.datekey")}, "date-key file"},
	}
	for _, c := range cases {
		err := open(c.extra...)
		require.Error(t, err, c.extra)
		assert.Contains(t, err.Error(), c.msg, c.extra)
		assert.NotContains(t, err.Error(), e2eToken, c.extra)
	}
	// A token the service does not know: 401, with the hint.
	_, o, kf := parseOPRFFlags(t, s.sourceFlags()...)
	o.files.TokenFile = s.identity + ".x"
	require.NoError(t, os.WriteFile(o.files.TokenFile, []byte("not-the-token\n"), 0o600))
	_, err := o.open(context.Background(), g, kf)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "401")
	assert.Contains(t, err.Error(), "check the client certificate or token")
}
