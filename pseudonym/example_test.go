package pseudonym_test

import (
	"encoding/hex"
	"fmt"
	"time"

	"github.com/koble/koble/pseudonym"
)

func ExampleParse() {
	for _, s := range []string{"151086 95088", "15108695077", "45014054018"} {
		id, err := pseudonym.Parse(pseudonym.Norway{}, s)
		if err != nil {
			fmt.Println(err) // never quotes the number
			continue
		}
		fmt.Println(id.Kind())
	}
	// Output:
	// fnr
	// pseudonym: invalid no identity number: checksum
	// dnr
}

func ExampleKey_Serials() {
	// In production the secret comes from GenerateKey and lives in an
	// encrypted key file; this one is SPEC.md's first test vector.
	secret, _ := hex.DecodeString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	key, err := pseudonym.NewKey("example", secret, time.Now())
	if err != nil {
		panic(err)
	}
	defer key.Close()
	serials := key.Serials(pseudonym.SerialOptions{CacheSize: 1 << 16})
	id, _ := pseudonym.Parse(pseudonym.Norway{}, "15108695088")
	s := serials.Compute(id)
	fmt.Println(s)
	fmt.Println(string(pseudonym.EncodingInt64.Append(nil, s)))
	fmt.Println(key.Fingerprint())
	// Output:
	// YBK96N58FBBF8S6R
	// 8279466956780394228
	// CBAS-6VHB-W9YC-ED99
}
