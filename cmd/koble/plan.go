package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"filippo.io/age"

	"github.com/spf13/cobra"

	"github.com/koble/koble/linkage"
)

func newPlanCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "plan", Short: "Check and draw linkage plans"}
	var sample int
	check := &cobra.Command{
		Use:   "check PLAN",
		Short: "Validate a plan and the linkage policy, and say what would happen",
		Args:  exactArgs(1, "PLAN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := linkage.LoadPlan(args[0])
			if err != nil {
				return err
			}
			fmt.Fprint(g.env.stdout, p.Describe())
			if err := p.CheckInputs(); err != nil {
				return err
			}
			if sample < 0 {
				return usagef("--sample-rows %d: want 0 (do not open the data) or more", sample)
			}
			if sample > 0 {
				dc := p.CheckData(sample)
				for _, n := range dc.Notes {
					fmt.Fprintln(g.env.stdout, "data: "+n)
				}
				if len(dc.Problems) > 0 {
					return fmt.Errorf("plan %s: the data do not fit the plan:\n  - %s", p.File(), strings.Join(dc.Problems, "\n  - "))
				}
			}
			fmt.Fprintln(g.env.stdout, "plan is valid")
			return nil
		},
	}
	check.Flags().IntVar(&sample, "sample-rows", linkage.DefaultSampleRows, "open each source's data and check its first rows: columns named, dates, IDs (counts only; 0: do not open the data)")
	var format, out string
	graph := &cobra.Command{
		Use:   "graph PLAN",
		Short: "Draw the linkage flow as SVG, Graphviz dot or Mermaid",
		Long: `Draw the plan's linkage flow: one lane per organisation (the registers'
holders, the linking party, the pseudonym administrator, the researcher),
numbered steps, and every exchange labelled with what it carries (national
IDs, serials, variables; encrypted to whom), with who defines the sample and
by which criteria, and a legend. The SVG is self-contained; dot and Mermaid
carry the same words.`,
		Args: exactArgs(1, "PLAN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := linkage.LoadPlan(args[0])
			if err != nil {
				return err
			}
			if format != "svg" && format != "dot" && format != "mermaid" {
				return usagef("--format %q: want svg, dot or mermaid", format)
			}
			if out == "" || out == "-" {
				return p.WriteGraph(g.env.stdout, format)
			}
			f, err := os.Create(out)
			if err != nil {
				return err
			}
			if err := p.WriteGraph(f, format); err != nil {
				f.Close()
				os.Remove(out)
				return err
			}
			return f.Close()
		},
	}
	graph.Flags().StringVar(&format, "format", "svg", "svg, dot or mermaid")
	graph.Flags().StringVarP(&out, "out", "o", "", "write to this file (default: standard output)")
	cmd.AddCommand(check, graph)
	return cmd
}

