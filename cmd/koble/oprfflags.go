package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/spf13/cobra"

	"github.com/koble/koble/linkage"
	"github.com/koble/koble/oprfservice"
	"github.com/koble/koble/pseudonym"
)

// Serial sources a prepare run can use (--serials).
const (
	serialsKey  = "key"
	serialsOPRF = "oprf"
)

// oprfFlags are the flags of a source that gets its serials from the
// oblivious-serial service ('koble serve') instead of a project key.
type oprfFlags struct {
	serials string
	files   oprfservice.ClientFiles
	dateKey string
	// plan, if set, is the plan the settings come from: errors name its
	// keys instead of flags; own says the credentials are the plan's
	// [serials.credentials], not a source's.
	plan string
	own  bool
}

func (o *oprfFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&o.serials, "serials", serialsKey, "where serials come from: key (the project key file, --key) or oprf (the pseudonym administrator's service, --server)")
	fl.StringVar(&o.files.Server, "server", "", "oprf: the service's address, https://host:port")
	fl.StringVar(&o.files.Project, "project", "", "oprf: the project whose serials are asked for")
	fl.StringVar(&o.files.PublicKey, "public-key", "", "oprf: the project's OPRF public key (hex) as the administrator published it; every answer is checked against it")
	fl.StringVar(&o.files.ServerCA, "server-ca", "", "oprf: PEM file of the CA the service's certificate chains to (default: the system's roots)")
	fl.StringVar(&o.files.ClientCert, "client-cert", "", "oprf: this source's client certificate (PEM), with --client-key")
	fl.StringVar(&o.files.ClientKey, "client-key", "", "oprf: the client certificate's private key (PEM)")
	fl.StringVar(&o.files.TokenFile, "token-file", "", "oprf: file whose first line is this source's bearer token (instead of a client certificate)")
	fl.IntVar(&o.files.BatchSize, "oprf-batch-size", 0, "oprf: IDs a request carries (default 1000; at most the service's max_batch)")
	fl.IntVar(&o.files.InFlight, "oprf-in-flight", 0, "oprf: requests in flight at once per worker (default 4)")
	fl.StringVar(&o.dateKey, "date-key", "", "oprf: the date-key file ('koble key export --purpose dates'), needed to shift dates")
}

// oprfOnly are the flags that make sense with --serials oprf only.
var oprfOnly = []string{"server", "project", "public-key", "server-ca", "client-cert", "client-key", "token-file", "oprf-batch-size", "oprf-in-flight", "date-key"}

// check says whether the run uses the service and refuses flags of the
// other kind: --key with oprf, the service's flags without it.
func (o *oprfFlags) check(cmd *cobra.Command) (bool, error) {
	switch o.serials {
	case serialsKey:
		for _, name := range oprfOnly {
			if cmd.Flags().Changed(name) {
				return false, usagef("--%s needs --serials oprf", name)
			}
		}
		return false, nil
	case serialsOPRF:
		if cmd.Flags().Changed("key") {
			return false, usagef("--serials oprf takes no --key: the service holds the project key (for date shifts give --date-key)")
		}
		return true, nil
	}
	return false, usagef("--serials %q: want key or oprf", o.serials)
}

// oprfRun is what a run that gets its serials from the service holds.
type oprfRun struct {
	client  *oprfservice.Client
	dateKey *pseudonym.DateKey // nil without --date-key
}

// Close releases the connections and zeroes the date key.
func (r *oprfRun) Close() {
	if r.client != nil {
		r.client.Close()
	}
	if r.dateKey != nil {
		r.dateKey.Close()
	}
}

// open reads the credentials, opens the date key (with --passphrase-file
// or --identity), and asks the service for the project's public key, so
// that a wrong server, project or credential fails before any row is read.
func (o *oprfFlags) open(ctx context.Context, g *globals, kf *keyFlags) (*oprfRun, error) {
	opts, err := o.files.Options()
	if err != nil {
		return nil, o.settingError(err)
	}
	run := &oprfRun{}
	if o.dateKey != "" {
		if run.dateKey, err = kf.openDateKey(g, o.dateKey); err != nil {
			return nil, err
		}
		if run.dateKey.Project != o.files.Project {
			run.Close()
			return nil, fmt.Errorf("%s %s is project %q's, not %q's", o.name("date_key"), o.dateKey, run.dateKey.Project, o.files.Project)
		}
	}
	if run.client, err = oprfservice.NewClient(opts); err == nil {
		err = run.client.CheckKey(ctx)
	}
	if err != nil {
		run.Close()
		return nil, fmt.Errorf("%s %s: %w", o.name("server"), o.files.Server, err)
	}
	return run, nil
}

// source opens the service for a prepare run and sets cfg's serial
// source, project and date key. Close the result after the run.
func (o *oprfFlags) source(ctx context.Context, g *globals, kf *keyFlags, cfg *linkage.PrepareConfig) (*oprfRun, error) {
	if len(cfg.Shift) > 0 && o.dateKey == "" {
		return nil, usagef("--shift-dates with --serials oprf needs --date-key FILE: the project's date key ('koble key export KEYFILE --purpose dates' at the administrator)")
	}
	r, err := o.open(ctx, g, kf)
	if err != nil {
		return nil, err
	}
	// The service's per-run source parses IDs itself: with the reference
	// date of the run, as prepare's own parsing.
	if pseudonym.ReferenceOf(cfg.Scheme).IsZero() {
		cfg.Scheme = pseudonym.WithReference(cfg.Scheme, pseudonym.DateOf(time.Now()))
	}
	cfg.Source = oprfSource{oprfservice.NewSource(r.client, cfg.Scheme, cfg.Crosswalk)}
	cfg.Project, cfg.DateKey = o.files.Project, r.dateKey
	return r, nil
}

