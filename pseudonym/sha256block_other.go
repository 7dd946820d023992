//go:build !amd64 || purego

package pseudonym

// useSHANI is false where there is no SHA-NI block function: serials go
// through crypto/sha256 (which uses the CPU's own SHA-256 instructions
// where it has them).
const useSHANI = false

func blockSHANI(dig *[8]uint32, p *[64]byte) {
	panic("pseudonym: internal error: no SHA-NI block function on this platform")
}
