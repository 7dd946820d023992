package jobs

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/delivery"
	"github.com/koble/koble/formats"
	"github.com/koble/koble/linkage"
)

// plantedID is a valid synthetic test number planted in inputs.
const plantedID = "15108695088"

// TestPlantedIDRefused plants an ID in a delivered column's name, in a
// column's metadata and in a column's values of one source of a
// distributed plan. koble link refuses the delivery with a leak-guard
// error; so does the Beam run, with no manifest and no delivered file in
// its output, and the ID appears in none of the run's errors, logs,
// reports or files.
func TestPlantedIDRefused(t *testing.T) {
	for _, where := range []string{"name", "metadata", "values"} {
		t.Run(where, func(t *testing.T) {
			pr := newProject(t, "distributed")
			in := filepath.Join(pr.dir, "data", "death.parquet")
			plant(t, in, where)
			old, err := filepath.Glob(filepath.Join(pr.dir, "shards", "death-*"))
			require.NoError(t, err)
			for _, f := range old {
				require.NoError(t, os.Remove(f))
			}
			splitShards(t, in, filepath.Join(pr.dir, "shards", "death"), 3)

			_, err = linkage.Link(context.Background(), pr.plan, linkage.LinkOptions{Key: pr.key, Workers: 1})
			var leak *linkage.LeakError
			require.ErrorAs(t, err, &leak, "koble link")
			assert.NotContains(t, err.Error(), plantedID)

			var logs bytes.Buffer
			prev := slog.Default()
			slog.SetDefault(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
			t.Cleanup(func() { slog.SetDefault(prev) })
			job, plan := pr.job(t)
			// A failed run's other bundles may still write to the staging
			// folder after Run returns: keep it out of the test's folder.
			out, err := os.MkdirTemp("", "koble-beam-planted-")
			require.NoError(t, err)
			t.Cleanup(func() { os.RemoveAll(out) })
			job.Output = filepath.Join(out, "out")
			p, s := beam.NewPipelineWithRoot()
			require.NoError(t, Link(s, job, plan))
			err = ptest.Run(p)
			slog.SetDefault(prev)
			require.Error(t, err, "the Beam run")
			assert.Contains(t, err.Error(), "leak guard")
			assert.NotContains(t, err.Error(), plantedID)
			assert.NotContains(t, logs.String(), plantedID)
			assert.NotEmpty(t, logs.String())
			_, err = os.Stat(filepath.Join(job.Output, plan.Project+delivery.ManifestSuffix))
			assert.True(t, os.IsNotExist(err), "no manifest")
			delivered, _ := filepath.Glob(filepath.Join(job.Output, "*-of-*"))
			assert.Empty(t, delivered)
			filepath.WalkDir(job.Output, func(path string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() && !strings.Contains(filepath.Base(path), "death") {
					b, rerr := os.ReadFile(path)
					require.NoError(t, rerr)
					assert.NotContains(t, string(b), plantedID, path)
				}
				return nil
			})
		})
	}
}

// plant rewrites the Parquet file at path with plantedID in a new
// column's name, metadata or values.
func plant(t *testing.T, path, where string) {
	t.Helper()
	r, err := formats.Open(path, formats.ReadOptions{})
	require.NoError(t, err)
	field := arrow.Field{Name: "note", Type: arrow.BinaryTypes.String, Nullable: true}
	switch where {
	case "name":
		field.Name = "note " + plantedID
	case "metadata":
		field.Metadata = arrow.NewMetadata([]string{"comment"}, []string{"copied from " + plantedID})
	}
	schema := arrow.NewSchema(append(r.Schema().Fields(), field), nil)
	var batches []arrow.RecordBatch
	for r.Next() {
		b := r.RecordBatch()
		nb := array.NewStringBuilder(memory.DefaultAllocator)
		for i := 0; i < int(b.NumRows()); i++ {
			if where == "values" && i%7 == 0 {
				nb.Append(plantedID)
			} else {
				nb.Append(fmt.Sprint("n", i%3))
			}
		}
		note := nb.NewArray()
		batches = append(batches, array.NewRecordBatch(schema, append(b.Columns(), note), b.NumRows()))
		nb.Release()
	}
	require.NoError(t, r.Err())
	r.Close()
	w, err := formats.Create(path, schema, formats.WriteOptions{Overwrite: true})
	require.NoError(t, err)
	for _, b := range batches {
		require.NoError(t, w.Write(b))
		b.Release()
	}
	require.NoError(t, w.Close())
	back, err := formats.Open(path, formats.ReadOptions{})
	require.NoError(t, err)
	defer back.Close()
	got := back.Schema().Field(back.Schema().NumFields() - 1)
	assert.Equal(t, field.Name, got.Name)
	if where == "metadata" {
		require.Contains(t, got.Metadata.Values(), "copied from "+plantedID, "Parquet keeps the column's metadata")
	}
}
