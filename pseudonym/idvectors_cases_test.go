package pseudonym

// The cases of testdata/vectors/ids.json, with the verdict SPEC.md §1
// gives each (a kind for a valid number, else the reason), checked by hand.

const vectorRef = "2026-12-02"

type opt func(*idOptions)

func ref(d string) opt        { return func(o *idOptions) { o.ReferenceDate = d } }
func synthetic(o *idOptions)  { o.AllowSynthetic = true }
func nav(o *idOptions)        { o.Month40 = "synthetic-nav" }
func legacyOnly(o *idOptions) { o.LegacyOnly = true }
func dkChecksum(o *idOptions) { o.RequireChecksum = true }
func integer(v *idVector)     { v.Integer = true }
func options(opts []opt) idOptions {
	o := idOptions{ReferenceDate: vectorRef}
	for _, f := range opts {
		f(&o)
	}
	return o
}

func valid(name, scheme, in, kind string, opts ...opt) idVector {
	return idVector{Name: name, Scheme: scheme, Input: in, Verdict: "valid", Kind: kind, Options: options(opts)}
}

func invalid(name, scheme, in, reason string, opts ...opt) idVector {
	return idVector{Name: name, Scheme: scheme, Input: in, Verdict: reason, Options: options(opts)}
}

func asInteger(v idVector) idVector { integer(&v); return v }

