package pseudonym

// Finnish personal identity codes (henkilötunnus, HETU).
//
// Source: Digital and Population Data Services Agency (DVV), "Personal
// identity code": DDMMYYCZZZQ, where C is the century sign ("+" 1800s;
// "-", "Y", "X", "W", "V", "U" 1900s; "A"-"F" 2000s, the new signs valid
// since 1 January 2023), ZZZ the individual number (002-899; 900-999 for
// temporary use), and Q the check character: DDMMYYZZZ as a nine-digit
// number modulo 31, indexed into "0123456789ABCDEFHJKLMNPRSTUVWXY".

// Finland is the scheme for Finnish HETU. The century sign is part of the
// identity: two codes that differ only in an equivalent sign ("-" and "Y")
// are different codes, and get different serials.
type Finland struct {
	// Reference is the date a birth date may not lie after
	// (ReasonDateInFuture); zero means today.
	Reference Date
}

// Code returns "fi".
func (Finland) Code() string { return "fi" }

const (
	fiCheckChars = "0123456789ABCDEFHJKLMNPRSTUVWXY"
	fiSigns      = "+-YXWVUABCDEF"
)

// Parse parses a Finnish HETU. Lower-case letters are accepted and
// canonicalised to upper case.
func (fi Finland) Parse(s []byte) (ID, Reason) {
	s = trimSpace(s)
	if len(s) == 0 {
		return ID{}, ReasonEmpty
	}
	if len(s) != 11 {
		return ID{}, ReasonLength
	}
	var digits uint64
	for _, i := range [...]int{0, 1, 2, 3, 4, 5, 7, 8, 9} {
		c := s[i]
		if c < '0' || c > '9' {
			return ID{}, ReasonCharacters
		}
		digits = digits*10 + uint64(c-'0')
	}
	sign := upper(s[6])
	signIndex := -1
	for i := 0; i < len(fiSigns); i++ {
		if fiSigns[i] == sign {
			signIndex = i
		}
	}
	if signIndex < 0 {
		return ID{}, ReasonCentury
	}
	check := upper(s[10])
	if check != fiCheckChars[digits%31] {
		for i := 0; i < len(fiCheckChars); i++ {
			if fiCheckChars[i] == check {
				return ID{}, ReasonChecksum
			}
		}
		return ID{}, ReasonCharacters
	}
	individual := int(digits % 1000)
	if individual < 2 {
		return ID{}, ReasonIndividualNumber
	}
	day := int(digits / 10000000)
	month := int(digits / 100000 % 100)
	yy := int(digits / 1000 % 100)
	var year int
	switch {
	case signIndex == 0:
		year = 1800 + yy
	case signIndex <= 6:
		year = 1900 + yy
	default:
		year = 2000 + yy
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) {
		return ID{}, ReasonDate
	}
	birth := packDate(year, month, day)
	if afterReference(birth, fi.Reference) {
		return ID{}, ReasonDateInFuture
	}
	return ID{value: uint64(signIndex)*1_000_000_000 + digits, scheme: codeFinland, kind: KindBirthNumber,
		birth: birth}, ReasonNone
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// appendFinnish appends the canonical HETU for a compact Finnish value.
func appendFinnish(dst []byte, v uint64) []byte {
	signIndex := v / 1_000_000_000
	digits := v % 1_000_000_000
	var buf [9]byte
	appendDigits(buf[:0], digits, 9)
	dst = append(dst, buf[:6]...)
	dst = append(dst, fiSigns[signIndex])
	dst = append(dst, buf[6:9]...)
	return append(dst, fiCheckChars[digits%31])
}
