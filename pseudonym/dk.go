package pseudonym

// Danish CPR numbers.
//
// Source: CPR-kontoret, "Personnummeret i CPR" (DDMMYY-SSSS; the century
// from the 7th digit and the year; the modulus-11 check with weights
// 4,3,2,7,6,5,4,3,2,1, which numbers issued since 1 October 2007 need not
// satisfy).

// Denmark is the scheme for Danish CPR numbers (DDMMYYSSSS or DDMMYY-SSSS).
// A failed modulus-11 check is a warning ([WarnChecksum]) unless
// RequireChecksum is set.
type Denmark struct {
	// RequireChecksum turns a failed modulus-11 check into ReasonChecksum.
	RequireChecksum bool
	// Reference is the date a birth date may not lie after
	// (ReasonDateInFuture); zero means today.
	Reference Date
}

var _ IntegerScheme = Denmark{}

var dkWeights = [10]int{4, 3, 2, 7, 6, 5, 4, 3, 2, 1}

// Code returns "dk".
func (Denmark) Code() string { return "dk" }

// Parse parses a Danish CPR number.
func (dk Denmark) Parse(s []byte) (ID, Reason) {
	s = trimSpace(s)
	if len(s) == 0 {
		return ID{}, ReasonEmpty
	}
	var d [10]int
	switch len(s) {
	case 10, 11:
		if len(s) == 11 && s[6] != '-' {
			return ID{}, classifyLength(s)
		}
		j := 0
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
	default:
		return ID{}, classifyLength(s)
	}
	return dk.parseDigits(&d)
}

// ParseInt parses a CPR number from an integer column (a leading zero
// restored).
func (dk Denmark) ParseInt(v int64) (ID, Reason) {
	if v <= 0 || v > 9999999999 {
		return ID{}, ReasonNotInteger
	}
	var d [10]int
	for i := 9; i >= 0; i-- {
		d[i] = int(v % 10)
		v /= 10
	}
	return dk.parseDigits(&d)
}

func (dk Denmark) parseDigits(d *[10]int) (ID, Reason) {
	day := d[0]*10 + d[1]
	month := d[2]*10 + d[3]
	yy := d[4]*10 + d[5]
	var year int
	switch s7 := d[6]; {
	case s7 <= 3:
		year = 1900 + yy
	case s7 == 4 || s7 == 9:
		if yy <= 36 {
			year = 2000 + yy
		} else {
			year = 1900 + yy
		}
	default: // 5-8
		if yy <= 57 {
			year = 2000 + yy
		} else {
			year = 1800 + yy
		}
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) {
		return ID{}, ReasonDate
	}
	var warn Warning
	sum := 0
	for i := 0; i < 10; i++ {
		sum += dkWeights[i] * d[i]
	}
	if sum%11 != 0 {
		if dk.RequireChecksum {
			return ID{}, ReasonChecksum
		}
		warn |= WarnChecksum
	}
	birth := packDate(year, month, day)
	if afterReference(birth, dk.Reference) {
		return ID{}, ReasonDateInFuture
	}
	var value uint64
	for i := 0; i < 10; i++ {
		value = value*10 + uint64(d[i])
	}
	return ID{value: value, scheme: codeDenmark, kind: KindBirthNumber, warn: warn, birth: birth}, ReasonNone
}