func idVectorCases() []idVector {
	return []idVector{
		// Norway: forms.
		valid("no fnr", "no", "15108695088", "fnr"),
		valid("no separator hyphen and spaces", "no", " 151086-95088\t", "fnr"),
		valid("no separator space", "no", "151086 95088", "fnr"),
		invalid("no empty", "no", "", "empty"),
		invalid("no blanks", "no", " \t ", "empty"),
		invalid("no ten digits", "no", "1510869508", "length"),
		invalid("no two separators", "no", "151086--95088", "length"),
		invalid("no wrong separator", "no", "151086/95088", "characters"),
		invalid("no letter O", "no", "15108695O88", "characters"),
		invalid("no letter after separator", "no", "151086 9508X", "characters"),
		invalid("no inner space after separator", "no", "151086 95 88", "characters"),
		invalid("no too long with a letter", "no", "15108695088A", "characters"),
		// Norway: check digits and the 2032 rule.
		invalid("no second check digit", "no", "15108695077", "checksum"),
		invalid("no first check digit", "no", "26111593826", "checksum"),
		valid("no 2032 rule", "no", "01010100158", "rule-2032"),
		invalid("no 2032 rule refused", "no", "01010100158", "checksum", legacyOnly),
		valid("no 2032 rule 29 February 00", "no", "29020000153", "rule-2032"),
		invalid("no 2032 rule 29 February 01", "no", "29020100174", "date"),
		valid("no FH-number", "no", "82314251357", "fh"),
		invalid("no FH-number under the 2032 rule", "no", "96669861556", "checksum"),
		// Norway: kinds.
		valid("no D-number", "no", "45014054018", "dnr"),
		valid("no H-number", "no", "01410112430", "hnr"),
		invalid("no month + 40 as NAV, not allowed", "no", "01410112430", "synthetic-not-allowed", nav),
		valid("no month + 40 as NAV", "no", "01410112430", "synthetic-nav", nav, synthetic),
		invalid("no D-number with month + 40", "no", "68419001434", "synthetic-not-allowed"),
		valid("no D-number with month + 40, synthetic allowed", "no", "68419001434", "dnr+synthetic-nav", synthetic),
		invalid("no Tenor", "no", "01810112413", "synthetic-not-allowed"),
		valid("no Tenor allowed", "no", "01810112413", "synthetic-tenor", synthetic),
		valid("no D-number, 2032 rule", "no", "45014054026", "dnr+rule-2032"),
		valid("no H-number, 2032 rule", "no", "01410112457", "hnr+rule-2032"),
		valid("no Tenor D-number", "no", "41810112407", "dnr+synthetic-tenor", synthetic),
		valid("no Tenor, 2032 rule", "no", "01810112448", "synthetic-tenor+rule-2032", synthetic),
		valid("no Tenor D-number, 2032 rule", "no", "41810112415", "dnr+synthetic-tenor+rule-2032", synthetic),
		valid("no NAV D-number, 2032 rule", "no", "68419001450", "dnr+synthetic-nav+rule-2032", synthetic),
		// Norway: century and date.
		invalid("no H-number month 17", "no", "19575770838", "date"),
		invalid("no 29 February 1900", "no", "29020000145", "date"),
		valid("no 29 February 2000", "no", "29020050088", "fnr"),
		invalid("no individual number fits no century", "no", "01014580049", "individual-number"),
		invalid("no born 2034", "no", "08073457336", "date-in-future"),
		valid("no born on the reference date", "no", "08073457336", "fnr", ref("2034-07-08")),
		invalid("no born the day after the reference date", "no", "08073457336", "date-in-future", ref("2034-07-07")),
		// Norway: integer columns.
		asInteger(valid("no integer, leading zero restored", "no", "1010100158", "rule-2032")),
		asInteger(valid("no integer", "no", "15108695088", "fnr")),
		asInteger(invalid("no integer zero", "no", "0", "not-integer")),
		asInteger(invalid("no integer negative", "no", "-15108695088", "not-integer")),
		asInteger(invalid("no integer twelve digits", "no", "100000000000", "not-integer")),

		// Sweden.
		valid("se ten digits", "se", "880320-0016", "birth-number"),
		valid("se ten digits, no separator", "se", "8803200016", "birth-number"),
		valid("se twelve digits", "se", "198803200016", "birth-number"),
		valid("se twelve digits hyphen", "se", "19880320-0016", "birth-number"),
		valid("se plus: 100 or older", "se", "880320+0016", "birth-number"),
		valid("se samordningsnummer", "se", "701063-2391", "samordningsnummer"),
		valid("se born on the reference date", "se", "261202-1234", "birth-number"),
		valid("se the day after the reference date: a century earlier", "se", "261203-1233", "birth-number"),
		valid("se 29 February 2000", "se", "000229-1235", "birth-number"),
		invalid("se 29 February 1900", "se", "000229+1235", "date"),
		invalid("se century 17", "se", "178803200016", "century"),
		invalid("se month 13", "se", "881320-0014", "date"),
		invalid("se letter", "se", "88032A-0016", "characters"),
		invalid("se nine digits", "se", "880320001", "length"),
		invalid("se check digit", "se", "880320-0018", "checksum"),
		invalid("se birth number 000", "se", "195708170005", "individual-number"),
		invalid("se birth number 000, ten digits", "se", "261202-0004", "individual-number"),
		invalid("se born 2030", "se", "203001018880", "date-in-future"),
		valid("se ten digits, 2030 read as 1930", "se", "300101-8880", "birth-number"),
		asInteger(valid("se integer", "se", "198803200016", "birth-number")),
		asInteger(invalid("se integer of ten digits", "se", "8803200016", "not-integer")),

		// Denmark.
		valid("dk 1862", "dk", "211062-5629", "birth-number"),
		valid("dk no separator", "dk", "2110625629", "birth-number"),
		valid("dk modulus 11 fails: a warning", "dk", "0101204000", "birth-number"),
		invalid("dk modulus 11 required", "dk", "0101204000", "checksum", dkChecksum),
		invalid("dk day 51", "dk", "511062-5629", "date"),
		invalid("dk letter", "dk", "21106A5629", "characters"),
		invalid("dk born 2034", "dk", "061234-8788", "date-in-future"),
		asInteger(valid("dk integer, leading zero restored", "dk", "101204000", "birth-number")),

		// Finland.
		valid("fi 1952", "fi", "131052-308T", "birth-number"),
		valid("fi lower case", "fi", "131052-308t", "birth-number"),
		valid("fi sign Y", "fi", "131052Y308T", "birth-number"),
		valid("fi sign A", "fi", "010105A9380", "birth-number"),
		valid("fi sign plus", "fi", "010195+9387", "birth-number"),
		invalid("fi check character", "fi", "131052-308U", "checksum"),
		invalid("fi check character not in the alphabet", "fi", "131052-308G", "characters"),
		invalid("fi unknown sign", "fi", "131052G308T", "century"),
		invalid("fi short", "fi", "131052-308", "length"),
		invalid("fi 31 February", "fi", "310252-308Y", "date"),
		invalid("fi individual number 000", "fi", "131052-000V", "individual-number"),
		invalid("fi individual number 001", "fi", "131052-001W", "individual-number"),
		valid("fi individual number 002", "fi", "131052-002X", "birth-number"),
		invalid("fi born 2042", "fi", "071042D874L", "date-in-future"),
	}
}
