package pseudonym

// crockfordAlphabet is Douglas Crockford's base32 alphabet: digits and
// upper-case letters without I, L, O and U, so that a serial read aloud or
// copied by hand is not misread.
const crockfordAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// crockford encodes b (whose bit length must be a multiple of 5) in
// Crockford base32, most significant bits first, without padding.
func crockford(b []byte) string {
	var buf [64]byte
	return string(appendCrockford(buf[:0], b))
}

func appendCrockford(dst, b []byte) []byte {
	if len(b) == 10 {
		// The serial encoding: two groups of 40 bits, 8 characters each.
		hi := uint64(b[0])<<32 | uint64(b[1])<<24 | uint64(b[2])<<16 | uint64(b[3])<<8 | uint64(b[4])
		lo := uint64(b[5])<<32 | uint64(b[6])<<24 | uint64(b[7])<<16 | uint64(b[8])<<8 | uint64(b[9])
		var out [16]byte
		for i := 7; i >= 0; i-- {
			out[i] = crockfordAlphabet[hi&31]
			out[8+i] = crockfordAlphabet[lo&31]
			hi >>= 5
			lo >>= 5
		}
		return append(dst, out[:]...)
	}
	var acc uint32
	bits := 0
	for _, c := range b {
		acc = acc<<8 | uint32(c)
		bits += 8
		for bits >= 5 {
			bits -= 5
			dst = append(dst, crockfordAlphabet[(acc>>uint(bits))&31])
		}
	}
	if bits > 0 {
		dst = append(dst, crockfordAlphabet[(acc<<uint(5-bits))&31])
	}
	return dst
}

// decodeCrockford decodes s, accepting lower case and the usual confusions
// (O as 0, I and L as 1), into n bytes. ok is false for any other character
// or a wrong length.
func decodeCrockford(s string, n int) (out []byte, ok bool) {
	if len(s)*5 < n*8 || (len(s)-1)*5 >= n*8 {
		return nil, false
	}
	out = make([]byte, 0, n)
	var acc uint32
	bits := 0
	for i := 0; i < len(s); i++ {
		v, ok := crockfordValue(s[i])
		if !ok {
			return nil, false
		}
		acc = acc<<5 | uint32(v)
		bits += 5
		if bits >= 8 {
			bits -= 8
			out = append(out, byte(acc>>uint(bits)))
		}
	}
	if acc&(1<<uint(bits)-1) != 0 { // non-zero padding bits
		return nil, false
	}
	return out, len(out) == n
}

func crockfordValue(c byte) (byte, bool) {
	switch {
	case c >= 'a' && c <= 'z':
		c -= 'a' - 'A'
	}
	switch c {
	case 'O':
		c = '0'
	case 'I', 'L':
		c = '1'
	}
	for i := 0; i < len(crockfordAlphabet); i++ {
		if crockfordAlphabet[i] == c {
			return byte(i), true
		}
	}
	return 0, false
}
