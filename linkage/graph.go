package linkage

import (
	"fmt"
	"html"
	"io"
	"strings"
)

// graphNode is a box in the linkage flow.
type graphNode struct {
	id, label string
	col       int    // 0 sources, 1 linkage step, 2 deliveries, 3 researcher
	kind      string // "source", "step", "delivery", "researcher", "secret"
}

type graphEdge struct{ from, to, label string }

// flow lays out the plan's linkage flow as nodes and edges.
func (p *Plan) flow() ([]graphNode, []graphEdge) {
	var nodes []graphNode
	var edges []graphEdge
	sample := p.sampleSources()
	for _, s := range p.Sources {
		reg := p.regs[s.Name]
		role := "linked"
		if contains(sample, s.Name) {
			role = "defines the sample"
		}
		label := fmt.Sprintf("%s\n%s\n(%s)", s.Name, reg.Name, reg.Holder)
		if p.Mode == Centralised {
			label += "\n" + role
		}
		nodes = append(nodes, graphNode{id: "src_" + s.Name, label: label, col: 0, kind: "source"})
		var what []string
		what = append(what, "lnr")
		switch {
		case len(s.Keep) > 0:
			what = append(what, s.Keep...)
		case len(s.Drop) > 0:
			what = append(what, "all but "+strings.Join(s.Drop, ", "))
		default:
			what = append(what, "all columns")
		}
		dl := fmt.Sprintf("%s delivery\n%s", s.Name, strings.Join(what, ", "))
		if len(s.Dates.Shift) > 0 {
			dl += fmt.Sprintf("\ndates shifted ±%d days", s.Dates.Window)
		}
		nodes = append(nodes, graphNode{id: "del_" + s.Name, label: dl, col: 2, kind: "delivery"})
		edges = append(edges, graphEdge{"del_" + s.Name, "researcher", ""})
	}
	nodes = append(nodes, graphNode{id: "researcher", label: "researcher\njoins the deliveries on lnr", col: 3, kind: "researcher"})
	if p.Mode == Centralised {
		rule := p.Sample.Rule
		if rule == "union" || rule == "intersection" {
			rule = rule + " of " + strings.Join(p.Sample.Sources, ", ")
		}
		nodes = append(nodes, graphNode{id: "step", label: fmt.Sprintf("centralised linkage\nsample: %s\nnew serial series 1..N\n(order from the project key)", rule), col: 1, kind: "step"})
		nodes = append(nodes, graphNode{id: "serialkey", label: "serial key file\n(ID <-> serial)\nage-encrypted to the\npseudonym administrator", col: 1, kind: "secret"})
		edges = append(edges, graphEdge{"step", "serialkey", "encrypts"})
		for _, s := range p.Sources {
			edges = append(edges, graphEdge{"src_" + s.Name, "step", ""}, graphEdge{"step", "del_" + s.Name, ""})
		}
	} else {
		admin := false
		for _, s := range p.Sources {
			label := fmt.Sprintf("koble prepare\nat %s\nproject serial (keyed HMAC);\nnational IDs stay here", p.regs[s.Name].Holder)
			if p.regs[s.Name].Kind == Pseudonymous {
				label = fmt.Sprintf("koble pseudoreg extract\nat %s\nsample's rows, pseudonym\nreplaced by project serial", p.regs[s.Name].Holder)
				admin = true
			}
			nodes = append(nodes, graphNode{id: "step_" + s.Name, label: label, col: 1, kind: "step"})
			edges = append(edges, graphEdge{"src_" + s.Name, "step_" + s.Name, ""}, graphEdge{"step_" + s.Name, "del_" + s.Name, ""})
		}
		if admin {
			nodes = append(nodes, graphNode{id: "admin", label: "pseudonym administrator\ntranslates IDs to register\npseudonyms (koble pseudoreg\ntranslate)", col: 1, kind: "secret"})
			for _, n := range sample {
				edges = append(edges, graphEdge{"step_" + n, "admin", "request (ID, serial) to administrator"})
			}
			for _, s := range p.Sources {
				if p.regs[s.Name].Kind == Pseudonymous {
					edges = append(edges, graphEdge{"admin", "step_" + s.Name, "answer (pseudonym, serial) to register"})
				}
			}
		}
	}
	return nodes, edges
}

