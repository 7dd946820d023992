//go:build amd64 && !purego

package pseudonym

// useSHANI is true on CPUs with the SHA extensions: serials then run their
// two compressions through blockSHANI on the bare state words, without the
// hash object's state marshalling.
var useSHANI = cpuidSHANI()

// blockSHANI runs one SHA-256 compression of the 64-byte block p on the
// state dig (FIPS 180-4 §6.2.2, with the SHA extensions).
//
//go:noescape
func blockSHANI(dig *[8]uint32, p *[64]byte)

func cpuidSHANI() bool
