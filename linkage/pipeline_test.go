package linkage_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/formats"
	"github.com/koble/koble/linkage"
	"github.com/koble/koble/refdate"
)

// The per-batch API, driven by hand with two forked workers and tallies
// moved through JSON, delivers the same bytes, quarantine file and report
// as Prepare.
func TestPipelineMatchesPrepare(t *testing.T) {
	data := synthData(t, formats.FormatParquet, 500, 5000)
	key := goldenKey(t)
	cfg := basicConfig(key, filepath.Join(data, "patient.parquet"), filepath.Join(t.TempDir(), "prepared.parquet"))
	cfg.Scheme = goldenScheme(t)
	cfg.Coarsen = []linkage.Coarsen{{Column: "birth_date", Precision: refdate.Year}}
	cfg.Relative = []linkage.Relative{{PersonFirst: []string{"admit_date"}, Columns: []string{"control_date"}}}
	cfg.QuarantinePath = filepath.Join(t.TempDir(), "quarantine.csv")
	want, err := linkage.Prepare(context.Background(), cfg)
	require.NoError(t, err)

	ctx := context.Background()
	r, err := formats.Open(cfg.In, cfg.Read)
	require.NoError(t, err)
	defer r.Close()
	pl, err := linkage.NewPipeline(ctx, cfg, r.Schema())
	require.NoError(t, err)
	defer pl.Close()
	out := filepath.Join(t.TempDir(), "pipeline.parquet")
	w, err := formats.Create(out, pl.Schema(), pl.WriteOptions())
	require.NoError(t, err)
	var qbuf bytes.Buffer
	q, err := pl.NewQuarantineWriter(&qbuf, "quarantine.csv")
	require.NoError(t, err)
	workers := []*linkage.PipelineWorker{pl.Fork(), pl.Fork()}
	var total linkage.Tally
	row := int64(1)
	for i := 0; r.Next(); i++ {
		b := r.RecordBatch()
		res, err := workers[i%2].Transform(ctx, b, row)
		require.NoError(t, err)
		row += b.NumRows()
		for _, d := range res.Delivered {
			require.NoError(t, w.Write(d))
		}
		for _, qr := range res.Quarantine {
			assert.Less(t, qr.Row, row)
		}
		require.NoError(t, q.Write(res))
		js, err := json.Marshal(&res.Tally)
		require.NoError(t, err)
		var moved linkage.Tally
		require.NoError(t, json.Unmarshal(js, &moved))
		total.Merge(&moved)
		res.Release()
	}
	require.NoError(t, r.Err())
	require.NoError(t, w.Close())
	require.NoError(t, q.Close())
	rep, err := pl.Report(&total)
	require.NoError(t, err)

	assert.Equal(t, mustRead(t, cfg.Out), mustRead(t, out))
	assert.Positive(t, want.RowsQuarantine)
	assert.Equal(t, mustRead(t, cfg.QuarantinePath), qbuf.String())
	rep.Workers, rep.Seconds, rep.RowsPerSecond = want.Workers, want.Seconds, want.RowsPerSecond
	assert.Equal(t, want, rep)
}

// NewPipeline guards what the delivery says of itself, as Prepare does:
// a column named by an ID is refused before any batch is transformed.
func TestPipelineGuardsSchema(t *testing.T) {
	in := writeCSV(t, "fnr,kopi "+schemaID+"\n45014054018,x\n")
	r, err := formats.Open(in, formats.ReadOptions{})
	require.NoError(t, err)
	defer r.Close()
	cfg := linkage.PrepareConfig{In: in, Out: "out.parquet", Key: testKey(t), IDColumn: "fnr"}
	_, err = linkage.NewPipeline(context.Background(), cfg, r.Schema())
	var leak *linkage.LeakError
	require.ErrorAs(t, err, &leak)
	assert.True(t, leak.Name)
	assert.NotContains(t, err.Error(), schemaID)
}
