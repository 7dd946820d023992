package linkage

import (
	"errors"
	"fmt"
)

// A run without the project key: a source that gets its serials from the
// oblivious-serial service ([PrepareConfig.Source]) holds no project key.
// It shifts dates with the date key alone ([PrepareConfig.DateKey]) and
// names its project ([PrepareConfig.Project]).

// describer is a [SerialSource] that says where its serials come from,
// for the report and the output's metadata (never a credential).
type describer interface{ Describe() string }

// checkKeys checks that a run has what makes its serials and shifts.
func (cfg *PrepareConfig) checkKeys() error {
	switch {
	case cfg.Key != nil:
		if cfg.DateKey != nil {
			return errors.New("linkage: give the project key or a date key, not both")
		}
		return nil
	case cfg.Source == nil && cfg.Pseudonyms == nil:
		return errors.New("linkage: no project key")
	case cfg.Project == "":
		return errors.New("linkage: a run without the project key needs the project's name")
	case len(cfg.Shift) > 0 && cfg.DateKey == nil:
		return fmt.Errorf("linkage: %s: shifting dates without the project key needs the project's date key (koble key export KEYFILE --purpose dates, then prepare --date-key)", cfg.In)
	case cfg.DateKey != nil && cfg.DateKey.Project != cfg.Project:
		return fmt.Errorf("linkage: the date key belongs to project %q, the run to %q", cfg.DateKey.Project, cfg.Project)
	}
	return nil
}

// dateShiftKey returns the date-shift key; the caller clears it.
func (cfg *PrepareConfig) dateShiftKey() []byte {
	if cfg.Key != nil {
		return cfg.Key.DateShiftKey()
	}
	return append([]byte(nil), cfg.DateKey.Bytes()...)
}

// identity returns the project and the key fingerprint for the report:
// the key's, or the project named and the date key's fingerprint (empty
// without one).
func (cfg *PrepareConfig) identity() (project, fingerprint string) {
	if cfg.Key != nil {
		return cfg.Key.Project(), cfg.Key.Fingerprint()
	}
	if cfg.DateKey != nil {
		fingerprint = cfg.DateKey.Fingerprint
	}
	return cfg.Project, fingerprint
}

// sourceDescription says where a run's serials come from, if not from
// the project key or the pseudonymous register's answer.
func (cfg *PrepareConfig) sourceDescription() string {
	if d, ok := cfg.Source.(describer); ok {
		return d.Describe()
	}
	return ""
}
