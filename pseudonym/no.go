package pseudonym

// Norwegian identity numbers.
//
// Sources: Skatteetaten, "Fødselsnummer" and "D-nummer" (the structure
// DDMMYYIIIKK, the individual-number ranges per century and the modulus-11
// check digits); Skatteetaten, "Nytt fødselsnummer fra 2032" (for
// fødselsnummer and D-numbers issued from 1 January 2032 the first check
// digit may leave remainder 0, 1, 2 or 3, and the century can no longer be
// read from the individual number; Skatteetaten's reference code checks
// the date with the century unknown); KITH standard 1001:2010
// "Identifikatorer for personer" (H-numbers: month + 40, built like a
// fødselsnummer); Norsk helsenett, "Felles hjelpenummer" (FH-numbers:
// first digit 8 or 9, the other digits random, two check digits as in an
// ordinary fødselsnummer; not a Folkeregister number, so the 2032 rule
// does not apply); Tenor test data (synthetic numbers: month + 80) and NAV
// test data (synthetic numbers: month + 40, D-numbers among them: day + 40
// and month + 40, a combination no real number has).

// Month40 says what a Norwegian month field of 41-52 means: an H-number
// issued by a health institution, or a synthetic test number from NAV. The
// two look exactly alike, so the caller must say.
type Month40 uint8

const (
	// Month40HNumber reads month + 40 as an H-number (the default).
	Month40HNumber Month40 = iota
	// Month40SyntheticNAV reads month + 40 as a NAV synthetic test number,
	// accepted only with AllowSynthetic.
	Month40SyntheticNAV
)

// Norway is the scheme for Norwegian fødselsnummer, D-numbers, H-numbers,
// FH-numbers and, when allowed, synthetic test numbers. The zero value is the
// default: real numbers only, month + 40 read as an H-number, numbers issued
// under the 2032 rule accepted.
type Norway struct {
	// AllowSynthetic accepts synthetic test numbers (Tenor: month + 80;
	// NAV: month + 40 with Month40 set to Month40SyntheticNAV). Production
	// extracts should never contain them, so they are refused by default
	// with ReasonSyntheticNotAllowed.
	AllowSynthetic bool
	// Month40 says how to read month + 40.
	Month40 Month40
	// LegacyOnly accepts only numbers whose first check digit satisfies the
	// legacy rule (remainder 0), refusing numbers valid only under the rule
	// for numbers issued from 2032 (remainder 0, 1, 2 or 3).
	LegacyOnly bool
	// Reference is the date a birth date may not lie after
	// (ReasonDateInFuture); zero means today.
	Reference Date
}

var _ IntegerScheme = Norway{}

// Code returns "no".
func (Norway) Code() string { return "no" }

// weights of the two Norwegian check digits, each including the check digit
// itself with weight 1, so that a valid number has weighted sum 0 mod 11.
var (
	noWeights1 = [10]int{3, 7, 6, 1, 8, 9, 4, 5, 2, 1}
	noWeights2 = [11]int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1}
)

// Parse parses an 11-digit Norwegian number. It tolerates surrounding spaces
// and one space or hyphen between the date and the individual number
// ("010170 12345", "010170-12345").
func (n Norway) Parse(s []byte) (ID, Reason) {
	if len(s) == 11 {
		// Fast path: eleven bytes, as nearly every register stores them.
		// The loads and sums are unrolled; a non-digit falls through.
		d0, d1, d2, d3 := uint32(s[0]-'0'), uint32(s[1]-'0'), uint32(s[2]-'0'), uint32(s[3]-'0')
		d4, d5, d6, d7 := uint32(s[4]-'0'), uint32(s[5]-'0'), uint32(s[6]-'0'), uint32(s[7]-'0')
		d8, d9, d10 := uint32(s[8]-'0'), uint32(s[9]-'0'), uint32(s[10]-'0')
		if d0 <= 9 && d1 <= 9 && d2 <= 9 && d3 <= 9 &&
			d4 <= 9 && d5 <= 9 && d6 <= 9 && d7 <= 9 && d8 <= 9 && d9 <= 9 && d10 <= 9 {
			sum1 := 3*d0 + 7*d1 + 6*d2 + 1*d3 + 8*d4 + 9*d5 + 4*d6 + 5*d7 + 2*d8 + 1*d9
			sum2 := 5*d0 + 4*d1 + 3*d2 + 2*d3 + 7*d4 + 6*d5 + 5*d6 + 4*d7 + 3*d8 + 2*d9 + 1*d10
			v := uint64(d0*10+d1)*1_000_000_000 + uint64(d2*10+d3)*10_000_000 + uint64(d4*10+d5)*100_000 +
				uint64(d6*100+d7*10+d8)*100 + uint64(d9*10+d10)
			return n.parseValue(v, sum1, sum2)
		}
	}
	s = trimSpace(s)
	if len(s) == 0 {
		return ID{}, ReasonEmpty
	}
	var d [11]int
	switch len(s) {
	case 11:
		for i := 0; i < 11; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return ID{}, ReasonCharacters
			}
			d[i] = int(c - '0')
		}
	case 12:
		if s[6] != ' ' && s[6] != '-' {
			return ID{}, classifyLength(s)
		}
		for i, j := 0, 0; i < 12; i++ {
			if i == 6 {
				continue
			}
			c := s[i]
			if c < '0' || c > '9' {
				return ID{}, ReasonCharacters
			}
			d[j] = int(c - '0')
			j++
		}
	default:
		return ID{}, classifyLength(s)
	}
	return n.parseDigits(&d)
}

