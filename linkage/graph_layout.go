package linkage

// The SVG drawing's measures (px).
const (
	laneW     = 260 // a lane's width
	boxInset  = 12  // a box's distance from its lane's sides
	textPad   = 10  // text's distance from its box's sides
	margin    = 20
	boxLineH  = 16
	edgeLineH = 14
	rowGap    = 12
	numR      = 10 // a step number's circle
)

// placed is a step's or lane header's rectangle in the drawing.
type placed struct{ x, y, w, h int }

// layout is a drawing's geometry: lanes side by side, each step on a row
// of its own (parallel boxes in different lanes share one), so that an
// edge's row holds no box and its label no other edge.
type layout struct {
	width, height int
	head          placed   // the lane headers' band
	steps         []placed // a box's rectangle, or an edge's label block
	arrowY        []int    // an edge's y
	legend        placed
}

func laneX(l int) int   { return margin + l*laneW }
func laneMid(l int) int { return laneX(l) + laneW/2 }

// edgeLabelW is the width of an edge's label block: its number and its
// widest line.
func edgeLabelW(s drawStep) int {
	w := 0.0
	for _, l := range s.text {
		w = max(w, textWidth(l, edgeFont, false))
	}
	return int(w) + 2*numR + 10
}

func (d drawing) layout() layout {
	var lo layout
	lo.width = 2*margin + len(d.lanes)*laneW
	roles := 0
	for _, l := range d.lanes {
		roles = max(roles, len(l.role))
	}
	lo.head = placed{margin, margin + 30, len(d.lanes) * laneW, 28 + roles*15}
	next := lo.head.y + lo.head.h + rowGap
	lo.steps = make([]placed, len(d.steps))
	lo.arrowY = make([]int, len(d.steps))
	var row placed // the current row of boxes
	inRow := map[int]bool{}
	for i, s := range d.steps {
		if !s.isBox() {
			h := len(s.text)*edgeLineH + 14
			w := edgeLabelW(s)
			mid := (laneMid(s.from) + laneMid(s.to)) / 2
			lo.steps[i] = placed{mid - w/2, next, w, len(s.text)*edgeLineH + 4}
			lo.arrowY[i] = next + h - 5
			next += h + 2
			inRow = map[int]bool{}
			continue
		}
		h := len(s.text)*boxLineH + 14
		if !s.parallel || len(inRow) == 0 || inRow[s.from] {
			row, inRow = placed{y: next}, map[int]bool{}
		}
		inRow[s.from] = true
		row.h = max(row.h, h)
		lo.steps[i] = placed{laneX(s.from) + boxInset, row.y, laneW - 2*boxInset, h}
		next = row.y + row.h + rowGap
	}
	lo.legend = placed{margin, next + rowGap, len(d.lanes) * laneW, 34 + (len(d.legend)+1)/2*22}
	lo.height = lo.legend.y + lo.legend.h + margin
	return lo
}
