package risk

import "fmt"

// Mode says how a person's quasi-identifiers over their rows make the key
// of the class the person is counted in. See the package documentation.
type Mode uint8

// The modes.
const (
	// Combination (the default): per quasi-identifier, the set of distinct
	// values over the person's rows; the class key is the tuple of sets.
	Combination Mode = iota
	// First: the values of the person's first row in the order read.
	First
	// Every: the person counts in the class of every distinct combination
	// their rows show, and their class size is the smallest of those.
	Every
)

// String names the mode as flags and plans spell it.
func (m Mode) String() string {
	switch m {
	case Combination:
		return "combination"
	case First:
		return "first"
	case Every:
		return "every"
	}
	return fmt.Sprintf("mode(%d)", uint8(m))
}

// ParseMode returns the mode named s ("" is Combination).
func ParseMode(s string) (Mode, error) {
	switch s {
	case "", "combination":
		return Combination, nil
	case "first":
		return First, nil
	case "every":
		return Every, nil
	}
	return 0, fmt.Errorf("%w: mode %q: want combination, first or every", ErrConfig, s)
}
