package jobs

import (
	"bytes"
	"encoding/gob"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/typex"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/formats"
)

// recorded holds, gob-encoded, every element of the PCollections that
// cross workers in a test run (the workers run in the test's process on
// Prism).
var recorded struct {
	sync.Mutex
	elems [][]byte
}

func record(v beam.T) {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(v); err != nil {
		panic(err)
	}
	recorded.Lock()
	recorded.elems = append(recorded.elems, b.Bytes())
	recorded.Unlock()
}

func recordKV(k beam.X, v beam.Y) {
	record(k)
	record(v)
}

func init() {
	beam.RegisterFunction(record)
	beam.RegisterFunction(recordKV)
}

// TestNoIDCrossesWorkers runs a centralised plan on Prism and checks that
// no element that leaves a worker (the sample persons, the combined
// sample, the series, the tallies) holds any national ID of the input,
// in any form.
func TestNoIDCrossesWorkers(t *testing.T) {
	pr := newProject(t, "centralised-a")
	job, plan := pr.job(t)
	crossing = func(s beam.Scope, col beam.PCollection) beam.PCollection {
		if typex.IsKV(col.Type()) {
			beam.ParDo0(s, recordKV, col)
		} else {
			beam.ParDo0(s, record, col)
		}
		return col
	}
	t.Cleanup(func() { crossing = func(_ beam.Scope, col beam.PCollection) beam.PCollection { return col } })
	recorded.elems = nil

	p, s := beam.NewPipelineWithRoot()
	require.NoError(t, Link(s, job, plan))
	require.NoError(t, ptest.Run(p))

	ids := inputIDs(t, pr)
	require.NotEmpty(t, ids)
	require.NotEmpty(t, recorded.elems)
	for _, e := range recorded.elems {
		for _, id := range ids {
			if bytes.Contains(e, []byte(id)) {
				t.Fatalf("an element that crosses workers holds an ID of the input")
			}
		}
	}
	// The sealed IDs do reach the serial key file.
	assert.NotEmpty(t, pr.decrypt(t, filepath.Join(job.Output, plan.Project+".serial-key.age")))
}

// inputIDs returns every value of the ID columns of the project's inputs,
// as written and in canonical form.
func inputIDs(t *testing.T, pr *project) []string {
	t.Helper()
	var ids []string
	for _, s := range pr.plan.Sources {
		r, err := formats.Open(filepath.Join(pr.dir, s.Path), formats.ReadOptions{Columns: []string{s.IDColumn}})
		require.NoError(t, err)
		for r.Next() {
			c := r.RecordBatch().Column(0)
			for i := 0; i < c.Len(); i++ {
				v := strings.TrimSpace(c.ValueStr(i))
				if len(v) >= 10 {
					ids = append(ids, v, "no:"+v)
				}
			}
		}
		require.NoError(t, r.Err())
		r.Close()
	}
	return ids
}
