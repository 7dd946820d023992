package linkage

import (
	"sort"
	"strings"
)

// RegisterKind says how a register may take part in linkage.
type RegisterKind uint8

// The kinds of registers.
const (
	// Identified registers hold national IDs and link through serials.
	Identified RegisterKind = iota
	// Pseudonymous registers hold a register pseudonym instead of the ID;
	// they link only through the pseudonym administrator.
	Pseudonymous
	// Deidentified registers may not be linked with any other source.
	Deidentified
	// ResearcherData is the researcher's own data, with national IDs.
	ResearcherData
)

// Register is an entry of the catalogue of registers koble knows.
type Register struct {
	Name    string       // as written in plans
	Holder  string       // the register manager
	Kind    RegisterKind // how it may be linked
	Aliases []string     // other spellings accepted in plans
	// Scheme is the code of the ID scheme of the register's sources
	// unless a source names one ("" for Norway's).
	Scheme string
}

// Catalogue lists the Norwegian health registers (and the researcher's own
// data) that plans may name, with how each may be linked. The
// de-identified registers NOIS, NORM, RAVN and the Abortion Registry may
// not be linked with any other source.
var Catalogue = []Register{
	{"Kreftregisteret", "Kreftregisteret", Identified, []string{"Cancer Registry of Norway", "cancer"}, ""},
	{"Norsk pasientregister", "Helsedirektoratet", Identified, []string{"NPR", "Norwegian Patient Registry", "patient"}, ""},
	{"Dødsårsaksregisteret", "Folkehelseinstituttet", Identified, []string{"Cause of Death Registry", "death"}, ""},
	{"Medisinsk fødselsregister", "Folkehelseinstituttet", Identified, []string{"MFR", "Medical Birth Registry"}, ""},
	{"SYSVAK", "Folkehelseinstituttet", Identified, []string{"Norwegian Immunisation Registry"}, ""},
	{"MSIS", "Folkehelseinstituttet", Identified, []string{"Norwegian Surveillance System for Communicable Diseases"}, ""},
	{"Reseptregisteret", "Folkehelseinstituttet", Pseudonymous, []string{"Norwegian Prescription Database", "NorPD", "prescription"}, ""},
	{"Kommunalt pasient- og brukerregister", "Helsedirektoratet", Pseudonymous, []string{"KPR", "Municipal Patient and User Registry"}, ""},
	{"NOIS", "Folkehelseinstituttet", Deidentified, []string{"Norwegian Surveillance System for Healthcare-Associated Infections"}, ""},
	{"NORM", "Universitetssykehuset Nord-Norge", Deidentified, []string{"Norwegian Surveillance System for Antimicrobial Drug Resistance"}, ""},
	{"RAVN", "Folkehelseinstituttet", Deidentified, []string{"Resistance against Antivirals in Norway"}, ""},
	{"Abortregisteret", "Folkehelseinstituttet", Deidentified, []string{"Abortion Registry", "Register over svangerskapsavbrudd"}, ""},
	{"Forskerens egne data", "the researcher", ResearcherData, []string{"researcher", "own data"}, ""},
}

// LookupRegister finds a register by name or alias, ignoring case.
func LookupRegister(name string) (Register, bool) {
	for _, r := range Catalogue {
		if r.matches(name) {
			return r, true
		}
	}
	return Register{}, false
}

// matches says whether name is the register's name or an alias,
// ignoring case.
func (r Register) matches(name string) bool {
	if strings.EqualFold(r.Name, name) {
		return true
	}
	for _, a := range r.Aliases {
		if strings.EqualFold(a, name) {
			return true
		}
	}
	return false
}

// catalogueNames lists the names of the built-in registers and those
// the plan declares.
func (p *Plan) catalogueNames() string {
	var names []string
	for _, r := range append(append([]Register(nil), p.catalogue...), Catalogue...) {
		names = append(names, r.Name)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
