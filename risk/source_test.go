package risk

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
)

// TestJoinedSources measures the person-level view a researcher gets by
// joining two deliveries on the serial: birth year from one, municipality
// from the other.
func TestJoinedSources(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	c, err := New(Config{Person: "lnr", QI: []string{"birth_year", "municipality"}, K: 3})
	require.NoError(t, err)
	// Persons a-f: born 1950 (a-c) and 1960 (d-f) in source one; in
	// source two a, b, d, e live in 0301, c and f in 1103, and g appears
	// in source two only.
	one := makeBatch(mem, []string{"birth_year"}, rowsOf(`
a 1950 -
b 1950 -
c 1950 -
d 1960 -
e 1960 -
f 1960 -`), false)
	defer one.Release()
	two := makeBatch(mem, []string{"municipality"}, rowsOf(`
a 0301 -
b 0301 -
c 1103 -
d 0301 -
e 0301 -
f 1103 -
g 1103 -`), false)
	defer two.Release()
	require.NoError(t, c.AddSource(one))
	require.NoError(t, c.AddSource(two))
	res, err := c.Result()
	require.NoError(t, err)
	// Joined: {1950, 0301}: a, b; {1950, 1103}: c; {1960, 0301}: d, e;
	// {1960, 1103}: f; {no year, 1103}: g. Neither delivery alone has a
	// class under 3 (birth year: 3 and 3; municipality: 4 and 3).
	require.Equal(t, int64(7), res.Persons)
	require.Equal(t, int64(5), res.Classes)
	require.Equal(t, int64(3), res.SampleUniques)
	require.Equal(t, int64(7), res.AtRisk)

	first, err := New(Config{Person: "lnr", QI: []string{"birth_year", "municipality"}, Mode: First})
	require.NoError(t, err)
	require.ErrorIs(t, first.AddSource(one), ErrConfig)
	require.ErrorContains(t, first.Add(one), `no column "municipality"`)

	// A QI that no source had.
	c2, err := New(Config{Person: "lnr", QI: []string{"birth_year", "sex"}})
	require.NoError(t, err)
	require.NoError(t, c2.AddSource(one))
	_, err = c2.Result()
	require.ErrorContains(t, err, `no batch had the column "sex"`)
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no person", Config{QI: []string{"a"}}, "no person column"},
		{"no qi", Config{Person: "p"}, "no quasi-identifier"},
		{"twice", Config{Person: "p", QI: []string{"a", "a"}}, `"a" named twice`},
		{"person as qi", Config{Person: "p", QI: []string{"p"}}, `"p" named twice`},
		{"k", Config{Person: "p", QI: []string{"a"}, K: 1}, "k = 1"},
		{"bound", Config{Person: "p", QI: []string{"a"}, Bound: 500}, "bound 500"},
		{"sensitive", Config{Person: "p", QI: []string{"a"}, Sensitive: "a"}, "sensitive column"},
		{"ladder", Config{Person: "p", QI: []string{"a"}, Ladders: map[string]Ladder{"b": {}}}, `ladder for "b"`},
		{"frame", Config{Person: "p", QI: []string{"a"}, Frame: NewFrame([]string{"b"}, "n")}, "frame's columns b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			require.ErrorIs(t, err, ErrConfig)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

// TestTypedColumns: integer and date columns are counted by their text,
// so an int64 serial and a string serial name the same person, and a
// date32 value matches a frame's YYYY-MM-DD.
func TestTypedColumns(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "lnr", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "birth_year", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, sc)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 1, 2, 3}, []bool{true, true, true, false})
	b.Field(1).(*array.Date32Builder).AppendValues([]arrow.Date32{18000, 18001, 18000, 0}, nil)
	b.Field(2).(*array.Int32Builder).AppendValues([]int32{1950, 1950, 1950, 1}, nil)
	batch := b.NewRecordBatch()
	defer batch.Release()
	c, err := New(Config{Person: "lnr", QI: []string{"d", "birth_year"}, K: 2})
	require.NoError(t, err)
	require.NoError(t, c.Add(batch))
	res, err := c.Result()
	require.NoError(t, err)
	require.Equal(t, int64(1), res.RowsWithoutPerson)
	require.Equal(t, int64(2), res.Persons)
	require.Equal(t, []string{"date", "year"}, res.Ladders)
	require.Equal(t, "2019-04-14", c.dicts[0].vals[1])
	// Person 1 shows two dates, person 2 one: two unique classes; by
	// month (cost 1) they share 2019-04.
	require.Equal(t, int64(2), res.SampleUniques)
	require.True(t, res.Suggestions[len(res.Suggestions)-1].Pass)
	require.Equal(t, []string{"month", "1 year"}, res.Suggestions[len(res.Suggestions)-1].Levels)
}
