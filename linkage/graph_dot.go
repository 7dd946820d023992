package linkage

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// writeDot draws the drawing for Graphviz: a cluster per lane holding its
// boxes, numbered edges between the boxes, and the legend as a cluster of
// its own.
func (d drawing) writeDot(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("digraph %s {\n  rankdir=TB; newrank=true;\n  label=%s; labelloc=t;\n", dotQuote(d.title), dotQuote(d.title))
	ew.printf("  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fillcolor=\"#fff8dc\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n")
	for l, ln := range d.lanes {
		ew.printf("  subgraph cluster_lane%d {\n    label=%s;\n", l, dotQuote(strings.Join(append([]string{ln.title}, ln.role...), "\n")))
		for _, s := range d.steps {
			if s.isBox() && s.from == l {
				ew.printf("    step%d [label=%s%s];\n", s.n, dotQuote(stepLabel(s)), dotAttrs(s.kind))
			}
		}
		ew.printf("  }\n")
	}
	for _, s := range d.steps {
		if !s.isBox() {
			ew.printf("  step%d -> step%d [label=%s%s];\n", d.steps[s.src].n, d.steps[s.dst].n, dotQuote(stepLabel(s)), dotAttrs(s.kind))
		}
	}
	ew.printf("  subgraph cluster_legend {\n    label=\"legend\";\n")
	for i, it := range d.legend {
		ew.printf("    legend%d [label=%s%s];\n", i, dotQuote(it.text), dotAttrs(it.kind))
	}
	ew.printf("  }\n}\n")
	return ew.err
}

// stepLabel is a step's text with its number before the first line.
func stepLabel(s drawStep) string {
	return fmt.Sprintf("%d. %s", s.n, strings.Join(s.text, "\n"))
}

func dotAttrs(kind string) string {
	switch kind {
	case kindSecret:
		return `, style="rounded,filled,dashed", color="#b22222", fillcolor="#fff0f0"`
	case kindIDs:
		return `, style=dashed, color="#b22222", fontcolor="#b22222"`
	case kindData:
		return `, shape=plaintext, style=""`
	}
	return ""
}

// dotQuote quotes a string for dot, lines separated by \n.
func dotQuote(s string) string {
	s = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
	return `"` + s + `"`
}

// writeMermaid draws the drawing as a Mermaid flowchart: a subgraph per
// lane, numbered edges and a legend subgraph.
func (d drawing) writeMermaid(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("---\ntitle: %s\n---\nflowchart LR\n", strconv.Quote(d.title)) // a YAML double-quoted string
	for l, ln := range d.lanes {
		ew.printf("  subgraph lane%d[\"%s\"]\n    direction TB\n", l, mermaidText(strings.Join(append([]string{ln.title}, ln.role...), "\n")))
		for _, s := range d.steps {
			if s.isBox() && s.from == l {
				ew.printf("    step%d[\"%s\"]\n", s.n, mermaidText(stepLabel(s)))
			}
		}
		ew.printf("  end\n")
	}
	for _, s := range d.steps {
		if s.isBox() {
			continue
		}
		arrow := "-->"
		if s.kind == kindIDs {
			arrow = "-.->"
		}
		ew.printf("  step%d %s|\"%s\"| step%d\n", d.steps[s.src].n, arrow, mermaidText(stepLabel(s)), d.steps[s.dst].n)
	}
	ew.printf("  subgraph legend[\"legend\"]\n")
	for i, it := range d.legend {
		ew.printf("    legend%d[\"%s\"]\n", i, mermaidText(it.text))
	}
	ew.printf("  end\n")
	for _, s := range d.steps {
		if s.isBox() && s.kind == kindSecret {
			ew.printf("  style step%d stroke:#b22222,stroke-dasharray:5 3\n", s.n)
		}
	}
	return ew.err
}

// mermaidText escapes text for a quoted Mermaid label, lines separated by
// <br/>.
func mermaidText(s string) string {
	s = strings.NewReplacer("#", "#35;", `"`, "#quot;", "&", "#amp;", "<", "#lt;", ">", "#gt;").Replace(s)
	return strings.ReplaceAll(s, "\n", "<br/>")
}
