package main

import (
	"context"
	"fmt"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"github.com/koble/koble/linkage"
)

func newPseudoregCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pseudoreg",
		Short: "Link through a pseudonymous register: request, translate, extract",
		Long: `Link a pseudonymous register (one that stores a register pseudonym instead of
the national ID) for the sample a plan defines, in three steps, one per party:

  sample definer            koble pseudoreg request PLAN --to ADMIN --out request.age
  pseudonym administrator   koble pseudoreg translate request.age --plan PLAN ...
  pseudonymous register     koble pseudoreg extract answer.age --plan PLAN --source NAME

With [serials] source = "oprf" in the plan, the definer gets the serials
from the pseudonym administrator's service ([serials.credentials]) and the
register shifts dates with the date key: neither holds the project key.

Every file between the parties is age-encrypted to its one reader and says,
inside the encryption, which project, plan version and party made it; a
party refuses a file made for another.`,
	}
	cmd.AddCommand(newRequestCmd(g), newTranslateCmd(g), newExtractCmd(g), newUnmatchedCmd(g))
	return cmd
}

func newRequestCmd(g *globals) *cobra.Command {
	var kf keyFlags
	var to, toFiles []string
	var out, ref string
	var overwrite bool
	cmd := &cobra.Command{
		Use:   "request PLAN (--to RECIPIENT | --to-file FILE) --out FILE",
		Short: "Sample definer: encrypt the sample's (ID, serial) pairs for the administrator",
		Args:  exactArgs(1, "PLAN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			rcpts, err := requiredRecipients("--to", to, "--to-file", toFiles)
			if err != nil {
				return err
			}
			if out == "" {
				return usagef("--out is required")
			}
			p, err := loadPlan(args[0], ref)
			if err != nil {
				return err
			}
			return partyRequest(cmd.Context(), g, &kf, p, rcpts, out, overwrite)
		},
	}
	kf.add(cmd)
	cmd.Flags().StringArrayVar(&to, "to", nil, "the pseudonym administrator's age recipient (hybrid post-quantum or X25519)")
	cmd.Flags().StringArrayVarP(&toFiles, "to-file", "R", nil, "like --to, with the recipients read from this file, one a line (as age -R)")
	cmd.Flags().StringVarP(&out, "out", "o", "", "the encrypted request to write")
	cmd.Flags().BoolVar(&overwrite, "overwrite", false, "replace an existing request")
	addReferenceFlag(cmd.Flags(), &ref)
	return cmd
}

func newTranslateCmd(g *globals) *cobra.Command {
	var kf keyFlags
	var plan, registerKey, out, unmatched string
	var toRegister, toDefiner, toRegisterFiles, toDefinerFiles []string
	var overwrite bool
	cmd := &cobra.Command{
		Use:   "translate REQUEST --plan PLAN --register-key KEY --to-register R --out ANSWER",
		Short: "Pseudonym administrator: translate IDs to register pseudonyms",
		Long: `Decrypt a request with the administrator's identity (--identity), map each
national ID to the register's pseudonym with the register's key file
(--register-key: the same derivation 'koble prepare' applies when the
register's data are pseudonymised), and write the answer of (pseudonym,
project serial) pairs encrypted to the register (--to-register). The count
of IDs that could not be translated goes, encrypted, to the sample definer
(--to-definer, --unmatched); no ID is ever listed in clear.`,
		Args: exactArgs(1, "REQUEST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if plan == "" || registerKey == "" || out == "" {
				return usagef("--plan, --register-key and --out are required")
			}
			if err := checkOrphans(cmd.Flags(), orphan{"to-definer", "--unmatched FILE", unmatched != ""},
				orphan{"to-definer-file", "--unmatched FILE", unmatched != ""}); err != nil {
				return err
			}
			reg, err := requiredRecipients("--to-register", toRegister, "--to-register-file", toRegisterFiles)
			if err != nil {
				return err
			}
			var def []age.Recipient
			if unmatched != "" {
				if def, err = requiredRecipients("--to-definer", toDefiner, "--to-definer-file", toDefinerFiles); err != nil {
					return err
				}
			}
			p, err := linkage.LoadPlan(plan)
			if err != nil {
				return err
			}
			return partyTranslate(g, &kf, p, args[0], registerKey, reg, def, out, unmatched, overwrite)
		},
	}
	kf.add(cmd)
	fl := cmd.Flags()
	fl.StringVar(&plan, "plan", "", "the project's plan (its version must match the request's)")
	fl.StringVar(&registerKey, "register-key", "", "the pseudonymous register's key file (a koble key file)")
	fl.StringArrayVar(&toRegister, "to-register", nil, "the register's age recipient")
	fl.StringArrayVar(&toDefiner, "to-definer", nil, "the sample definer's age recipient, for --unmatched")
	fl.StringArrayVar(&toRegisterFiles, "to-register-file", nil, "like --to-register, with the recipients read from this file, one a line (as age -R)")
	fl.StringArrayVar(&toDefinerFiles, "to-definer-file", nil, "like --to-definer, with the recipients read from this file")
	fl.StringVarP(&out, "out", "o", "", "the encrypted answer to write")
	fl.StringVar(&unmatched, "unmatched", "", "write the count of untranslated IDs here, encrypted to the definer")
	fl.BoolVar(&overwrite, "overwrite", false, "replace existing files")
	return cmd
}

