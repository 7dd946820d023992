package linkage

import (
	"fmt"
	"strings"
)

// The drawing's type sizes (px) and the widths text is wrapped to.
const (
	boxFont   = 12
	edgeFont  = 11
	boxTextW  = laneW - 2*boxInset - 2*textPad
	edgeTextW = laneW - 40
	laneTextW = laneW - 2*textPad
)

// textWidth estimates the width in px of a line of sans-serif text, wide
// enough for Helvetica, Arial and DejaVu Sans alike.
func textWidth(s string, size float64, bold bool) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case strings.ContainsRune(" .,:;'|!()[]ijlft1", r):
			w += 0.34
		case strings.ContainsRune("mwMW@%", r):
			w += 0.92
		case r >= 'A' && r <= 'Z', strings.ContainsRune("ØÅÆ↔→±", r):
			w += 0.76
		default:
			w += 0.62
		}
	}
	if bold {
		w *= 1.08
	}
	return w * size
}

// wrapText breaks a line into lines no wider than width px, at spaces
// only: a word is never cut (one longer than the width gets a line of its
// own).
func wrapText(s string, width, size float64, bold bool) []string {
	var out []string
	line := ""
	for _, w := range strings.Fields(s) {
		switch {
		case line == "":
			line = w
		case textWidth(line+" "+w, size, bold) <= width:
			line += " " + w
		default:
			out = append(out, line)
			line = w
		}
	}
	if line != "" {
		out = append(out, line)
	}
	return out
}

// carries says what a source's delivery holds besides the serial.
func (p *Plan) carries(s SourcePlan) string {
	shifted := func(c string) string {
		if contains(s.Dates.Shift, c) {
			return c + " (shifted)"
		}
		return c
	}
	var what string
	switch {
	case len(s.Keep) > 0:
		cols := make([]string, len(s.Keep))
		for i, c := range s.Keep {
			cols[i] = shifted(c)
		}
		what = strings.Join(cols, ", ")
	case len(s.Drop) > 0:
		what = "every column but " + s.IDColumn + ", " + strings.Join(s.Drop, ", ")
	default:
		what = "every column but " + s.IDColumn
	}
	if len(s.Keep) == 0 && len(s.Dates.Shift) > 0 {
		what += "; " + strings.Join(s.Dates.Shift, ", ") + " shifted"
	}
	return what
}

// shiftText says how a source's dates are shifted, or "" if they are not.
func shiftText(s SourcePlan) string {
	if len(s.Dates.Shift) == 0 {
		return ""
	}
	return fmt.Sprintf("%s shifted up to ±%d days, one shift per person", strings.Join(s.Dates.Shift, ", "), s.Dates.Window)
}

// sampleText says who is in the sample.
func (p *Plan) sampleText() string {
	src := p.sampleSources()
	switch {
	case p.Sample == nil:
		return ""
	case p.Sample.Rule == "union":
		return "sample: the persons in " + strings.Join(src, " or ")
	case p.Sample.Rule == "intersection":
		return "sample: the persons in all of " + strings.Join(src, ", ")
	}
	for _, s := range p.Sources {
		if s.Name == src[0] && s.Filter != nil {
			return "sample: " + s.Name + "'s " + criteria(s)
		}
	}
	return "sample: the persons in " + src[0]
}

// criteria says which of a sample source's rows define the sample.
func criteria(s SourcePlan) string {
	f := s.Filter
	if f == nil {
		return "every person in " + s.Name
	}
	var parts []string
	if f.Column != "" {
		parts = append(parts, fmt.Sprintf("%s starting %s", f.Column, strings.Join(f.Prefixes, " or ")))
	}
	switch {
	case f.DateColumn == "":
	case f.From != "" && f.To != "":
		parts = append(parts, fmt.Sprintf("%s from %s to %s", f.DateColumn, f.From, f.To))
	case f.From != "":
		parts = append(parts, fmt.Sprintf("%s from %s", f.DateColumn, f.From))
	case f.To != "":
		parts = append(parts, fmt.Sprintf("%s up to %s", f.DateColumn, f.To))
	}
	return "persons with " + strings.Join(parts, ", ")
}

// serialName is the serial column's name in the deliveries.
func (p *Plan) serialName() string {
	if p.Output.SerialColumn != "" {
		return p.Output.SerialColumn
	}
	return DefaultSerialColumn
}

// deliveryName is a source's delivery file, without its folder.
func (p *Plan) deliveryName(s string) string { return s + formatExt[p.outFormat()] }
