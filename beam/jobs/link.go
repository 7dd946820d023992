package jobs

import (
	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/koble/koble/linkage"
)

// Link runs a plan on Beam: centralised linkage numbers the sample (see
// [Sample]) and delivers every source with the series; distributed
// linkage is [Prepare] per source with the project serials. The
// deliveries (SOURCE-NNNNN-of-NNNNN.EXT per input shard), quarantine
// files, the serial key file, each source's report and the link report
// appear in the output folder when every step has succeeded.
func Link(s beam.Scope, job Job, p *linkage.Plan) error {
	var series, info beam.PCollection
	if p.Mode == linkage.Centralised {
		var err error
		if series, info, err = Sample(s, job, p); err != nil {
			return err
		}
	} else {
		series, info = beam.Create(s, []byte{}), beam.Create(s, seriesInfo{})
	}
	var tallies []beam.PCollection
	for _, src := range p.Sources {
		t, err := Prepare(s, job, p, src.Name, series)
		if err != nil {
			return err
		}
		tallies = append(tallies, t)
	}
	beam.ParDo0(s, &finishFn{Job: job}, beam.Impulse(s), beam.SideInput{Input: beam.Flatten(s, tallies...)}, beam.SideInput{Input: info}, beam.SideInput{Input: series})
	return nil
}

// crossing marks a PCollection whose elements leave the worker that made
// them (shuffled, combined or broadcast): none may hold a national ID.
// Tests replace it to inspect the elements.
var crossing = func(_ beam.Scope, col beam.PCollection) beam.PCollection { return col }