// ParseInt parses a number read from an integer column, where a number
// starting with 0 has lost its leading zero: 1017012345 is read as
// 01017012345.
func (n Norway) ParseInt(v int64) (ID, Reason) {
	if v <= 0 || v > 99999999999 {
		return ID{}, ReasonNotInteger
	}
	var d [11]int
	u := uint64(v)
	for i := 10; i >= 0; i-- {
		d[i] = int(u % 10)
		u /= 10
	}
	return n.parseDigits(&d)
}

// classifyLength tells a wrong length from stray characters: a field with
// any character other than digits, spaces and hyphens is a character error.
func classifyLength(s []byte) Reason {
	for _, c := range s {
		if (c < '0' || c > '9') && c != ' ' && c != '-' {
			return ReasonCharacters
		}
	}
	return ReasonLength
}

func (n Norway) parseDigits(d *[11]int) (ID, Reason) {
	var v uint64
	var sum1, sum2 uint32
	for i := 0; i < 11; i++ {
		v = v*10 + uint64(d[i])
		sum1 += noWeights1u[i] * uint32(d[i])
		sum2 += noWeights2u[i] * uint32(d[i])
	}
	return n.parseValue(v, sum1, sum2)
}

// noWeights1u and noWeights2u are the check weights over all eleven
// digits (the first check ignores the last digit).
var (
	noWeights1u = [11]uint32{3, 7, 6, 1, 8, 9, 4, 5, 2, 1, 0}
	noWeights2u = [11]uint32{5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1}
)

// parseValue validates an 11-digit number given as its value and its two
// weighted check sums.
func (n Norway) parseValue(value uint64, sum1, sum2 uint32) (ID, Reason) {
	if sum2%11 != 0 {
		return ID{}, ReasonChecksum
	}
	var kind Kind
	switch r1 := sum1 % 11; {
	case r1 == 0:
	case r1 <= 3 && !n.LegacyOnly:
		kind |= KindRule2032
	default:
		return ID{}, ReasonChecksum
	}
	id := ID{value: value, scheme: codeNorway}

	if value >= 80_000_000_000 {
		// FH-number (first digit 8 or 9): no date, only the check digits,
		// which follow the legacy rule: the 2032 rule is Skatteetaten's,
		// for fødselsnummer and D-numbers only.
		if kind&KindRule2032 != 0 {
			return ID{}, ReasonChecksum
		}
		id.kind = KindFHNumber
		return id, ReasonNone
	}

	day := int(value / 1_000_000_000)
	month := int(value / 10_000_000 % 100)
	yy := int(value / 100_000 % 100)
	individual := int(value / 100 % 1000)

	if day > 40 {
		kind |= KindDNumber
		day -= 40
	}
	switch {
	case month > 80:
		kind |= KindSyntheticTenor
		month -= 80
	case month > 40:
		// H-numbers are never D-numbers: day + 40 with month + 40 is one
		// of NAV's synthetic D-numbers, whatever Month40 says.
		if n.Month40 == Month40SyntheticNAV || kind&KindDNumber != 0 {
			kind |= KindSyntheticNAV
		} else {
			kind |= KindHNumber
		}
		month -= 40
	}
	if kind&(KindSyntheticTenor|KindSyntheticNAV) != 0 && !n.AllowSynthetic {
		return ID{}, ReasonSyntheticNotAllowed
	}
	if kind&(KindDNumber|KindHNumber|KindSyntheticTenor|KindSyntheticNAV) == 0 {
		kind |= KindBirthNumber
	}

	// The century is known only from a legacy fødselsnummer (or a Tenor
	// number, modelled on one): D-numbers' individual series changed in
	// 2021, H-numbers are assigned by institutions, and the 2032 rule drops
	// the century from the individual number.
	centuryKnown := kind&(KindDNumber|KindHNumber|KindSyntheticNAV|KindRule2032) == 0
	if !centuryKnown {
		if !validDayMonth(day, month, yy) {
			return ID{}, ReasonDate
		}
		id.kind = kind
		return id, ReasonNone
	}
	year, ok := norwegianYear(yy, individual)
	if !ok {
		return ID{}, ReasonIndividualNumber
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) {
		return ID{}, ReasonDate
	}
	id.birth = packDate(year, month, day)
	if afterReference(id.birth, n.Reference) {
		return ID{}, ReasonDateInFuture
	}
	id.kind = kind
	return id, ReasonNone
}

// norwegianYear derives the birth year from the two-digit year and the
// individual number of a legacy fødselsnummer (Skatteetaten):
//
//	000-499            1900-1999
//	500-749, yy 54-99  1854-1899
//	500-999, yy 00-39  2000-2039
//	900-999, yy 40-99  1940-1999
//
// Other combinations are not allocated.
func norwegianYear(yy, individual int) (int, bool) {
	switch {
	case individual <= 499:
		return 1900 + yy, true
	case individual <= 749 && yy >= 54:
		return 1800 + yy, true
	case yy <= 39:
		return 2000 + yy, true
	case individual >= 900:
		return 1900 + yy, true
	}
	return 0, false
}

// NorwegianCheckDigits computes the two legacy check digits for the first
// nine digits of a Norwegian number (DDMMYYIII, each 0-9). ok is false when
// a check value would be 10, in which case no valid number has that prefix.
// It is used by generators of synthetic data and by tests.
func NorwegianCheckDigits(first9 [9]int) (k1, k2 int, ok bool) {
	var s1 int
	for i := 0; i < 9; i++ {
		s1 += noWeights1[i] * first9[i]
	}
	k1 = (11 - s1%11) % 11
	if k1 == 10 {
		return 0, 0, false
	}
	var s2 int
	for i := 0; i < 9; i++ {
		s2 += noWeights2[i] * first9[i]
	}
	s2 += noWeights2[9] * k1
	k2 = (11 - s2%11) % 11
	if k2 == 10 {
		return 0, 0, false
	}
	return k1, k2, true
}
