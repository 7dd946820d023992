package linkage

import (
	"fmt"
	"strings"
)

// Lanes that are not a source's holder.
const (
	laneResearcher = "researcher"
	laneLinker     = "linking party"
	laneAdmin      = "pseudonym administrator"
	laneDefiner    = "sample definer"
)

// drawing lays out the plan's flow.
func (p *Plan) drawing() drawing {
	b := newDrawBuilder(p.Project + ": " + p.flowName())
	switch {
	case p.Mode == Centralised:
		p.drawCentralised(b)
	case p.PseudoregSource() != "":
		p.drawPseudoreg(b)
	default:
		p.drawDistributed(b)
	}
	b.d.legend = p.legend()
	return b.done()
}

// flowName names the plan's flow and its variant.
func (p *Plan) flowName() string {
	from := "every source delivers on its own"
	if p.Sample != nil {
		from = "the sample from one source"
		if len(p.sampleSources()) > 1 {
			from = "the sample from several sources"
		}
	}
	switch {
	case p.Mode == Centralised:
		return "centralised linkage, " + from
	case p.PseudoregSource() != "":
		return "linkage through a pseudonymous register, " + from
	}
	return "distributed linkage, every source delivers on its own"
}

// holderLane returns the lane of the organisation holding a source.
func (p *Plan) holderLane(b *drawBuilder, s SourcePlan) int {
	reg := p.regs[s.Name]
	switch {
	case reg.Kind == ResearcherData:
		return b.lane(laneResearcher, "brings the study's own data ("+s.Name+")")
	case reg.Name == reg.Holder:
		return b.lane(reg.Holder, "holds the register")
	}
	return b.lane(reg.Holder, "holds "+reg.Name)
}

// ofRegister names a source's register, after prefix, where its lane's
// title does not; else it returns "".
func (p *Plan) ofRegister(s SourcePlan, prefix string) string {
	reg := p.regs[s.Name]
	if reg.Name == reg.Holder || reg.Kind == ResearcherData {
		return ""
	}
	return prefix + reg.Name
}

// prepareBox is a source's own delivery with the project serial.
func (p *Plan) prepareBox(b *drawBuilder, s SourcePlan, parallel bool) int {
	return b.box(p.holderLane(b, s), kindAction, parallel, "prepare the "+s.Name+" delivery",
		"koble prepare"+p.ofRegister(s, " on "),
		fmt.Sprintf("%s replaced by %s, the project serial (keyed HMAC)", s.IDColumn, p.serialName()),
		shiftText(s), "national IDs stay here")
}

// deliver sends a source's delivery to the researcher.
func (p *Plan) deliver(b *drawBuilder, src int, s SourcePlan, researcher int, note string) {
	label := fmt.Sprintf("%s: %s + %s", p.deliveryName(s.Name), p.serialName(), p.carries(s))
	if note != "" {
		label += ", " + note
	}
	b.send(src, researcher, kindData, label)
}

// researcherBox is the researcher joining the deliveries.
func (p *Plan) researcherBox(b *drawBuilder, researcher int) {
	names := make([]string, len(p.Sources))
	for i, s := range p.Sources {
		names[i] = s.Name
	}
	b.box(researcher, kindAction, false, "join the deliveries on "+p.serialName(),
		strings.Join(names, ", "), "no national ID, pseudonym or key reaches the researcher")
}

// drawDistributed: every source delivers on its own.
func (p *Plan) drawDistributed(b *drawBuilder) {
	for _, s := range p.Sources {
		p.holderLane(b, s)
	}
	researcher := b.lane(laneResearcher, "receives the deliveries")
	boxes := make([]int, len(p.Sources))
	for i, s := range p.Sources {
		boxes[i] = p.prepareBox(b, s, i > 0)
	}
	for i, s := range p.Sources {
		p.deliver(b, boxes[i], s, researcher, "")
	}
	p.researcherBox(b, researcher)
}