func newLinkCmd(g *globals) *cobra.Command {
	var kf keyFlags
	var ef encryptFlags
	var opts linkage.LinkOptions
	var party, ref, accept string
	cmd := &cobra.Command{
		Use:   "link PLAN [--source NAME | --party ROLE]",
		Short: "Run a linkage plan",
		Long: `Run a linkage plan (see 'koble plan check').

Distributed linkage: each source's part is a 'koble prepare' with the
project key, so the same person gets the same serial in every delivery with
no exchange between sources. Each register runs its own part with --source
on its own machine; without --source all parts run. With [serials]
source = "oprf" in the plan, the sources hold no project key: each runs its
part with --source and gets its serials from the pseudonym administrator's
service, with its own [source.credentials] (client certificate or token
file, and the date key that shifts its dates).

Centralised linkage: the sample is determined from the sample sources by
the plan's rule, a new dense serial series 1..N is assigned across all
sources in an order derived from the key, every delivery is written with
it, and the serial key file (ID <-> serial) is written age-encrypted to the
administrator. With previous_serial_key in the plan, persons of the
previous delivery keep their serials. With [serials] source = "oprf", the
linker holds no project key: it asks the service for the sample's persons
only, once each, with the plan's [serials.credentials], and numbers them
in the order of their OPRF outputs (SPEC.md §9.8).

A run's files (deliveries, quarantine files, reports, the serial key file,
the link report) appear together, with the manifest written last
(PROJECT.manifest.json, or PROJECT.SOURCE.manifest.json for one source's
part; 'koble verify' checks it), or not at all. With --encrypt-to or
--encrypt-passphrase they are one age-encrypted tar archive instead.

Every source of the plan is delivered or the run fails: a plan with a
pseudonymous register runs each identified source with --source, and the
register's part through the pseudonym administrator; with a
[pseudoreg] section naming the parties' recipients, each party runs its
step from the plan: --party definer (the encrypted request), --party
administrator (the translation; register_key names the register's key
file), --party register (the extract). With [serials] source = "oprf" the
definer gets the request's serials from the service with the plan's
[serials.credentials], and the register shifts dates with the date key its
[source.credentials] name: neither holds the project key (SPEC.md §9.9).

With a [risk] section, the person-level view a researcher forms by joining
the run's deliveries on the serial is measured before anything is written
(see 'koble risk'); above the threshold the run is refused, exit 1, unless
--accept-risk "REASON" is given. The verdict, the reason and the figures go
into the manifest and PROJECT.risk.json (small counts withheld).`,
		Args: exactArgs(1, "PLAN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := loadPlan(args[0], ref)
			if err != nil {
				return err
			}
			if party != "" {
				if err := checkExcluded(cmd.Flags(), "party", true, "the party's step runs from the plan's [pseudoreg] section", "source", "suppress-below"); err != nil {
					return err
				}
				return runParty(cmd, g, &kf, &ef, p, party, opts.Workers, opts.Overwrite, accept)
			}
			if p.Risk == nil && accept != "" {
				return usagef("--accept-risk: the plan has no [risk] section to accept: add one, or leave --accept-risk out")
			}
			switch {
			case p.UsesOPRF() && p.Mode == linkage.Centralised:
				r, err := planEvaluator(cmd.Context(), g, &kf, p)
				if err != nil {
					return err
				}
				defer r.Close()
				opts.Evaluator, opts.DateKey = r.client, r.dateKey
			case p.UsesOPRF():
				r, err := planSerials(cmd.Context(), g, &kf, p, &opts)
				if err != nil {
					return err
				}
				defer r.Close()
			default:
				key, err := kf.open(g, p.KeyPath())
				if err != nil {
					return err
				}
				defer key.Close()
				opts.Key = key
			}
			if opts.Identities, err = kf.identities(g); err != nil {
				return err
			}
			opts.Tool = toolVersion()
			if opts.Encrypt, err = ef.recipients(g); err != nil {
				return err
			}
			if opts.Risk, err = p.RiskCheck(accept); err != nil {
				return err
			}
			bar := g.newProgress(-1, "link")
			opts.Progress = bar.Update
			rep, err := linkage.Link(cmd.Context(), p, opts)
			bar.Finish()
			if err != nil {
				return err
			}
			sayRisk(g, opts.Risk)
			sayStale(g, rep.Stale)
			g.say("koble: %s linkage of project %s (key %s); exact counts, for you: the link report in the delivery withholds counts 1 to %d", rep.Mode, rep.Project, verbatim(rep.KeyFingerprint), rep.SuppressBelow-1)
			if rep.Mode == linkage.Centralised {
				g.say("  sample (%s): %d persons, %d new serials; serial key file %s", rep.SampleRule, rep.SamplePersons, rep.NewPersons, rep.SerialKeyFile)
			}
			for _, s := range rep.Sources {
				if s.State != linkage.StateDelivered {
					g.say("  %-12s %s", s.Name, s.State)
					continue
				}
				g.say("  %-12s rows %s read, %s written, %s quarantined, %s not in sample; %s persons -> %s", s.Name,
					thousands(s.RowsRead), thousands(s.RowsWritten), thousands(s.RowsQuarantine), thousands(s.RowsNotSample), thousands(s.Persons), s.Delivery)
			}
			pairs := make([]string, 0, len(rep.Overlap))
			for k := range rep.Overlap {
				pairs = append(pairs, k)
			}
			sort.Strings(pairs)
			for _, k := range pairs {
				g.say("  persons in common, %s: %s", k, thousands(rep.Overlap[k]))
			}
			sayDelivered(g, rep.Manifest, rep.Archive)
			return nil
		},
	}
	kf.add(cmd)
	ef.add(cmd)
	cmd.Flags().StringVar(&opts.Source, "source", "", "run only this source's part (distributed linkage)")
	cmd.Flags().StringVar(&party, "party", "", "run one party's step of the pseudonymous-register flow: definer, administrator or register")
	cmd.Flags().IntVar(&opts.Workers, "workers", 0, workersHelp)
	cmd.Flags().BoolVar(&opts.Overwrite, "overwrite", false, "replace earlier deliveries")
	cmd.Flags().IntVar(&opts.SuppressBelow, "suppress-below", 0, "k: the link report in the delivery withholds counts 1..k-1 (3, 5 or 10; default: the plan's output.suppress_below, else 5)")
	cmd.Flags().StringVar(&accept, "accept-risk", "", "deliver although the [risk] check fails, for this reason (recorded in the manifest)")
	addReferenceFlag(cmd.Flags(), &ref)
	return cmd
}