func newExtractCmd(g *globals) *cobra.Command {
	var kf keyFlags
	var ef encryptFlags
	var plan, source, request, accept string
	var workers int
	var overwrite bool
	cmd := &cobra.Command{
		Use:   "extract ANSWER --plan PLAN --source NAME --request REQUEST",
		Short: "Pseudonymous register: deliver the sample's rows labelled with project serials",
		Long: `Decrypt the administrator's answer with the register's identity (--identity),
stream the register's data (the plan's source), keep the rows whose
pseudonym is in the answer, replace the pseudonym with the project serial,
apply the plan's date handling (offsets from the project serial, so they
agree with every other source; the project key file opens with the same
--identity or a passphrase, or, with [serials] source = "oprf" in the plan,
the date-key file the source's [source.credentials] date_key names) and
write the delivery with its report.

The answer must answer the request given with --request (the encrypted
file the sample definer sent; the register only hashes it), made no longer
ago than the plan's [pseudoreg] max_age (30 days by default): an older
answer, or one to another request, is refused, so that a replayed answer
never delivers a stale sample.

With a [risk] section in the plan, the extract is measured before anything
is written (see 'koble risk'), on the plan's quasi-identifiers it holds
(the others are measured by the runs that deliver them): above the
threshold it is refused, exit 1, nothing written, unless --accept-risk
"REASON" is given. The verdict, the reason and the figures go into the
manifest and PROJECT.SOURCE.risk.json (small counts withheld).`,
		Args: exactArgs(1, "ANSWER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if plan == "" || source == "" || request == "" {
				return usagef("--plan, --source and --request are required (--request: the request file the answer answers)")
			}
			p, err := linkage.LoadPlan(plan)
			if err != nil {
				return err
			}
			return partyExtract(cmd.Context(), g, &kf, &ef, p, extractRun{source, args[0], request, accept, workers, overwrite})
		},
	}
	kf.add(cmd)
	cmd.Flags().StringVar(&plan, "plan", "", "the project's plan")
	cmd.Flags().StringVar(&source, "source", "", "the plan's pseudonymous source")
	cmd.Flags().StringVar(&request, "request", "", "the request file the answer must answer")
	ef.add(cmd)
	cmd.Flags().IntVar(&workers, "workers", 0, workersHelp)
	cmd.Flags().BoolVar(&overwrite, "overwrite", false, "replace an earlier delivery")
	cmd.Flags().StringVar(&accept, "accept-risk", "", "deliver although the plan's [risk] check fails, for this reason (recorded in the manifest)")
	return cmd
}

func newUnmatchedCmd(g *globals) *cobra.Command {
	var kf keyFlags
	var plan, request string
	cmd := &cobra.Command{
		Use:   "unmatched FILE --plan PLAN --request REQUEST",
		Short: "Sample definer: read how many IDs the administrator could not translate",
		Args:  exactArgs(1, "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if plan == "" || request == "" {
				return usagef("--plan and --request are required (--request: the request file the count answers)")
			}
			p, err := linkage.LoadPlan(plan)
			if err != nil {
				return err
			}
			fp, err := linkage.PlanFingerprint(plan)
			if err != nil {
				return err
			}
			ids, err := kf.identities(g)
			if err != nil {
				return err
			}
			n, err := linkage.ReadUnmatched(args[0], p.Project, fp, request, p.MaxAge(), ids)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.env.stdout, "untranslated\t%d\n", n)
			return nil
		},
	}
	kf.add(cmd)
	cmd.Flags().StringVar(&plan, "plan", "", "the project's plan")
	cmd.Flags().StringVar(&request, "request", "", "the request file the count must answer")
	return cmd
}

