package linkage

import (
	"fmt"
	"io"
)

// A drawing is a plan's linkage flow as a sequence diagram: one lane per
// organisation, left to right, and numbered steps from top to bottom.
// Each step is an action in one lane (a box) or a message from one lane to
// another (an edge labelled with what it carries). The SVG, dot and
// Mermaid forms are all written from one drawing, so that they carry the
// same words.
type drawing struct {
	title  string
	lanes  []lane
	steps  []drawStep
	legend []legendItem
}

// lane is an organisation taking part in the flow.
type lane struct {
	title string   // the organisation
	role  []string // what it does in this plan, wrapped
}

// Step kinds. A "secret" box holds what re-identifies the persons; an
// "ids" edge carries national IDs or register pseudonyms.
const (
	kindAction = "action"
	kindSecret = "secret"
	kindData   = "data"
	kindIDs    = "ids"
)

// drawStep is a box (to < 0) in lane from, or an edge from lane from to lane
// to, between the boxes src and dst.
type drawStep struct {
	n        int      // the step's number, from 1
	from, to int      // lanes
	kind     string   // kindAction or kindSecret for a box; kindData or kindIDs for an edge
	text     []string // wrapped lines; a box's first line is its title
	src, dst int      // an edge's boxes (indices into steps)
	parallel bool     // a box that may share its row with the box before
}

func (s drawStep) isBox() bool { return s.to < 0 }

// legendItem is one entry of the key to the drawing: a sample of a kind
// of box or edge, and what it means.
type legendItem struct{ kind, text string }

// legend is the key to the drawing, in the plan's column names.
func (p *Plan) legend() []legendItem {
	id := "national IDs"
	if len(p.Sources) > 0 {
		id = "national IDs (" + p.Sources[0].IDColumn + ")"
	}
	return []legendItem{
		{kindAction, "a step, run by the organisation of its lane; the numbers give the order"},
		{kindSecret, "a step holding what leads from a serial back to a person"},
		{kindData, "carries the project serial (" + p.serialName() + ") and variables, no national ID"},
		{kindIDs, "carries " + id + " or register pseudonyms"},
	}
}

// WriteGraph draws the plan's linkage flow as "svg" (self-contained, no
// fonts or scripts to load), "dot" (Graphviz) or "mermaid": one lane per
// organisation, numbered steps, every edge labelled with what it carries,
// and a legend.
func (p *Plan) WriteGraph(w io.Writer, format string) error {
	d := p.drawing()
	switch format {
	case "svg":
		return d.writeSVG(w)
	case "dot":
		return d.writeDot(w)
	case "mermaid":
		return d.writeMermaid(w)
	}
	return fmt.Errorf("linkage: graph format %q: want svg, dot or mermaid", format)
}
