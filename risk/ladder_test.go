package risk

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLadders(t *testing.T) {
	tests := []struct {
		kind, in string
		want     []string // by level, without the dropped top
	}{
		{"date", "2019-08-17", []string{"2019-08-17", "2019-08", "2019-Q3", "2019"}},
		{"date", "2019-12-01", []string{"2019-12-01", "2019-12", "2019-Q4", "2019"}},
		{"date", "17.08.2019", []string{"17.08.2019", "17.08.2019", "17.08.2019", "17.08.2019"}},
		{"year", "1953", []string{"1953", "1950-1954", "1950-1959"}},
		{"year", "-3", []string{"-3", "-5--1", "-10--1"}},
		{"municipality", "0301", []string{"0301", "03"}},
		{"municipality", "301", []string{"301", "03"}},
		{"municipality", "Oslo", []string{"Oslo", "Oslo"}},
		{"icd10", "C50.9", []string{"C50.9", "C50", "chapter II"}},
		{"icd10", "a09", []string{"a09", "A09", "chapter I"}},
		{"icd10", "Z00.0", []string{"Z00.0", "Z00", "chapter XXI"}},
		{"icd10", "U07.1", []string{"U07.1", "U07", "chapter XXII"}},
		{"icd10", "V01", []string{"V01", "V01", "chapter XX"}},
		{"icd10", "S72.0", []string{"S72.0", "S72", "chapter XIX"}},
		{"none", "x", []string{"x"}},
	}
	for _, tt := range tests {
		t.Run(tt.kind+"/"+tt.in, func(t *testing.T) {
			l, err := NewLadder(tt.kind)
			require.NoError(t, err)
			require.Len(t, l.Levels, len(tt.want)+1)
			require.True(t, l.Levels[len(l.Levels)-1].Drop)
			for i, want := range tt.want {
				got := tt.in
				if m := l.Levels[i].Map; m != nil {
					got = m(tt.in)
				}
				require.Equal(t, want, got, "level %s", l.Levels[i].Name)
			}
		})
	}
	_, err := NewLadder("colour")
	require.ErrorIs(t, err, ErrConfig)
}

func TestGuessLadder(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   string
	}{
		{"admit", []string{"", "2019-01-02"}, "date"},
		{"birth_year", []string{"1950"}, "year"},
		{"alder", []string{"51"}, "year"},
		{"count", []string{"51"}, "none"},
		{"kommune", []string{"0301"}, "municipality"},
		{"icd10", []string{"C50"}, "icd10"},
		{"sex", []string{"M"}, "none"},
		{"year", []string{""}, "none"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, GuessLadder(tt.name, tt.values).Kind, tt.name)
	}
}
