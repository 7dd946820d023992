package linkage

// drawBuilder collects a drawing's lanes and steps in order.
type drawBuilder struct {
	d       drawing
	lanes   map[string]int
	pending []int // edges whose receiving box is not placed yet
}

func newDrawBuilder(title string) *drawBuilder {
	return &drawBuilder{d: drawing{title: title}, lanes: map[string]int{}}
}

// lane returns the lane of an organisation, adding it, or the role to it,
// if new.
func (b *drawBuilder) lane(title, role string) int {
	i, ok := b.lanes[title]
	if !ok {
		i = len(b.d.lanes)
		b.lanes[title] = i
		b.d.lanes = append(b.d.lanes, lane{title: title})
	}
	l := &b.d.lanes[i]
	if role != "" && !contains(l.role, role) {
		l.role = append(l.role, role)
	}
	return i
}

// box adds an action in a lane: a title and lines, each wrapped to the
// box. It receives every edge sent to its lane and not yet received.
func (b *drawBuilder) box(in int, kind string, parallel bool, title string, lines ...string) int {
	text := wrapText(title, boxTextW, boxFont, true)
	for _, l := range lines {
		text = append(text, wrapText(l, boxTextW, boxFont, false)...)
	}
	i := len(b.d.steps)
	b.d.steps = append(b.d.steps, drawStep{from: in, to: -1, kind: kind, text: text, parallel: parallel})
	kept := b.pending[:0]
	for _, e := range b.pending {
		if b.d.steps[e].to == in {
			b.d.steps[e].dst = i
		} else {
			kept = append(kept, e)
		}
	}
	b.pending = kept
	return i
}

// send adds an edge from box src to the next box placed in lane to.
func (b *drawBuilder) send(src, to int, kind, label string) {
	b.pending = append(b.pending, len(b.d.steps))
	b.d.steps = append(b.d.steps, drawStep{from: b.d.steps[src].from, to: to, kind: kind, text: wrapText(label, edgeTextW, edgeFont, false), src: src, dst: -1})
}

// reply adds an edge from box src back to the earlier box dst.
func (b *drawBuilder) reply(src, dst int, kind, label string) {
	b.d.steps = append(b.d.steps, drawStep{from: b.d.steps[src].from, to: b.d.steps[dst].from, kind: kind, text: wrapText(label, edgeTextW, edgeFont, false), src: src, dst: dst})
}

// done numbers the steps and returns the drawing.
func (b *drawBuilder) done() drawing {
	if len(b.pending) > 0 {
		panic("linkage: internal error: a drawing's edge has no receiving box")
	}
	for i := range b.d.steps {
		b.d.steps[i].n = i + 1
	}
	for i := range b.d.lanes {
		l := &b.d.lanes[i]
		var role []string
		for _, r := range l.role {
			role = append(role, wrapText(r, laneTextW, boxFont, false)...)
		}
		l.role = role
	}
	return b.d
}
