package risk

// levelMap maps a quasi-identifier's value ids to the ids of their
// generalisation at one ladder level.
type levelMap struct {
	ids map[string]uint32 // generalised text -> id; 0 is missing
	of  []uint32          // base value id -> generalised id
}

type levelKey struct{ q, level int }

// levelMap returns (and caches) the map of quasi-identifier q at level.
func (c *Collector) levelMap(q, level int) *levelMap {
	if m, ok := c.levels[levelKey{q, level}]; ok {
		return m
	}
	lv := c.ladders[q].Levels[level]
	d := c.dicts[q]
	m := &levelMap{ids: map[string]uint32{}, of: make([]uint32, len(d.vals))}
	for v, text := range d.vals {
		switch {
		case lv.Drop:
			text = "*"
		case v == missingID:
			continue // missing stays missing
		case lv.Map != nil:
			text = lv.Map(text)
		}
		m.of[v] = m.id(text)
	}
	c.levels[levelKey{q, level}] = m
	return m
}

func (m *levelMap) id(text string) uint32 {
	id, ok := m.ids[text]
	if !ok {
		id = uint32(len(m.ids) + 1)
		m.ids[text] = id
	}
	return id
}

// lookup returns the id of a generalised value's text, or false if no
// delivered value generalises to it.
func (m *levelMap) lookup(text string) (uint32, bool) {
	if text == missingText {
		return missingID, true
	}
	id, ok := m.ids[text]
	return id, ok
}

func (c *Collector) levelNames(levels []int) []string {
	names := make([]string, len(levels))
	for q, l := range levels {
		names[q] = c.ladders[q].Levels[l].Name
	}
	return names
}
