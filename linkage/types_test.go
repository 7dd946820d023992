package linkage_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/formats"
	"github.com/koble/koble/linkage"
	"github.com/koble/koble/refdate"
)

// A plan's types and infer_types are checked when it loads, each problem
// with the key that fixes it.
func TestPlanTypesChecked(t *testing.T) {
	const head = "project = \"p\"\nmode = \"distributed\"\nkey = \"k\"\n[[source]]\nname=\"a\"\nregister=\"NPR\"\nid_column=\"fnr\"\n"
	for _, tc := range []struct{ name, plan, want string }{
		{"unknown type", "path=\"a.csv\"\ntypes={d=\"datetime\"}\n[output]\ndir=\"o\"\n",
			`source "a": types.d: formats: unknown column type "datetime" (want string, int64, float64, bool or date)`},
		{"ID typed", "path=\"a.csv\"\ntypes={fnr=\"int64\"}\n[output]\ndir=\"o\"\n",
			`source "a": types.fnr: the ID column is read as the text it is`},
		{"Parquet typed", "path=\"a.parquet\"\ntypes={d=\"date\"}\n[output]\ndir=\"o\"\n",
			`source "a": types and infer_types are for CSV sources: a parquet file carries its column types`},
		{"Parquet inferred", "path=\"a.parquet\"\ninfer_types=true\n[output]\ndir=\"o\"\n",
			`source "a": types and infer_types are for CSV sources`},
		{"format named", "path=\"a.txt\"\nformat=\"arrow\"\ntypes={d=\"date\"}\n[output]\ndir=\"o\"\n",
			`a arrow file carries its column types`},
		{"unknown codec", "path=\"a.csv\"\n[output]\ndir=\"o\"\ncompression=\"brotli\"\n",
			`output: compression: formats: unknown compression "brotli"`},
		{"Arrow and snappy", "path=\"a.csv\"\n[output]\ndir=\"o\"\nformat=\"arrow\"\ncompression=\"snappy\"\n",
			`output: compression "snappy": Arrow files compress with zstd or lz4 only`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "plan.toml")
			require.NoError(t, os.WriteFile(path, []byte(head+tc.plan), 0o600))
			_, err := linkage.LoadPlan(path)
			var pe *linkage.PolicyError
			require.ErrorAs(t, err, &pe)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	path := filepath.Join(t.TempDir(), "plan.toml")
	ok := head + "path=\"a.csv\"\ntypes={fnr=\"string\", n=\"integer\", d=\"date\"}\n[output]\ndir=\"o\"\ncompression=\"snappy\"\n"
	require.NoError(t, os.WriteFile(path, []byte(ok), 0o600))
	p, err := linkage.LoadPlan(path)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"fnr": "string", "n": "integer", "d": "date"}, p.Sources[0].Types)
}

// InferTypes never makes an ID column a number: not the columns named,
// not one named like an identifier, not one whose sample holds an ID.
func TestInferTypesKeepsIDs(t *testing.T) {
	in := writeCSV(t, "fnr,mor,personnummer,kopi,n,kommune,d\n"+
		"15108695088,15108695088,1,7,7,0301,2024-02-29\n"+
		"45014054018,45014054018,2,15108695088,8,1103,29.02.2024\n")
	got, err := linkage.InferTypes(in, formats.ReadOptions{}, nil, "fnr", "mor")
	require.NoError(t, err)
	want := map[string]arrow.DataType{"n": arrow.PrimitiveTypes.Int64, "d": arrow.FixedWidthTypes.Date32}
	assert.Equal(t, want, got, "got %v, want %v", got, want)
	got, err = linkage.InferTypes(in, formats.ReadOptions{}, nil)
	require.NoError(t, err)
	assert.NotContains(t, got, "mor", "a column of IDs stays text unnamed")
}

// A plan's types and infer_types read a CSV source's columns typed, its
// shifted date text is delivered as dates, and its compression is the
// delivery's codec.
func TestLinkPlanTypes(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.csv"), []byte("fnr,n,d,kommune,m,inn\n15108695088,7,2024-02-29,0301,1,01.03.2024\n45014054018,8,01.03.2024,1103,2,02.03.2024\n"), 0o600))
	plan := "project = \"test-project\"\nmode = \"distributed\"\nkey = \"k\"\n[[source]]\nname=\"a\"\nregister=\"NPR\"\nid_column=\"fnr\"\npath=\"a.csv\"\n" +
		"types={n=\"int64\", d=\"date\"}\ninfer_types=true\ndates={shift=[\"inn\"], unshifted=[\"d\"], window=9}\n[output]\ndir=\"o\"\ncompression=\"snappy\"\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "plan.toml"), []byte(plan), 0o600))
	p, err := linkage.LoadPlan(filepath.Join(dir, "plan.toml"))
	require.NoError(t, err)
	_, err = linkage.Link(t.Context(), p, linkage.LinkOptions{Key: testKey(t)})
	require.NoError(t, err)
	info, err := formats.Inspect(p.DeliveryPath("a"), formats.ReadOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"SNAPPY"}, info.Compression)
	types := map[string]string{}
	for _, f := range info.Schema.Fields() {
		types[f.Name] = f.Type.String()
	}
	want := map[string]string{"lnr": "utf8", "n": "int64", "d": "date32", "kommune": "utf8", "m": "int64", "inn": "date32"}
	assert.Equal(t, want, types, "got %v, want %v", types, want)
	got := table(t, p.DeliveryPath("a"), nil)
	assert.Equal(t, []string{"2024-02-29", "2024-03-01"}, got["d"])
	assert.Equal(t, []string{"0301", "1103"}, got["kommune"])
}

