package refdate_test

import (
	"encoding/hex"
	"fmt"

	"github.com/koble/koble/refdate"
)

func ExampleOffsets() {
	// The date-shift key of SPEC.md's first test vector, and a person's
	// serial (its first 10 bytes are used).
	key, _ := hex.DecodeString("fc72db65940945a0f0ace005c4fc37228061551fab47f2baef6244670a33df5b")
	serial, _ := hex.DecodeString("f2e69354a87ad6f464d8")
	offsets, err := refdate.NewOffsets(key, 182, false)
	if err != nil {
		panic(err)
	}
	off, _ := offsets.Offset(serial)
	shifter, _ := refdate.NewShifter(refdate.Options{})

	admit, _, _, _ := refdate.ParseDate([]byte("2024-01-10"))
	discharge, _, _, _ := refdate.ParseDate([]byte("2024-01-12"))
	a, _ := shifter.ShiftDay(admit, off)
	d, _ := shifter.ShiftDay(discharge, off)
	fmt.Println("length of stay before and after:", discharge-admit, d-a)
	fmt.Println("restored:", string(refdate.AppendDate(nil, refdate.Unshift(a, off), refdate.LayoutISO, nil)))
	// Output:
	// length of stay before and after: 2 2
	// restored: 2024-01-10
}