// oprfSource is the service's per-run source as prepare's serial source:
// one for all workers, since it is safe for concurrent use and its cache
// of persons (each evaluated once a run) is shared.
type oprfSource struct{ *oprfservice.Source }

func (s oprfSource) Serials(ctx context.Context, ids arrow.Array, out linkage.SerialBatch) error {
	return s.Fill(ctx, ids, out.Serials, out.Reasons)
}

func (s oprfSource) Fork() linkage.SerialSource { return s }

// name is how the user gives a setting: a flag, or a plan key.
func (o *oprfFlags) name(key string) string {
	if o.plan != "" {
		switch key {
		case "client_cert", "client_key", "token_file", "date_key":
			if o.own {
				return "plan " + o.plan + ": serials.credentials." + key
			}
			return "plan " + o.plan + ": credentials." + key
		}
		return "plan " + o.plan + ": serials." + key
	}
	flag := "--" + strings.ReplaceAll(key, "_", "-")
	if key == "batch_size" || key == "in_flight" {
		flag = "--oprf-" + flag[2:]
	}
	return flag
}

// settingError names the flag or plan key of a [oprfservice.SettingError].
func (o *oprfFlags) settingError(err error) error {
	var se *oprfservice.SettingError
	if !errors.As(err, &se) {
		return err
	}
	switch {
	case se.Path != "":
		return fmt.Errorf("%s %s: %w", o.name(se.Key), se.Path, se.Err)
	case o.plan != "":
		return fmt.Errorf("%s: %w", o.name(se.Key), se.Err)
	}
	return usagef("%s: %v", o.name(se.Key), se.Err)
}

// planSerials opens the service for the one source a plan run delivers
// ([serials] source = "oprf") and sets its serial source and date key.
func planSerials(ctx context.Context, g *globals, kf *keyFlags, p *linkage.Plan, opts *linkage.LinkOptions) (*oprfRun, error) {
	if opts.Source == "" {
		return nil, usagef("plan %s: [serials] source = \"oprf\": run each source's part on its machine with --source NAME", p.File())
	}
	scheme, err := p.SourceScheme(opts.Source)
	if err != nil {
		return nil, err
	}
	r, err := planFlags(p, p.ServiceCredentials(opts.Source), false).open(ctx, g, kf)
	if err != nil {
		return nil, err
	}
	opts.Serials, opts.DateKey = oprfSource{oprfservice.NewSource(r.client, scheme, nil)}, r.dateKey
	return r, nil
}

// planFlags are the service's settings from a plan, with credentials c:
// a source's ([source.credentials]) or, own, those of the party that
// defines the sample ([serials.credentials]).
func planFlags(p *linkage.Plan, c linkage.CredentialsPlan, own bool) *oprfFlags {
	return &oprfFlags{serials: serialsOPRF, plan: p.File(), own: own, dateKey: c.DateKey, files: oprfservice.ClientFiles{
		Server: p.Serials.Server, Project: p.Project, PublicKey: p.Serials.PublicKey, ServerCA: p.ServerCAPath(),
		ClientCert: c.ClientCert, ClientKey: c.ClientKey, TokenFile: c.TokenFile,
		BatchSize: p.Serials.BatchSize, InFlight: p.Serials.InFlight}}
}

// planEvaluator opens the service for the party that defines a plan's
// sample, the centralised linker or the sample definer (SPEC.md §9.8,
// §9.9), with the plan's [serials.credentials]. Close the result after
// the run.
func planEvaluator(ctx context.Context, g *globals, kf *keyFlags, p *linkage.Plan) (*oprfRun, error) {
	c := p.OwnCredentials()
	if c.ClientCert == "" && c.TokenFile == "" {
		return nil, fmt.Errorf("plan %s: [serials] source = \"oprf\": [serials.credentials] needs client_cert and client_key, or token_file: the party that defines the sample asks the service for its persons", p.File())
	}
	return planFlags(p, c, true).open(ctx, g, kf)
}

// planDateKey opens the date key a pseudonymous register names in its
// [source.credentials] date_key (nil if it names none: then it shifts no
// dates).
func planDateKey(g *globals, kf *keyFlags, p *linkage.Plan, source string) (*pseudonym.DateKey, error) {
	path := p.ServiceCredentials(source).DateKey
	if path == "" {
		return nil, nil
	}
	dk, err := kf.openDateKey(g, path)
	if err != nil {
		return nil, err
	}
	if dk.Project != p.Project {
		dk.Close()
		return nil, fmt.Errorf("plan %s: credentials.date_key %s is project %q's, not %q's", p.File(), path, dk.Project, p.Project)
	}
	return dk, nil
}

// openDateKey decrypts and parses the date-key file at path.
func (k *keyFlags) openDateKey(g *globals, path string) (*pseudonym.DateKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("date-key file: %w", err)
	}
	defer f.Close()
	ids, err := k.unlock(g, path)
	if err != nil {
		return nil, err
	}
	dk, err := pseudonym.ReadDateKeyFile(f, ids...)
	if err != nil {
		return nil, hintError{fmt.Errorf("%s: %w", path, err), "a date-key file is made by 'koble key export KEYFILE --purpose dates'"}
	}
	return dk, nil
}
