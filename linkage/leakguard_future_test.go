package linkage

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/koble/koble/pseudonym"
)

// TestGuardFindsFutureBirthDates: the run's reference date refuses IDs
// born after it, but the leak guard still finds them: they have the form
// of an ID.
func TestGuardFindsFutureBirthDates(t *testing.T) {
	ref := pseudonym.Date{Year: 2026, Month: time.December, Day: 2}
	for _, scheme := range []pseudonym.Scheme{pseudonym.Norway{Reference: ref}, pseudonym.Sweden{Reference: ref},
		pseudonym.Denmark{Reference: ref}, pseudonym.Finland{Reference: ref}} {
		f := guardFinder(scheme)
		for _, v := range []string{"08073457336", "071042D874L", "203001018880"} {
			assert.True(t, f.ContainsString("note "+v), "%s run: %s", scheme.Code(), v[:2])
		}
		if scheme.Code() == "dk" {
			// Other runs look for Danish numbers that pass the
			// modulus-11 check only; this one does not.
			assert.True(t, f.ContainsString("note 0612348788"))
		}
	}
}
