package linkage_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/linkage"
)

// svgNode is an element of a parsed SVG drawing.
type svgNode struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Nodes   []svgNode  `xml:",any"`
	Text    string     `xml:",chardata"`
}

func (n svgNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n svgNode) num(t *testing.T, name string) float64 {
	v, err := strconv.ParseFloat(n.attr(name), 64)
	require.NoError(t, err, "%s of %s", name, n.XMLName.Local)
	return v
}

// rect is an axis-aligned rectangle of the drawing.
type rect struct{ x, y, w, h float64 }

func (r rect) overlaps(o rect) bool {
	return r.x < o.x+o.w && o.x < r.x+r.w && r.y < o.y+o.h && o.y < r.y+r.h
}

// crossedBy says whether the horizontal segment from x1 to x2 at y
// enters the rectangle.
func (r rect) crossedBy(x1, x2, y float64) bool {
	lo, hi := min(x1, x2), max(x1, x2)
	return y > r.y && y < r.y+r.h && lo < r.x+r.w && hi > r.x
}

// part is a group of the drawing: a lane header, a box, an edge or the
// legend, with its rectangle, its text lines and, for an edge, its line.
type part struct {
	class, n string
	rect     rect
	lines    []svgNode
	edge     [3]float64 // x1, x2, y
}

func (p part) text() []string {
	var out []string
	for _, l := range p.lines {
		if l.attr("class") != "num" {
			out = append(out, l.Text)
		}
	}
	return out
}

// parseDrawing reads the parts of an SVG drawing, and its title.
func parseDrawing(t *testing.T, svg []byte) (parts []part, title string) {
	var root svgNode
	require.NoError(t, xml.Unmarshal(svg, &root))
	for _, g := range root.Nodes {
		if g.XMLName.Local == "text" {
			title = g.Text
		}
		if g.XMLName.Local != "g" {
			continue
		}
		p := part{class: g.attr("class"), n: g.attr("data-n")}
		for _, c := range g.Nodes {
			switch {
			case c.XMLName.Local == "text":
				p.lines = append(p.lines, c)
			case c.XMLName.Local == "line" && p.class == "edge":
				require.Equal(t, c.attr("y1"), c.attr("y2"), "edge %s is horizontal", p.n)
				p.edge = [3]float64{c.num(t, "x1"), c.num(t, "x2"), c.num(t, "y1")}
			case c.XMLName.Local == "rect" && (p.class != "lane" || c.attr("class") == "lane-head") && (p.class != "edge" || c.attr("class") == "label"):
				if p.rect.w == 0 {
					p.rect = rect{c.num(t, "x"), c.num(t, "y"), c.num(t, "width"), c.num(t, "height")}
				}
			}
		}
		parts = append(parts, p)
	}
	return parts, title
}

func drawPlan(t *testing.T, path, format string) []byte {
	p, err := linkage.LoadPlan(path)
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, p.WriteGraph(&b, format))
	return b.Bytes()
}

func drawablePlans(t *testing.T) []string {
	all, err := filepath.Glob(filepath.Join("..", "testdata", "plans", "*.toml"))
	require.NoError(t, err)
	var plans []string
	for _, f := range all {
		if _, err := linkage.LoadPlan(f); err == nil {
			plans = append(plans, f)
		}
	}
	require.GreaterOrEqual(t, len(plans), 5, "the plans of testdata/plans load")
	return plans
}

// TestGraphGeometry checks every plan's SVG drawing: no edge crosses a
// box or another edge's label, nothing overlaps, every text line fits its
// box, and every step is numbered in order.
func TestGraphGeometry(t *testing.T) {
	for _, plan := range drawablePlans(t) {
		t.Run(filepath.Base(plan), func(t *testing.T) {
			parts, _ := parseDrawing(t, drawPlan(t, plan, "svg"))
			var solid, edges []part
			for _, p := range parts {
				if p.class != "edge" {
					solid = append(solid, p)
				} else {
					edges = append(edges, p)
				}
			}
			for _, e := range edges {
				for _, o := range parts {
					if o.class == "edge" && o.n == e.n {
						continue
					}
					assert.False(t, o.rect.crossedBy(e.edge[0], e.edge[1], e.edge[2]), "edge %s crosses %s %s", e.n, o.class, o.n)
				}
				assert.LessOrEqual(t, e.rect.y+e.rect.h, e.edge[2], "edge %s: its label sits above it", e.n)
			}
			for i, a := range parts {
				for _, b := range parts[i+1:] {
					if a.class != "lane" || b.class != "lane" {
						assert.False(t, a.rect.overlaps(b.rect), "%s %s overlaps %s %s", a.class, a.n, b.class, b.n)
					}
				}
			}
			assertTextFits(t, parts)
			assertNumbered(t, parts)
		})
	}
}

// assertTextFits checks that each text line lies inside its part.
func assertTextFits(t *testing.T, parts []part) {
	for _, p := range parts {
		for _, l := range p.lines {
			if l.attr("class") == "num" {
				continue // a box's number sits on its border
			}
			size := 12.0
			if s := l.attr("font-size"); s != "" {
				size = l.num(t, "font-size")
			}
			x, y := l.num(t, "x"), l.num(t, "y")
			w := linkage.TextWidth(l.Text, size, l.attr("font-weight") == "bold")
			if l.attr("text-anchor") == "middle" {
				x -= w / 2
			}
			assert.GreaterOrEqual(t, x, p.rect.x, "%s %s: %q starts left of its box", p.class, p.n, l.Text)
			assert.LessOrEqual(t, x+w, p.rect.x+p.rect.w, "%s %s: %q runs out of its box", p.class, p.n, l.Text)
			assert.True(t, y-size >= p.rect.y-1 && y <= p.rect.y+p.rect.h, "%s %s: %q lies outside its box", p.class, p.n, l.Text)
		}
	}
}

