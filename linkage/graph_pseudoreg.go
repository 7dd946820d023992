package linkage

import (
	"fmt"
	"strings"
)

// drawPseudoreg: the identified sources deliver on their own; the sample
// definer's encrypted request goes through the pseudonym administrator to
// the pseudonymous register, which delivers the sample's rows.
func (p *Plan) drawPseudoreg(b *drawBuilder) {
	pseudo := p.PseudoregSource()
	var ps SourcePlan
	for _, s := range p.Sources {
		if s.Name == pseudo {
			ps = s
		} else {
			p.holderLane(b, s)
		}
	}
	definer := p.definerLane(b)
	admin := b.lane(laneAdmin, "translates national IDs to the register's pseudonyms")
	register := p.holderLane(b, ps)
	researcher := b.lane(laneResearcher, "receives the deliveries")
	boxes := map[string]int{}
	for _, s := range p.Sources {
		if s.Name != pseudo {
			boxes[s.Name] = p.prepareBox(b, s, len(boxes) > 0)
		}
	}
	request := p.requestBox(b, definer, boxes)
	id := p.Sources[0].IDColumn
	b.send(request, admin, kindIDs, fmt.Sprintf("request: %s + %s of the sample's persons, encrypted to the administrator", id, p.serialName()))
	translate := b.box(admin, kindSecret, false, "koble pseudoreg translate",
		id+" → the register's pseudonym (the register's key)", "sees the sample's IDs, never health data")
	b.send(translate, register, kindIDs, fmt.Sprintf("answer: register pseudonym + %s, encrypted to the register", p.serialName()))
	b.reply(translate, request, kindData, "count of the sample's persons without a pseudonym, encrypted to the definer")
	boxes[pseudo] = b.box(register, kindAction, false, "koble pseudoreg extract",
		"selects the sample's rows"+p.ofRegister(ps, " in "), fmt.Sprintf("%s replaced by %s", ps.IDColumn, p.serialName()), shiftText(ps))
	for _, s := range p.Sources {
		p.deliver(b, boxes[s.Name], s, researcher, "")
	}
	p.researcherBox(b, researcher)
}

// definerLane is the lane of the sample definer: the organisation holding
// every sample source, or a lane of its own that they send IDs to.
func (p *Plan) definerLane(b *drawBuilder) int {
	sample := p.sampleSources()
	holders := map[int]bool{}
	for _, s := range p.Sources {
		if contains(sample, s.Name) {
			holders[p.holderLane(b, s)] = true
		}
	}
	if len(holders) == 1 {
		for l := range holders {
			return b.lane(b.d.lanes[l].title, "defines the sample")
		}
	}
	return b.lane(laneDefiner, "makes the sample from "+strings.Join(sample, " and "))
}

// requestBox is the definer's request, after the sample sources have sent
// it their IDs if it is an organisation of its own.
func (p *Plan) requestBox(b *drawBuilder, definer int, boxes map[string]int) int {
	var lines []string
	for _, s := range p.Sources {
		if !contains(p.sampleSources(), s.Name) {
			continue
		}
		if b.d.steps[boxes[s.Name]].from != definer {
			b.send(boxes[s.Name], definer, kindIDs, fmt.Sprintf("%s of %s's persons, for the sample", s.IDColumn, s.Name))
		}
		if s.Filter != nil {
			lines = append(lines, s.Name+": "+criteria(s))
		}
	}
	lines = append([]string{p.sampleText()}, lines...)
	lines = append(lines, fmt.Sprintf("%s → %s, the project serial", p.Sources[0].IDColumn, p.serialName()))
	return b.box(definer, kindAction, false, "koble pseudoreg request", lines...)
}
