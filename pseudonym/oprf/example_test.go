package oprf_test

import (
	"fmt"
	"time"

	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/pseudonym/oprf"
)

// A source blinds its IDs, the administrator evaluates them, and the
// source checks the proof against the published public key and derives the
// serials; the administrator gets the same serial directly.
func Example() {
	secret := make([]byte, pseudonym.SecretSize)
	secret[0] = 1
	key, _ := pseudonym.NewKey("example", secret, time.Unix(0, 0))
	admin, _ := oprf.NewServer(key)
	key.Close()

	id, _ := pseudonym.Parse(pseudonym.Norway{}, "15108695088")
	source := oprf.NewClient(admin.PublicKey())
	req, _ := source.Blind([][]byte{id.AppendCanonical(nil)})
	evaluated, proof, _ := admin.Evaluate(req.Blinded) // over the network
	serials, err := source.Finalize(req, evaluated, proof)
	if err != nil {
		panic(err)
	}
	direct, _ := admin.Compute(id)
	fmt.Println(serials[0] == direct, len(serials[0].String()))
	// Output: true 16
}
