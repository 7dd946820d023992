package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 65536: "65,536", 1234567: "1,234,567", -1000: "-1,000", 100000: "100,000"} {
		assert.Equal(t, want, thousands(n), "thousands(%d)", n)
	}
}
