package linkage

import "fmt"

// drawCentralised: the sources hand their rows, with national IDs, to the
// linking party, which numbers the sample's persons and delivers all.
func (p *Plan) drawCentralised(b *drawBuilder) {
	for _, s := range p.Sources {
		p.holderLane(b, s)
	}
	linker := b.lane(laneLinker, "runs the centralised linkage (koble link) and sees every source's national IDs")
	admin := b.lane(laneAdmin, "keeps the serial key file")
	researcher := b.lane(laneResearcher, "receives the deliveries")
	sample := p.sampleSources()
	boxes := make([]int, len(p.Sources))
	for i, s := range p.Sources {
		role := "linked to the sample: only the sample's persons are delivered"
		if contains(sample, s.Name) {
			role = "defines the sample: " + criteria(s)
		}
		boxes[i] = b.box(p.holderLane(b, s), kindAction, i > 0, "hand over "+s.Name+"'s rows",
			p.ofRegister(s, ""), role)
	}
	for i, s := range p.Sources {
		b.send(boxes[i], linker, kindIDs, fmt.Sprintf("%s + %s's columns, every row", s.IDColumn, s.Name))
	}
	link := b.box(linker, kindAction, false, "koble link: centralised linkage", p.sampleText(),
		fmt.Sprintf("new serial %s = 1..N across all sources, in an order derived from the project key", p.serialName()),
		"dates shifted, one shift per person",
		fmt.Sprintf("writes the serial key file (%s ↔ %s)", p.Sources[0].IDColumn, p.serialName()))
	b.send(link, admin, kindIDs, fmt.Sprintf("serial key file: %s + %s, encrypted to the administrator", p.Sources[0].IDColumn, p.serialName()))
	b.box(admin, kindSecret, false, "keep the serial key file", "the only way from a serial back to a person")
	for _, s := range p.Sources {
		p.deliver(b, link, s, researcher, "the sample's persons only")
	}
	p.researcherBox(b, researcher)
}
