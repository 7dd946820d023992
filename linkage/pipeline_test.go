package linkage_test

import (
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
// moved through JSON, delivers the same bytes and report as Prepare.
func TestPipelineMatchesPrepare(t *testing.T) {
	data := synthData(t, formats.FormatParquet, 500, 5000)
	key := goldenKey(t)
	cfg := basicConfig(key, filepath.Join(data, "patient.parquet"), filepath.Join(t.TempDir(), "prepared.parquet"))
	cfg.Scheme = goldenScheme(t)
	cfg.Coarsen = []linkage.Coarsen{{Column: "birth_date", Precision: refdate.Year}}
	cfg.Relative = []linkage.Relative{{PersonFirst: []string{"admit_date"}, Columns: []string{"control_date"}}}
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
		for _, q := range res.Quarantine {
			assert.Less(t, q.Row, row)
		}
		js, err := json.Marshal(&res.Tally)
		require.NoError(t, err)
		var moved linkage.Tally
		require.NoError(t, json.Unmarshal(js, &moved))
		total.Merge(&moved)
		res.Release()
	}
	require.NoError(t, r.Err())
	require.NoError(t, w.Close())
	rep, err := pl.Report(&total)
	require.NoError(t, err)

	assert.Equal(t, mustRead(t, cfg.Out), mustRead(t, out))
	rep.Workers, rep.Seconds, rep.RowsPerSecond = want.Workers, want.Seconds, want.RowsPerSecond
	assert.Equal(t, want, rep)
}
