package linkage

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestWrapText(t *testing.T) {
	cases := []struct {
		name, in string
		width    float64
	}{
		{"long register name", "holds Kommunalt pasient- og brukerregister and Dødsårsaksregisteret", 120},
		{"column list", "patient.csv: lnr + admit_date (shifted), discharge_date (shifted), icd10, municipality", edgeTextW},
		{"word wider than the line", "Dødsårsaksregisteret Kreftregisteret", 40},
		{"fits", "researcher", boxTextW},
		{"empty", "", boxTextW},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lines := wrapText(c.in, c.width, boxFont, false)
			assert.Equal(t, strings.Fields(c.in), strings.Fields(strings.Join(lines, " ")), "no word is cut or lost")
			for _, l := range lines {
				if strings.Contains(l, " ") {
					assert.LessOrEqual(t, textWidth(l, boxFont, false), c.width, "got %q", l)
				}
			}
		})
	}
}