// WriteGraph draws the plan's linkage flow as "dot" (Graphviz), "mermaid"
// or "svg" (self-contained, no fonts or scripts to load).
func (p *Plan) WriteGraph(w io.Writer, format string) error {
	nodes, edges := p.flow()
	switch format {
	case "dot":
		fmt.Fprintf(w, "digraph %q {\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n  label=%q;\n", p.Project, fmt.Sprintf("%s: %s linkage", p.Project, p.Mode))
		for _, n := range nodes {
			attrs := ""
			switch n.kind {
			case "secret":
				attrs = ", style=\"rounded,dashed\", color=firebrick"
			case "step":
				attrs = ", style=\"rounded,filled\", fillcolor=lightyellow"
			}
			fmt.Fprintf(w, "  %s [label=%q%s];\n", n.id, n.label, attrs)
		}
		for _, e := range edges {
			if e.label != "" {
				fmt.Fprintf(w, "  %s -> %s [label=%q];\n", e.from, e.to, e.label)
			} else {
				fmt.Fprintf(w, "  %s -> %s;\n", e.from, e.to)
			}
		}
		fmt.Fprintln(w, "}")
	case "mermaid":
		fmt.Fprintf(w, "flowchart LR\n")
		for _, n := range nodes {
			l := strings.ReplaceAll(html.EscapeString(n.label), "\n", "<br/>")
			fmt.Fprintf(w, "  %s[\"%s\"]\n", n.id, l)
		}
		for _, e := range edges {
			if e.label != "" {
				fmt.Fprintf(w, "  %s -->|%s| %s\n", e.from, e.label, e.to)
			} else {
				fmt.Fprintf(w, "  %s --> %s\n", e.from, e.to)
			}
		}
	case "svg":
		return p.writeSVG(w, nodes, edges)
	default:
		return fmt.Errorf("linkage: graph format %q: want svg, dot or mermaid", format)
	}
	return nil
}