// partyRequest is the sample definer's step.
func partyRequest(ctx context.Context, g *globals, kf *keyFlags, p *linkage.Plan, admin []age.Recipient, out string, overwrite bool) error {
	cfg := linkage.RequestConfig{Plan: p, PlanFile: p.File(), Administrator: admin, Out: out, Overwrite: overwrite}
	if p.UsesOPRF() {
		r, err := planEvaluator(ctx, g, kf, p)
		if err != nil {
			return err
		}
		defer r.Close()
		cfg.Evaluator = r.client
	} else {
		key, err := kf.open(g, p.KeyPath())
		if err != nil {
			return err
		}
		defer key.Close()
		cfg.Key = key
	}
	n, err := linkage.Request(ctx, cfg)
	if err != nil {
		return err
	}
	g.say("koble: request for %d persons written to %s, encrypted to the administrator", n, out)
	return nil
}

// partyTranslate is the pseudonym administrator's step.
func partyTranslate(g *globals, kf *keyFlags, p *linkage.Plan, request, registerKey string, reg, def []age.Recipient, out, unmatched string, overwrite bool) error {
	fp, err := linkage.PlanFingerprint(p.File())
	if err != nil {
		return err
	}
	ids, err := kf.identities(g)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return usagef("--identity is required: the administrator's identity opens the request")
	}
	rk, err := kf.open(g, registerKey)
	if err != nil {
		return err
	}
	defer rk.Close()
	rep, err := linkage.Translate(linkage.TranslateConfig{Request: request, Project: p.Project, Plan: fp, Identities: ids,
		RegisterKey: rk, Register: reg, Definer: def, Out: out, Unmatched: unmatched, Overwrite: overwrite, MaxAge: p.MaxAge()})
	if err != nil {
		return err
	}
	g.say("koble: %d requested, %d translated, %d not translated; answer %s", rep.Requested, rep.Translated, rep.Untranslated, out)
	return nil
}

// extractRun is what an extract reads and how it delivers: the source,
// answer and request, --accept-risk, --workers and --overwrite.
type extractRun struct {
	source, answer, request, accept string
	workers                         int
	overwrite                       bool
}

// partyExtract is the pseudonymous register's step.
func partyExtract(ctx context.Context, g *globals, kf *keyFlags, ef *encryptFlags, p *linkage.Plan, x extractRun) error {
	check, err := p.RiskCheck(x.accept)
	if err != nil {
		return err
	}
	if check == nil && x.accept != "" {
		return usagef("--accept-risk: the plan has no [risk] section to accept: add one, or leave --accept-risk out")
	}
	encrypt, err := ef.recipients(g)
	if err != nil {
		return err
	}
	ids, err := kf.identities(g)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return usagef("--identity is required: the register's identity opens the answer")
	}
	cfg := linkage.ExtractConfig{Plan: p, PlanFile: p.File(), Source: x.source, Answer: x.answer, Request: x.request,
		Identities: ids, Workers: x.workers, Overwrite: x.overwrite, Tool: toolVersion(), Encrypt: encrypt, Risk: check}
	if p.UsesOPRF() {
		if cfg.DateKey, err = planDateKey(g, kf, p, x.source); err != nil {
			return err
		}
		if cfg.DateKey != nil {
			defer cfg.DateKey.Close()
		}
	} else {
		key, err := kf.open(g, p.KeyPath())
		if err != nil {
			return err
		}
		defer key.Close()
		cfg.Key = key
	}
	bar := g.newProgress(-1, "extract")
	cfg.Progress = bar.Update
	rep, done, err := linkage.Extract(ctx, cfg)
	bar.Finish()
	if err != nil {
		return err
	}
	sayStale(g, done.Stale)
	g.say("koble: %s: %s rows read, %s delivered, %s quarantined, %s not in the sample -> %s", x.source, thousands(rep.RowsRead), thousands(rep.RowsWritten), thousands(rep.RowsQuarantine), thousands(rep.RowsNotSample), rep.Output)
	sayRisk(g, check)
	sayDelivered(g, done.Manifest, done.Archive)
	return nil
}
