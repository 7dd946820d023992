package linkage

import (
	"fmt"
	"strings"

	"github.com/koble/koble/pseudonym"
)

// RegisterPlan declares a register beyond the built-in [Catalogue] in a
// plan's [[register]] tables: a quality register, Statistics Norway
// data, a Swedish, Danish or Finnish register.
//
//	[[register]]
//	name = "Svenska cancerregistret"
//	holder = "Socialstyrelsen"
//	linkable = true        # false: de-identified, linked with no other source
//	pseudonymous = false   # true: holds register pseudonyms, not IDs
//	id_scheme = "se"       # the sources' ID scheme unless they name one
//
// A built-in de-identified register (NOIS, NORM, RAVN, the Abortion
// Registry) cannot be declared linkable or pseudonymous; any other
// built-in name is declared anew by the plan's entry.
type RegisterPlan struct {
	Name   string `toml:"name"`
	Holder string `toml:"holder"`
	// Linkable is false for a de-identified register (unset: true).
	Linkable     *bool    `toml:"linkable"`
	Pseudonymous bool     `toml:"pseudonymous"`
	IDScheme     string   `toml:"id_scheme"`
	Aliases      []string `toml:"aliases"`
}

// register turns the declaration into a catalogue entry.
func (r RegisterPlan) register() Register {
	reg := Register{Name: r.Name, Holder: r.Holder, Kind: Identified, Aliases: r.Aliases, Scheme: r.IDScheme}
	switch {
	case r.Linkable != nil && !*r.Linkable:
		reg.Kind = Deidentified
	case r.Pseudonymous:
		reg.Kind = Pseudonymous
	}
	return reg
}

// registers checks the plan's [[register]] tables and makes the plan's
// catalogue: the built-in one, with the plan's entries first.
func (c *planCheck) registers() {
	p := c.p
	p.catalogue = nil
	for i, r := range p.Registers {
		where := fmt.Sprintf("register %d", i+1)
		if r.Name != "" {
			where = fmt.Sprintf("register %q", r.Name)
		}
		switch {
		case strings.TrimSpace(r.Name) == "":
			c.bad("%s: no name ([[register]] name)", where)
			continue
		case pseudonym.Redact(r.Name) != r.Name:
			c.bad("%s: the name holds a national ID: choose another name", where)
			continue
		case r.Linkable != nil && !*r.Linkable && r.Pseudonymous:
			c.bad("%s: linkable = false and pseudonymous = true: a de-identified register is linked with nothing, through the administrator or not; choose one", where)
		}
		if r.IDScheme != "" {
			if _, err := pseudonym.SchemeByCode(r.IDScheme); err != nil {
				c.bad("%s: id_scheme: %v", where, err)
			}
		}
		reg := r.register()
		for _, name := range append([]string{r.Name}, r.Aliases...) {
			if b, ok := LookupRegister(name); ok && b.Kind == Deidentified && reg.Kind != Deidentified {
				c.bad("%s: %s is a de-identified register and may not be linked with any other source: a plan cannot declare it linkable or pseudonymous (remove this [[register]], or set linkable = false)", where, b.Name)
			}
		}
		p.catalogue = append(p.catalogue, reg)
	}
}

// lookupRegister finds a register in the plan's catalogue, then the
// built-in one.
func (p *Plan) lookupRegister(name string) (Register, bool) {
	for _, r := range p.catalogue {
		if r.matches(name) {
			return r, true
		}
	}
	return LookupRegister(name)
}

// SourceRegister returns the catalogue entry of a source's register
// (after the plan was loaded and checked).
func (p *Plan) SourceRegister(source string) (Register, bool) {
	r, ok := p.regs[source]
	return r, ok
}
