package linkage_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/formats"
	"github.com/koble/koble/linkage"
)

// schemaID is a valid test number planted in names and metadata.
const schemaID = "15108695088"

// prepare guards the schema it delivers: a delivered column named by an
// ID, or whose metadata holds one, stops the run naming the input, and
// nothing is written.
func TestPrepareGuardsSchema(t *testing.T) {
	key := testKey(t)
	named := writeCSV(t, "fnr,kopi "+schemaID+"\n45014054018,x\n")
	out := filepath.Join(t.TempDir(), "out.parquet")
	_, err := linkage.Prepare(context.Background(), linkage.PrepareConfig{In: named, Out: out, Key: key, IDColumn: "fnr"})
	var leak *linkage.LeakError
	require.ErrorAs(t, err, &leak)
	assert.True(t, leak.Name)
	assert.Contains(t, err.Error(), filepath.Base(named))
	assert.NotContains(t, err.Error(), schemaID)
	assertNoFile(t, out)

	// A column's own metadata, from an Arrow file.
	in := filepath.Join(t.TempDir(), "in.arrow")
	md := arrow.NewMetadata([]string{"comment"}, []string{"copied from " + schemaID})
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "fnr", Type: arrow.BinaryTypes.String},
		{Name: "note", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: md},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).Append("45014054018")
	b.Field(1).(*array.StringBuilder).Append("x")
	rec := b.NewRecordBatch()
	defer rec.Release()
	w, err := formats.Create(in, schema, formats.WriteOptions{})
	require.NoError(t, err)
	require.NoError(t, w.Write(rec))
	require.NoError(t, w.Close())
	_, err = linkage.Prepare(context.Background(), linkage.PrepareConfig{In: in, Out: out, Key: key, IDColumn: "fnr"})
	require.ErrorAs(t, err, &leak)
	assert.True(t, leak.Metadata)
	assert.Equal(t, "note", leak.Column)
	assertNoFile(t, out)
}

// What koble writes of its own about a run (the output's metadata, the
// clear quarantine file's column names) passes the redaction step: here
// an ID column whose name holds an ID.
func TestPrepareRedactsOwnWords(t *testing.T) {
	key := testKey(t)
	col := "fnr " + schemaID
	in := writeCSV(t, col+",d\n45014054018,2024-01-01\n12345678901,2024-01-02\n")
	dir := t.TempDir()
	out, q := filepath.Join(dir, "out.parquet"), filepath.Join(dir, "q.csv")
	_, err := linkage.Prepare(context.Background(), linkage.PrepareConfig{In: in, Out: out, Key: key, IDColumn: col, QuarantinePath: q})
	require.NoError(t, err)
	qb, err := os.ReadFile(q)
	require.NoError(t, err)
	assert.Contains(t, string(qb), "fnr [id]")
	assert.NotContains(t, string(qb), schemaID)
	r, err := formats.Open(out, formats.ReadOptions{})
	require.NoError(t, err)
	defer r.Close()
	require.NotEmpty(t, r.Metadata())
	for k, v := range r.Metadata() {
		assert.NotContains(t, k+"="+v, schemaID)
	}
	assert.Equal(t, "fnr [id]", r.Metadata()["koble.serial_source_column"])
}