// schemaTypes reads a file's schema back with arrow-go: column -> type.
func schemaTypes(t *testing.T, path string) map[string]string {
	r, err := formats.Open(path, formats.ReadOptions{})
	require.NoError(t, err)
	defer r.Close()
	types := map[string]string{}
	for _, f := range r.Schema().Fields() {
		types[f.Name] = f.Type.String()
	}
	return types
}

// A CSV source's shifted, relative and coarsened dates arrive typed in
// Parquet and Arrow (date32, int32 days, int32 year), as from a typed
// source; --infer-types types the other columns that fit, never the ID,
// a code or a column read as text on purpose. A CSV delivery keeps the
// text as it was written.
func TestPrepareTypedDates(t *testing.T) {
	in := writeCSV(t, "fnr,innlagt,utskrevet,diag,fodt,n,kommune,d\n"+
		"15108695088,01.03.2024,2024-03-05,2024-03-01,1986-10-15,7,0301,2024-02-29\n"+
		"45014054018,,2023-06-02,2023-06-01,1940-01-05,8,1103,29.02.2024\n")
	cfg := func(out string) linkage.PrepareConfig {
		return linkage.PrepareConfig{In: in, Out: out, Key: testKey(t), IDColumn: "fnr", InferTypes: true,
			Shift: []string{"innlagt"}, Window: 30, Unshifted: []string{"diag", "d"},
			Relative: []linkage.Relative{{Reference: "diag", Columns: []string{"utskrevet"}}},
			Coarsen:  []linkage.Coarsen{{Column: "fodt", Precision: refdate.Year}}}
	}
	want := map[string]string{"lnr": "utf8", "innlagt": "date32", "utskrevet": "int32", "diag": "utf8", "fodt": "int32",
		"n": "int64", "kommune": "utf8", "d": "date32"}
	for _, ext := range []string{".parquet", ".arrow", ".arrows"} {
		out := filepath.Join(t.TempDir(), "out"+ext)
		rep, err := linkage.Prepare(t.Context(), cfg(out))
		require.NoError(t, err)
		got := schemaTypes(t, out)
		assert.Equal(t, want, got, "%s: got %v, want %v", ext, got, want)
		assert.Equal(t, map[string]string{"n": "int64", "d": "date"}, rep.TypesInferred)
		tab := table(t, out, nil)
		assert.Equal(t, []string{"4", "1"}, tab["utskrevet"], "days from diag")
		assert.Equal(t, []string{"1986", "1940"}, tab["fodt"])
		assert.Equal(t, []string{"2024-02-29", "2024-02-29"}, tab["d"])
		assert.Len(t, tab["innlagt"][0], 10)
	}

	out := filepath.Join(t.TempDir(), "out.csv")
	rep, err := linkage.Prepare(t.Context(), cfg(out))
	require.NoError(t, err)
	assert.Empty(t, rep.TypesInferred, "a CSV delivery keeps the text")
	tab := table(t, out, nil)
	assert.Regexp(t, `^\d\d\.\d\d\.2024$`, tab["innlagt"][0], "shifted text keeps its spelling")
	assert.Equal(t, []string{"2024-02-29", "29.02.2024"}, tab["d"])

	// Text on purpose stays text; a time of day has no date type.
	c := cfg(filepath.Join(t.TempDir(), "text.parquet"))
	c.Read.Types = map[string]arrow.DataType{"innlagt": arrow.BinaryTypes.String, "n": arrow.BinaryTypes.String}
	_, err = linkage.Prepare(t.Context(), c)
	require.NoError(t, err)
	got := schemaTypes(t, c.Out)
	assert.Equal(t, "utf8", got["innlagt"])
	assert.Equal(t, "utf8", got["n"])

	timed := writeCSV(t, "fnr,innlagt\n15108695088,2024-03-01\n45014054018,2024-03-01T10:30\n")
	out = filepath.Join(t.TempDir(), "timed.parquet")
	_, err = linkage.Prepare(t.Context(), linkage.PrepareConfig{In: timed, Out: out, Key: testKey(t), IDColumn: "fnr", Shift: []string{"innlagt"}, Window: 30})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `row 2, column "innlagt": a date with a time of day, or without a day, has no parquet date type: keep the column as text with --types innlagt:string`)
	assert.NoFileExists(t, out)
}
