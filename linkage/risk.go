package linkage

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/koble/koble/formats"
	"github.com/koble/koble/risk"
)

// MeasureRisk reads a file and measures its disclosure risk per person
// (see package risk). Only the person, quasi-identifier and sensitive
// columns are read.
func MeasureRisk(ctx context.Context, in string, ro formats.ReadOptions, cfg risk.Config) (*risk.Result, error) {
	c, err := risk.New(cfg)
	if err != nil {
		return nil, err
	}
	ro.Columns = append([]string{cfg.Person}, cfg.QI...)
	if cfg.Sensitive != "" {
		ro.Columns = append(ro.Columns, cfg.Sensitive)
	}
	if err := readAll(ctx, in, ro, c.Add); err != nil {
		c.Close()
		return nil, err
	}
	return c.Result()
}

// LoadFrame reads a population frame: one column per quasi-identifier,
// named as in the delivery, and a count column.
func LoadFrame(ctx context.Context, path string, ro formats.ReadOptions, qi []string, count string) (*risk.Frame, error) {
	f := risk.NewFrame(qi, count)
	ro.Columns = append(append([]string(nil), qi...), count)
	if err := readAll(ctx, path, ro, f.Add); err != nil {
		return nil, fmt.Errorf("population frame %s: %w", path, err)
	}
	return f, nil
}

// readAll streams a file's batches into add.
func readAll(ctx context.Context, path string, ro formats.ReadOptions, add func(arrow.RecordBatch) error) error {
	return readNamed(ctx, path, path, ro, add)
}

// readNamed is readAll for a file whose errors name it as name (a
// temporary file by the name it is delivered under).
func readNamed(ctx context.Context, path, name string, ro formats.ReadOptions, add func(arrow.RecordBatch) error) error {
	r, err := formats.Open(path, ro)
	if err != nil {
		if name != path {
			return fmt.Errorf("%s: %w", name, err)
		}
		return err
	}
	defer r.Close()
	for r.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := add(r.RecordBatch()); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if err := r.Err(); err != nil && name != path {
		return fmt.Errorf("%s: %w", name, err)
	} else if err != nil {
		return err
	}
	return nil
}