// runParty runs one party's step of the pseudonymous-register flow from
// the plan's [pseudoreg] section.
func runParty(cmd *cobra.Command, g *globals, kf *keyFlags, ef *encryptFlags, p *linkage.Plan, party string, workers int, overwrite bool, accept string) error {
	if err := checkExcluded(cmd.Flags(), "party", party != "register", "only the register's step delivers data", "workers", "encrypt-to", "encrypt-to-file", "encrypt-passphrase-file", "encrypt-passphrase", "accept-risk"); err != nil {
		return err
	}
	pr := p.Pseudoreg
	if pr == nil {
		return fmt.Errorf("plan %s has no [pseudoreg] section naming the parties", p.File())
	}
	need := func(what, value string) ([]age.Recipient, error) {
		if value == "" {
			return nil, fmt.Errorf("plan %s: [pseudoreg] %s is not set", p.File(), what)
		}
		return age.ParseRecipients(strings.NewReader(value))
	}
	if err := os.MkdirAll(filepath.Dir(p.PseudoregFile("request")), 0o755); err != nil {
		return err
	}
	switch party {
	case "definer":
		admin, err := need("administrator", pr.Administrator)
		if err != nil {
			return err
		}
		return partyRequest(cmd.Context(), g, kf, p, admin, p.PseudoregFile("request"), overwrite)
	case "administrator":
		reg, err := need("register", pr.Register)
		if err != nil {
			return err
		}
		var def []age.Recipient
		unmatched := ""
		if pr.Definer != "" {
			if def, err = need("definer", pr.Definer); err != nil {
				return err
			}
			unmatched = p.PseudoregFile("unmatched")
		}
		if pr.RegisterKey == "" {
			return fmt.Errorf("plan %s: [pseudoreg] register_key is not set", p.File())
		}
		return partyTranslate(g, kf, p, p.PseudoregFile("request"), p.RegisterKeyPath(), reg, def, p.PseudoregFile("answer"), unmatched, overwrite)
	case "register":
		return partyExtract(cmd.Context(), g, kf, ef, p, extractRun{p.PseudoregSource(), p.PseudoregFile("answer"), p.PseudoregFile("request"), accept, workers, overwrite})
	}
	return usagef("--party %q: want definer, administrator or register", party)
}
