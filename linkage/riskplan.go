package linkage

import (
	"errors"
	"fmt"
	"sort"

	"github.com/koble/koble/risk"
)

// RiskPlan is a plan's [risk] section: the disclosure-risk check of the
// person-level view a researcher forms by joining the run's deliveries on
// the serial.
//
//	[risk]
//	qi = ["birth_year", "sex", "municipality"]   # quasi-identifiers
//	k = 5                                        # threshold: 3, 5 (default) or 10
//	sensitive = "icd10"                          # optional: l-diversity
//	ladders = { birth_year = "year" }            # optional: guessed otherwise
type RiskPlan struct {
	QI        []string          `toml:"qi"`
	K         int               `toml:"k"`
	Sensitive string            `toml:"sensitive"`
	Bound     int               `toml:"bound"`
	Ladders   map[string]string `toml:"ladders"`
	// PopulationSize is the number of persons in the population the
	// delivery is drawn from (for the estimate of population uniques).
	PopulationSize int64 `toml:"population_size"`
}

// config turns the section into a risk configuration (mode combination:
// the only one that joins sources). Person is left to the run.
func (r *RiskPlan) config() (risk.Config, error) {
	cfg := risk.Config{Person: "-", QI: r.QI, K: r.K, Sensitive: r.Sensitive, Bound: r.Bound, PopulationSize: r.PopulationSize}
	if len(r.QI) == 0 {
		return cfg, errors.New("qi: no quasi-identifier columns")
	}
	if r.K != 0 && r.K != 3 && r.K != 5 && r.K != 10 {
		return cfg, fmt.Errorf("k = %d: want a preset, 3, 5 or 10", r.K)
	}
	cols := make([]string, 0, len(r.Ladders))
	for c := range r.Ladders {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	for _, c := range cols {
		l, err := risk.NewLadder(r.Ladders[c])
		if err != nil {
			return cfg, fmt.Errorf("ladders.%s: %w", c, err)
		}
		if cfg.Ladders == nil {
			cfg.Ladders = map[string]risk.Ladder{}
		}
		cfg.Ladders[c] = l
	}
	c, err := risk.New(cfg)
	if err != nil {
		return cfg, err
	}
	return cfg, c.Close()
}

// RiskCheck returns the check the plan's [risk] section asks for, with
// accept the reason to deliver data that fail it (--accept-risk; may be
// empty), or nil when the plan has no [risk] section.
func (p *Plan) RiskCheck(accept string) (*RiskCheck, error) {
	if p.Risk == nil {
		return nil, nil
	}
	cfg, err := p.Risk.config()
	if err != nil {
		return nil, fmt.Errorf("linkage: plan %s: risk: %w", p.file, err)
	}
	return &RiskCheck{Config: cfg, Accept: accept}, nil
}