// writeSVG lays the nodes out in four columns.
func (p *Plan) writeSVG(w io.Writer, nodes []graphNode, edges []graphEdge) error {
	for i := range nodes {
		nodes[i].label = wrapLines(nodes[i].label, 32)
	}
	pos, total := svgLayout(nodes)
	width := svgColX(4) - svgColGap + svgMargin
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="12">`+"\n", width, total, width, total)
	fmt.Fprintf(w, `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>`+"\n")
	fmt.Fprintf(w, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(w, `<text x="%d" y="%d" font-size="16" font-weight="bold">%s: %s linkage</text>`+"\n", svgMargin, svgMargin+14, html.EscapeString(p.Project), p.Mode)
	for i, t := range []string{"sources", "linkage", "deliveries", "researcher"} {
		fmt.Fprintf(w, `<text x="%d" y="%d" fill="#777">%s</text>`+"\n", svgColX(i), svgMargin+34, t)
	}
	labels := svgEdges(w, pos, edges)
	for _, n := range nodes {
		svgNode(w, n, pos[n.id])
	}
	for _, l := range labels {
		fmt.Fprintln(w, l)
	}
	fmt.Fprintln(w, "</svg>")
	return nil
}

// The SVG drawing's measures.
const svgBoxW, svgLineH, svgGapY, svgColGap, svgMargin = 220, 16, 24, 120, 20

func svgColX(c int) int { return svgMargin + c*(svgBoxW+svgColGap) }

// svgBox is a node's place in the drawing.
type svgBox struct {
	x, y, h int
}

// svgLayout stacks the nodes in their columns and returns their places
// and the drawing's height.
func svgLayout(nodes []graphNode) (map[string]svgBox, int) {
	pos := map[string]svgBox{}
	height := [4]int{svgMargin + 40, svgMargin + 40, svgMargin + 40, svgMargin + 40}
	for _, n := range nodes {
		lines := strings.Count(n.label, "\n") + 1
		h := lines*svgLineH + 16
		pos[n.id] = svgBox{svgColX(n.col), height[n.col], h}
		height[n.col] += h + svgGapY
	}
	total := 0
	for _, h := range height {
		total = max(total, h)
	}
	return pos, total
}

// svgEdges draws the edges and returns the labels of those within one
// column, to be drawn over the boxes.
func svgEdges(w io.Writer, pos map[string]svgBox, edges []graphEdge) (labels []string) {
	for _, e := range edges {
		a, b := pos[e.from], pos[e.to]
		if a.x == b.x {
			// Same column: a curve out to the left of the column, so that
			// it passes no box in between.
			x1, y1 := a.x, a.y+a.h/2
			x2, y2 := b.x, b.y+b.h/2
			bend := 30 + abs(y2-y1)/12
			fmt.Fprintf(w, `<path d="M %d %d C %d %d, %d %d, %d %d" fill="none" stroke="#b22222" stroke-width="1.2" stroke-dasharray="4,3" marker-end="url(#arrow)"/>`+"\n",
				x1, y1, x1-bend, y1, x2-bend, y2, x2, y2)
			if e.label != "" {
				ly := y1 + 16
				if y2 < y1 {
					ly = y1 - 8
				}
				labels = append(labels, fmt.Sprintf(`<text x="%d" y="%d" font-size="10" fill="#b22222" text-anchor="end">%s</text>`, x1-4, ly, html.EscapeString(e.label)))
			}
			continue
		}
		x1, y1 := a.x+svgBoxW, a.y+a.h/2
		x2, y2 := b.x, b.y+b.h/2
		fmt.Fprintf(w, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#555" stroke-width="1.2" marker-end="url(#arrow)"/>`+"\n", x1, y1, x2, y2)
		if e.label != "" {
			fmt.Fprintf(w, `<text x="%d" y="%d" font-size="10" fill="#555" text-anchor="middle">%s</text>`+"\n", (x1+x2)/2, (y1+y2)/2-4, html.EscapeString(e.label))
		}
	}
	return labels
}

// svgNode draws one node's box, coloured by its kind, and its label.
func svgNode(w io.Writer, n graphNode, pl svgBox) {
	fill, stroke, dash := "#eef4fb", "#4a78b0", ""
	switch n.kind {
	case "step":
		fill, stroke = "#fff8dc", "#b08d2a"
	case "delivery":
		fill, stroke = "#eefaf0", "#3c8f4f"
	case "researcher":
		fill, stroke = "#f5f5f5", "#666"
	case "secret":
		fill, stroke, dash = "#fff0f0", "#b22222", ` stroke-dasharray="5,3"`
	}
	fmt.Fprintf(w, `<rect x="%d" y="%d" width="%d" height="%d" rx="8" fill="%s" stroke="%s"%s/>`+"\n", pl.x, pl.y, svgBoxW, pl.h, fill, stroke, dash)
	for i, line := range strings.Split(n.label, "\n") {
		weight := ""
		if i == 0 {
			weight = ` font-weight="bold"`
		}
		fmt.Fprintf(w, `<text x="%d" y="%d"%s>%s</text>`+"\n", pl.x+10, pl.y+20+i*svgLineH, weight, html.EscapeString(line))
	}
}

// wrapLines breaks lines longer than width at spaces or commas.
func wrapLines(label string, width int) string {
	var out []string
	for _, line := range strings.Split(label, "\n") {
		for len(line) > width {
			cut := strings.LastIndexAny(line[:width], " ,")
			if cut <= 0 {
				cut = width - 1
			}
			out = append(out, strings.TrimRight(line[:cut+1], " "))
			line = strings.TrimLeft(line[cut+1:], " ")
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
