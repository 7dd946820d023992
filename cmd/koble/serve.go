package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/koble/koble/oprfservice"
	"github.com/koble/koble/pseudonym"
)

func newServeCmd(g *globals) *cobra.Command {
	var (
		kf        keyFlags
		config    string
		readyFile string
	)
	cmd := &cobra.Command{
		Use:   "serve --config FILE",
		Short: "Run the oblivious-serial service (RFC 9497 OPRF) for sources without the project key",
		Long: `Run the pseudonym administrator's oblivious-serial service.

Sources blind their IDs, the service evaluates them with each project's
OPRF key and proves it used the published key; sources unblind and get the
project serials. The service never sees an ID or a serial; sources never
hold the project key. It speaks HTTPS with TLS 1.3 only, authenticates
clients by client certificate (client_ca) or bearer token, enforces a quota
(cohort x deliveries x margin) and a rate per client and project, and
appends every request to a hash-chained audit log ('koble audit verify').

The key files are opened with --passphrase-file or --identity (the same
unlocks every key file of the configuration). SIGINT or SIGTERM stops it
gracefully: requests in flight finish, the audit log is closed, and a
restart continues its chain and the quotas.

'koble serve testpki' makes a self-signed setup for trials; 'koble serve
token' makes a client token and the hash that goes in the configuration.`,
		Example: `  koble serve testpki --out pki --host localhost --client cancer-registry
  koble serve --config serve.toml --passphrase-file admin.pass`,
		Args: exactArgs(0, "no arguments (use --config)"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if config == "" {
				return usagef("--config is required: the service's TOML configuration")
			}
			cfg, err := oprfservice.LoadConfig(config)
			if err != nil {
				return err
			}
			keys := map[string]*pseudonym.Key{}
			defer func() {
				for _, k := range keys {
					k.Close()
				}
			}()
			for _, p := range cfg.Projects {
				if keys[p.Name], err = kf.open(g, p.KeyFile); err != nil {
					return err
				}
			}
			svc, err := oprfservice.New(cfg, keys, oprfservice.Options{})
			if err != nil {
				return err
			}
			defer svc.Close()
			for _, k := range keys {
				k.Close()
			}
			ln, err := net.Listen("tcp", cfg.Listen)
			if err != nil {
				return fmt.Errorf("listen %s: %w", cfg.Listen, err)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			g.say("koble: serving %d project(s) on https://%s; audit log %s", len(cfg.Projects), ln.Addr(), cfg.AuditLog)
			if readyFile != "" {
				if err := writeReadyFile(readyFile, "https://"+ln.Addr().String()); err != nil {
					ln.Close()
					return err
				}
			}
			if err := svc.Serve(ctx, ln); err != nil {
				return err
			}
			g.say("koble: stopped")
			return nil
		},
	}
	kf.add(cmd)
	cmd.Flags().StringVar(&config, "config", "", "the service's TOML configuration file")
	cmd.Flags().StringVar(&readyFile, "ready-file", "", "once listening, write the service's URL to this file (for scripts; useful with listen = \"127.0.0.1:0\")")
	cmd.AddCommand(newTestPKICmd(g), newTokenCmd(g))
	return cmd
}

// writeReadyFile writes url atomically, so that a reader never sees half.
func writeReadyFile(path, url string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(url+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func newTestPKICmd(g *globals) *cobra.Command {
	var (
		out            string
		hosts, clients []string
	)
	cmd := &cobra.Command{
		Use:   "testpki --out DIR [--host NAME]... [--client NAME]...",
		Short: "Make a self-signed CA, a server certificate and client certificates for trials",
		Long: `Write a self-signed setup for trials and tests into --out: ca.crt (the
service's client_ca and the clients' trust root), server.crt and
server.key (for the --host names and addresses), and NAME.crt and
NAME.key for each --client. A production service uses certificates from
the organisation's own CA. Existing files are never replaced.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(*cobra.Command, []string) error {
			if out == "" {
				return usagef("--out DIR is required")
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			if err := oprfservice.WriteTestPKI(out, hosts, clients, time.Now()); err != nil {
				return err
			}
			g.say("koble: wrote ca.crt, server.crt, server.key and %d client certificate(s) to %s", len(clients), out)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "folder to write the files into")
	cmd.Flags().StringArrayVar(&hosts, "host", []string{"localhost", "127.0.0.1"}, "a DNS name or IP address of the server (repeatable)")
	cmd.Flags().StringArrayVar(&clients, "client", nil, "a client name; its certificate's common name (repeatable)")
	return cmd
}

func newTokenCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "token",
		Short: "Make a random client token and the hash for the configuration",
		Long: `Print a new random bearer token (give it to the client, over a safe
channel) and its SHA-256 (put it in the client's token_sha256). The
service stores only the hash.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(*cobra.Command, []string) error {
			var b [32]byte
			if _, err := rand.Read(b[:]); err != nil {
				return err
			}
			token := base64.RawURLEncoding.EncodeToString(b[:])
			fmt.Fprintf(g.generated, "token:        %s\ntoken_sha256 = %q\n", token, oprfservice.HashToken(token))
			return nil
		},
	}
}

func newAuditCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Check the OPRF service's audit log",
	}
	verify := &cobra.Command{
		Use:   "verify LOG",
		Short: "Check an audit log's hash chain and report the first break",
		Long: `Check every line of a 'koble serve' audit log: its hash, its link to the
line before and its sequence number. A removed, inserted, reordered or
altered line is reported with its line number, and the exit code is 1.`,
		Args: exactArgs(1, "LOG"),
		RunE: func(_ *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			n, err := oprfservice.VerifyAuditLog(f)
			var ce *oprfservice.ChainError
			if errors.As(err, &ce) {
				return fmt.Errorf("%s: %w (%d records before it are intact)", args[0], err, n)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			fmt.Fprintf(g.env.stdout, "%s: %d records, chain intact\n", args[0], n)
			return nil
		},
	}
	cmd.AddCommand(verify)
	return cmd
}
