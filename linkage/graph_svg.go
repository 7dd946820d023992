package linkage

import (
	"fmt"
	"html"
	"io"
)

// The drawing's colours: a box's fill and stroke, an edge's stroke and
// dashes, by kind.
var svgStyle = map[string]struct{ fill, stroke, dash string }{
	kindAction: {"#fff8dc", "#b08d2a", ""},
	kindSecret: {"#fff0f0", "#b22222", "5,3"},
	kindData:   {"", "#4d4d4d", ""},
	kindIDs:    {"", "#b22222", "7,4"},
}

// writeSVG draws the drawing as a self-contained SVG: no fonts, scripts
// or links to load.
func (d drawing) writeSVG(w io.Writer) error {
	lo := d.layout()
	ew := &errWriter{w: w}
	ew.printf(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="%d">`+"\n", lo.width, lo.height, lo.width, lo.height, boxFont)
	ew.printf(`<defs>%s%s</defs>`+"\n", svgMarker(kindData), svgMarker(kindIDs))
	ew.printf(`<rect width="100%%" height="100%%" fill="white"/>` + "\n")
	ew.printf(`<text x="%d" y="%d" font-size="16" font-weight="bold">%s</text>`+"\n", margin, margin+14, html.EscapeString(d.title))
	for i, l := range d.lanes {
		svgLane(ew, i, l, lo)
	}
	for i, s := range d.steps {
		if s.isBox() {
			svgBox(ew, s, lo.steps[i])
		} else {
			svgEdge(ew, s, lo.steps[i], lo.arrowY[i])
		}
	}
	svgLegend(ew, d.legend, lo.legend)
	ew.printf("</svg>\n")
	return ew.err
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

func svgMarker(kind string) string {
	return fmt.Sprintf(`<marker id="arrow-%s" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="%s"/></marker>`, kind, svgStyle[kind].stroke)
}

// svgLane draws a lane's background, its header and its lifeline.
func svgLane(w *errWriter, i int, l lane, lo layout) {
	fill := "#f4f7fb"
	if i%2 == 1 {
		fill = "#ffffff"
	}
	top, bottom := lo.head.y, lo.legend.y-rowGap
	w.printf(`<g class="lane"><rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`+"\n", laneX(i), top, laneW, bottom-top, fill)
	w.printf(`<line class="lifeline" x1="%d" y1="%d" x2="%d" y2="%d" stroke="#b8c2cc" stroke-dasharray="2,4"/>`+"\n", laneMid(i), lo.head.y+lo.head.h, laneMid(i), bottom)
	w.printf(`<rect class="lane-head" x="%d" y="%d" width="%d" height="%d" rx="4" fill="#dfe8f3" stroke="#4a78b0"/>`+"\n", laneX(i)+4, lo.head.y, laneW-8, lo.head.h)
	svgLines(w, laneX(i)+textPad, lo.head.y+19, 15, 0, []string{l.title}, true)
	svgLines(w, laneX(i)+textPad, lo.head.y+36, 15, 0, l.role, false)
	w.printf("</g>\n")
}

// svgLines writes lines of text from (x, y), the first in bold if asked.
func svgLines(w *errWriter, x, y, lineH, size int, lines []string, bold bool) {
	attr := ""
	if size > 0 {
		attr = fmt.Sprintf(` font-size="%d"`, size)
	}
	for i, l := range lines {
		weight := ""
		if bold && i == 0 {
			weight = ` font-weight="bold"`
		}
		w.printf(`<text x="%d" y="%d"%s%s>%s</text>`+"\n", x, y+i*lineH, attr, weight, html.EscapeString(l))
	}
}

// svgNum draws a step's number in a circle.
func svgNum(w *errWriter, n, cx, cy int, stroke string) {
	w.printf(`<circle cx="%d" cy="%d" r="%d" fill="white" stroke="%s" stroke-width="1.4"/>`, cx, cy, numR, stroke)
	size := 10
	if n >= 10 {
		size = 8
	}
	w.printf(`<text class="num" x="%d" y="%d" font-size="%d" font-weight="bold" text-anchor="middle">%d</text>`+"\n", cx, cy+4, size, n)
}

// svgBox draws a step in its lane, its number on its left side.
func svgBox(w *errWriter, s drawStep, pl placed) {
	st := svgStyle[s.kind]
	w.printf(`<g class="box" data-n="%d"><rect x="%d" y="%d" width="%d" height="%d" rx="6" fill="%s" stroke="%s" stroke-dasharray="%s"/>`+"\n", s.n, pl.x, pl.y, pl.w, pl.h, st.fill, st.stroke, st.dash)
	svgNum(w, s.n, pl.x, pl.y+14, st.stroke)
	svgLines(w, pl.x+textPad+4, pl.y+19, boxLineH, 0, s.text, true)
	w.printf("</g>\n")
}

// svgEdge draws an edge from lifeline to lifeline, its label above it.
func svgEdge(w *errWriter, s drawStep, label placed, y int) {
	st := svgStyle[s.kind]
	x1, x2 := laneMid(s.from), laneMid(s.to)
	w.printf(`<g class="edge" data-n="%d" data-kind="%s">`, s.n, s.kind)
	w.printf(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="1.6" stroke-dasharray="%s" marker-end="url(#arrow-%s)"/>`+"\n", x1, y, x2, y, st.stroke, st.dash, s.kind)
	w.printf(`<rect class="label" x="%d" y="%d" width="%d" height="%d" fill="white" fill-opacity="0.9"/>`+"\n", label.x, label.y, label.w, label.h)
	svgNum(w, s.n, label.x+numR+1, label.y+numR+2, st.stroke)
	svgLines(w, label.x+2*numR+6, label.y+12, edgeLineH, edgeFont, s.text, false)
	w.printf("</g>\n")
}

// svgLegend draws the key: a sample of each kind and what it means, in
// two columns.
func svgLegend(w *errWriter, items []legendItem, pl placed) {
	w.printf(`<g class="legend"><rect x="%d" y="%d" width="%d" height="%d" rx="4" fill="white" stroke="#999"/>`+"\n", pl.x, pl.y, pl.w, pl.h)
	w.printf(`<text x="%d" y="%d" font-weight="bold">legend</text>`+"\n", pl.x+textPad, pl.y+20)
	colW := pl.w / 2
	for i, it := range items {
		x, y := pl.x+textPad+(i%2)*colW, pl.y+34+(i/2)*22
		st := svgStyle[it.kind]
		if st.fill != "" {
			w.printf(`<rect x="%d" y="%d" width="36" height="14" rx="3" fill="%s" stroke="%s" stroke-dasharray="%s"/>`, x, y, st.fill, st.stroke, st.dash)
		} else {
			w.printf(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="1.6" stroke-dasharray="%s" marker-end="url(#arrow-%s)"/>`, x, y+7, x+36, y+7, st.stroke, st.dash, it.kind)
		}
		w.printf(`<text x="%d" y="%d">%s</text>`+"\n", x+46, y+11, html.EscapeString(it.text))
	}
	w.printf("</g>\n")
}