// assertNumbered checks that the boxes and edges are numbered 1..n, each
// edge labelled.
func assertNumbered(t *testing.T, parts []part) {
	n := 0
	for _, p := range parts {
		if p.class != "box" && p.class != "edge" {
			continue
		}
		n++
		assert.Equal(t, strconv.Itoa(n), p.n, "steps are numbered in order")
		assert.NotEmpty(t, p.text(), "%s %s has a label", p.class, p.n)
	}
	assert.Greater(t, n, 3)
}

// TestGraphContent checks what every plan's drawing says: one lane per
// organisation, no label repeating a name in brackets, the sample definer
// and its criteria, every delivery on an edge, and a legend.
func TestGraphContent(t *testing.T) {
	for _, plan := range drawablePlans(t) {
		t.Run(filepath.Base(plan), func(t *testing.T) {
			parts, title := parseDrawing(t, drawPlan(t, plan, "svg"))
			lanes, all := map[string]bool{}, []string{title}
			var legend []string
			for _, p := range parts {
				switch p.class {
				case "lane":
					assert.False(t, lanes[p.text()[0]], "one lane per organisation: %q twice", p.text()[0])
					lanes[p.text()[0]] = true
				case "legend":
					legend = p.text()
				}
				all = append(all, p.text()...)
			}
			lines, text := strings.Join(all, "\n"), strings.Join(all, " ")
			for _, line := range all {
				for _, m := range regexp.MustCompile(`\(([^()]+)\)`).FindAllStringSubmatch(line, -1) {
					assert.NotContains(t, line, m[1]+" "+m[0], "a repeated label")
				}
			}
			assert.Len(t, legend, 5, "a legend of four kinds")
			assert.Contains(t, text, "researcher")
			p, err := linkage.LoadPlan(plan)
			require.NoError(t, err)
			for _, s := range p.Sources {
				assert.Regexp(t, regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(filepath.Base(p.DeliveryPath(s.Name)))+`: lnr \+`), lines, "the %s delivery on an edge", s.Name)
			}
			if p.Sample != nil {
				assert.Regexp(t, `defines the sample|sample definer`, text)
				assert.Contains(t, text, "sample: ")
			}
			if p.Mode == linkage.Centralised {
				assert.Contains(t, text, "linking party")
				assert.Contains(t, text, "fnr + lnr, encrypted to the administrator")
			}
		})
	}
}

// TestGraphCriteria checks that a filtered sample source's criteria are
// drawn.
func TestGraphCriteria(t *testing.T) {
	svg := drawPlan(t, filepath.Join("..", "testdata", "plans", "centralised-b.toml"), "svg")
	parts, _ := parseDrawing(t, svg)
	var all []string
	for _, p := range parts {
		all = append(all, p.text()...)
	}
	text := strings.Join(all, " ")
	assert.Contains(t, text, "defines the sample: persons with icd10 starting C5, diagnosis_date from 2010-01-01")
}

// TestGraphFormatsAgree checks that dot and Mermaid carry the same words
// as the SVG: the title, every lane, every numbered step and the legend.
func TestGraphFormatsAgree(t *testing.T) {
	for _, plan := range drawablePlans(t) {
		t.Run(filepath.Base(plan), func(t *testing.T) {
			parts, title := parseDrawing(t, drawPlan(t, plan, "svg"))
			want := []string{title}
			for _, p := range parts {
				switch {
				case p.class == "lane":
					want = append(want, strings.Join(p.text(), "\n"))
				case p.class == "legend":
					want = append(want, p.text()...)
				default:
					want = append(want, fmt.Sprintf("%s. %s", p.n, strings.Join(p.text(), "\n")))
				}
			}
			assert.ElementsMatch(t, want, dotLabels(string(drawPlan(t, plan, "dot"))), "dot")
			assert.ElementsMatch(t, want, mermaidLabels(string(drawPlan(t, plan, "mermaid"))), "mermaid")
		})
	}
}

// dotLabels returns a dot graph's labels, unescaped, the graph's own
// label once.
func dotLabels(dot string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`label="((?:[^"\\]|\\.)*)"`).FindAllStringSubmatch(dot, -1) {
		l := strings.NewReplacer(`\n`, "\n", `\"`, `"`, `\\`, `\`).Replace(m[1])
		if !seen[l] || !strings.Contains(l, ":") {
			out = append(out, l)
		}
		seen[l] = true
	}
	return out
}

// mermaidLabels returns a Mermaid flowchart's title, node and edge
// labels, unescaped.
func mermaidLabels(mm string) []string {
	var out []string
	re := regexp.MustCompile(`(?m)^title: (".*")$|\["([^"]*)"\]|\|"([^"]*)"\|`)
	for _, m := range re.FindAllStringSubmatch(mm, -1) {
		title, _ := strconv.Unquote(m[1])
		l := title + m[2] + m[3]
		l = strings.ReplaceAll(l, "<br/>", "\n")
		l = strings.NewReplacer("#quot;", `"`, "#amp;", "&", "#lt;", "<", "#gt;", ">", "#35;", "#").Replace(l)
		out = append(out, html.UnescapeString(l))
	}
	return out
}
