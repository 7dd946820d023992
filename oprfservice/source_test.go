package oprfservice

import (
	"context"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/internal/testids"
	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/pseudonym/oprf"
)

func TestSourceFill(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	e := newEnv(t, nil)
	ids := testids.Norwegian(40)
	b := array.NewStringBuilder(mem)
	defer b.Release()
	for i := range 200 {
		switch {
		case i == 7:
			b.AppendNull()
		case i == 8:
			b.Append("12345678901")
		default:
			b.Append(ids[i%len(ids)])
		}
	}
	col := b.NewArray()
	defer col.Release()

	src := NewSource(e.client("p1", "registry", "", nil), pseudonym.Norway{}, nil)
	direct, err := oprf.NewServer(e.keys["p1"])
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			serials := make([]pseudonym.Serial, col.Len())
			reasons := make([]pseudonym.Reason, col.Len())
			assert.NoError(t, src.Fill(context.Background(), col, serials, reasons))
			for i := range col.Len() {
				switch i {
				case 7:
					assert.Equal(t, pseudonym.ReasonEmpty, reasons[i])
				case 8:
					assert.NotEqual(t, pseudonym.ReasonNone, reasons[i])
					assert.Equal(t, pseudonym.Serial{}, serials[i])
				default:
					id, err := pseudonym.Parse(pseudonym.Norway{}, ids[i%len(ids)])
					assert.NoError(t, err)
					want, err := direct.Compute(id)
					assert.NoError(t, err)
					assert.Equal(t, want, serials[i], "row %d", i)
				}
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int64(40), src.Evaluated(), "each distinct person once, across workers")
	total := 0
	for _, r := range readLog(t, e.cfg.AuditLog) {
		total += r.Count
	}
	assert.Equal(t, 40, total)
}

func TestSourceCrosswalk(t *testing.T) {
	e := newEnv(t, nil)
	ids := testids.Norwegian(2)
	old, err := pseudonym.Parse(pseudonym.Norway{}, ids[0])
	require.NoError(t, err)
	cur, err := pseudonym.Parse(pseudonym.Norway{}, ids[1])
	require.NoError(t, err)
	cw := pseudonym.MapCrosswalk{}
	cw.Add(old, cur)
	b := array.NewStringBuilder(memory.DefaultAllocator)
	b.AppendValues(ids, nil)
	col := b.NewArray()
	defer col.Release()
	src := NewSource(e.client("p1", "registry", "", nil), pseudonym.Norway{}, cw)
	serials := make([]pseudonym.Serial, 2)
	require.NoError(t, src.Fill(context.Background(), col, serials, make([]pseudonym.Reason, 2)))
	assert.Equal(t, serials[0], serials[1], "a replaced number gets the current number's serial")
	assert.Equal(t, int64(1), src.Evaluated())
}

func TestSourceStopsOnRefusal(t *testing.T) {
	e := newEnv(t, nil)
	b := array.NewStringBuilder(memory.DefaultAllocator)
	b.AppendValues(testids.Norwegian(150), nil)
	col := b.NewArray()
	defer col.Release()
	src := NewSource(e.client("p1", "", "small-token", nil), pseudonym.Norway{}, nil)
	serials := make([]pseudonym.Serial, 150)
	err := src.Fill(context.Background(), col, serials, make([]pseudonym.Reason, 150))
	assert.ErrorContains(t, err, "quota exceeded")
	assert.Equal(t, int64(0), src.Evaluated())
}
