package linkage

import (
	"fmt"
	"sort"

	"github.com/koble/koble/internal/jsonout"
)

// publishedLinkReport is a [LinkReport] as the delivery carries it: every
// count a [Count], small ones withheld.
type publishedLinkReport struct {
	Project        string            `json:"project"`
	Mode           string            `json:"mode"`
	KeyFingerprint string            `json:"key_fingerprint"`
	ReferenceDate  string            `json:"reference_date"`
	Suppression    suppressionNote   `json:"suppression"`
	SampleRule     string            `json:"sample_rule,omitempty"`
	SamplePersons  *Count            `json:"sample_persons,omitempty"`
	NewPersons     *Count            `json:"new_persons,omitempty"`
	SerialKeyFile  string            `json:"serial_key_file,omitempty"`
	Sources        []publishedSource `json:"sources"`
	Overlap        map[string]Count  `json:"overlap_persons"`
	Seconds        float64           `json:"elapsed_seconds"`
	Manifest       string            `json:"manifest"`
	Archive        string            `json:"archive,omitempty"`
}

type suppressionNote struct {
	K    int    `json:"k"`
	Rule string `json:"rule"`
}

type publishedSource struct {
	Name           string `json:"name"`
	Register       string `json:"register"`
	State          string `json:"state"`
	Delivery       string `json:"delivery,omitempty"`
	RowsRead       *Count `json:"rows_read,omitempty"`
	RowsWritten    *Count `json:"rows_written,omitempty"`
	RowsQuarantine *Count `json:"rows_quarantined,omitempty"`
	RowsNotSample  *Count `json:"rows_not_in_sample,omitempty"`
	Persons        *Count `json:"persons,omitempty"`
	SamplePersons  *Count `json:"persons_in_sample,omitempty"`
	Report         string `json:"report,omitempty"`
}

// MarshalJSON writes the report for the researcher: every count from 1 to
// k-1 (k = SuppressBelow) is withheld ({"value": null, "suppressed":
// true}), and so is every count that would let one be worked out from the
// others (rows read = written + quarantined + not in the sample), as
// described in suppress.go. The exact counts stay in the Go value, for the
// one who ran the link.
func (rep *LinkReport) MarshalJSON() ([]byte, error) {
	k := rep.SuppressBelow
	if k == 0 {
		k = DefaultSuppressBelow
	}
	var t countTable
	var ptrs []**Count
	cell := func(dst **Count, v int64) int {
		ptrs = append(ptrs, dst)
		return t.add(v)
	}
	out := publishedLinkReport{Project: rep.Project, Mode: rep.Mode, KeyFingerprint: rep.KeyFingerprint, ReferenceDate: rep.ReferenceDate,
		Suppression: suppressionNote{K: k, Rule: fmt.Sprintf("counts from 1 to %d are withheld, and others where they would reveal a withheld one; "+
			"the register manager's printed summary has the exact counts", k-1)},
		SampleRule: rep.SampleRule, SerialKeyFile: rep.SerialKeyFile, Overlap: map[string]Count{},
		Seconds: rep.Seconds, Manifest: rep.Manifest, Archive: rep.Archive}
	if rep.Mode == Centralised {
		cell(&out.SamplePersons, rep.SamplePersons)
		cell(&out.NewPersons, rep.NewPersons)
	}
	out.Sources = make([]publishedSource, len(rep.Sources))
	for i, s := range rep.Sources {
		ps := &out.Sources[i]
		*ps = publishedSource{Name: s.Name, Register: s.Register, State: s.State, Delivery: s.Delivery, Report: s.Report}
		if s.State != StateDelivered {
			continue
		}
		read := cell(&ps.RowsRead, s.RowsRead)
		written := cell(&ps.RowsWritten, s.RowsWritten)
		quar := cell(&ps.RowsQuarantine, s.RowsQuarantine)
		notSample := cell(&ps.RowsNotSample, s.RowsNotSample)
		t.sum(read, written, quar, notSample)
		cell(&ps.Persons, s.Persons)
		if rep.Mode == Centralised {
			cell(&ps.SamplePersons, s.SamplePersons)
		}
	}
	pairs := make([]string, 0, len(rep.Overlap))
	for p := range rep.Overlap {
		pairs = append(pairs, p)
	}
	sort.Strings(pairs)
	overlap := make([]*Count, len(pairs))
	for i, p := range pairs {
		cell(&overlap[i], rep.Overlap[p])
	}
	for i, c := range t.publish(k) {
		c := c
		*ptrs[i] = &c
	}
	for i, p := range pairs {
		out.Overlap[p] = *overlap[i]
	}
	// Without HTML escapes: the encoder that calls this would not undo them.
	return jsonout.Marshal(out)
}
