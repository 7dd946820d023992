package pseudonym

// Swedish personnummer and samordningsnummer.
//
// Source: Skatteverket, "Personnummer" (SKV 704) and "Samordningsnummer"
// (SKV 707): YYMMDD-NNNC, where the separator is "-" until the year the
// person turns 100 and "+" from then on, C is the Luhn (mod 10) check digit
// over YYMMDDNNN, and a samordningsnummer adds 60 to the day. The 12-digit
// form YYYYMMDDNNNC carries the century explicitly, which is 18, 19 or 20.
// Skatteverket, Rättslig vägledning, "Personnummer" (330245): the birth
// number NNN is one of 001 to 999, so 000 is never issued.

// Sweden is the scheme for Swedish personnummer and samordningsnummer, in
// the 10-digit form (YYMMDD-NNNC, YYMMDD+NNNC, YYMMDDNNNC) and the 12-digit
// form (YYYYMMDDNNNC, YYYYMMDD-NNNC).
type Sweden struct {
	// Reference is the date a 10-digit number's century is resolved
	// against (the person was born on or before it, and is under 100 at it
	// unless the separator is "+") and that a 12-digit number's birth date
	// may not lie after (ReasonDateInFuture). Zero means today. The
	// canonical form is always the 12-digit one.
	Reference Date
}

var _ IntegerScheme = Sweden{}

// Code returns "se".
func (Sweden) Code() string { return "se" }

// Parse parses a Swedish number.
func (sw Sweden) Parse(s []byte) (ID, Reason) {
	s = trimSpace(s)
	if len(s) == 0 {
		return ID{}, ReasonEmpty
	}
	var d [12]int
	var century int // -1: resolve against the reference date
	var plus bool
	switch len(s) {
	case 10, 11:
		if len(s) == 11 {
			switch s[6] {
			case '-':
			case '+':
				plus = true
			default:
				return ID{}, classifyLength(s)
			}
		}
		j := 2
		for i := 0; i < len(s); i++ {
			if len(s) == 11 && i == 6 {
				continue
			}
			if s[i] < '0' || s[i] > '9' {
				return ID{}, ReasonCharacters
			}
			d[j] = int(s[i] - '0')
			j++
		}
		century = -1
	case 12, 13:
		if len(s) == 13 && s[8] != '-' {
			return ID{}, classifyLength(s)
		}
		j := 0
		for i := 0; i < len(s); i++ {
			if len(s) == 13 && i == 8 {
				continue
			}
			if s[i] < '0' || s[i] > '9' {
				return ID{}, ReasonCharacters
			}
			d[j] = int(s[i] - '0')
			j++
		}
		century = d[0]*10 + d[1]
		if century < 18 || century > 20 {
			return ID{}, ReasonCentury
		}
	default:
		return ID{}, classifyLength(s)
	}
	return sw.parseDigits(&d, century, plus)
}

// ParseInt parses a 12-digit number (YYYYMMDDNNNC) from an integer column.
func (sw Sweden) ParseInt(v int64) (ID, Reason) {
	if v < 180000000000 || v > 209999999999 {
		return ID{}, ReasonNotInteger
	}
	var d [12]int
	for i := 11; i >= 0; i-- {
		d[i] = int(v % 10)
		v /= 10
	}
	return sw.parseDigits(&d, d[0]*10+d[1], false)
}

func (sw Sweden) parseDigits(d *[12]int, century int, plus bool) (ID, Reason) {
	// Luhn over the last ten digits: weights 2,1,2,1,... from the left,
	// digits of products summed.
	sum := 0
	for i := 2; i < 12; i++ {
		v := d[i]
		if i%2 == 0 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	if sum%10 != 0 {
		return ID{}, ReasonChecksum
	}
	if d[8] == 0 && d[9] == 0 && d[10] == 0 {
		return ID{}, ReasonIndividualNumber
	}
	yy := d[2]*10 + d[3]
	month := d[4]*10 + d[5]
	day := d[6]*10 + d[7]
	kind := KindBirthNumber
	if day > 60 {
		kind = KindCoordination
		day -= 60
	}
	if month < 1 || month > 12 || day < 1 || day > 31 {
		return ID{}, ReasonDate
	}
	var year int
	if century >= 0 {
		year = century*100 + yy
	} else {
		ref := sw.Reference.resolve()
		ty, tm, td := ref.Year, int(ref.Month), ref.Day
		year = ty/100*100 + yy
		if year > ty || (year == ty && (month > tm || (month == tm && day > td))) {
			year -= 100
		}
		if plus {
			year -= 100
		}
		d[0], d[1] = year/1000, year/100%10
	}
	if day > daysIn(year, month) {
		return ID{}, ReasonDate
	}
	birth := packDate(year, month, day)
	if afterReference(birth, sw.Reference) {
		return ID{}, ReasonDateInFuture
	}
	var value uint64
	for i := 0; i < 12; i++ {
		value = value*10 + uint64(d[i])
	}
	return ID{value: value, scheme: codeSweden, kind: kind, birth: birth}, ReasonNone
}
