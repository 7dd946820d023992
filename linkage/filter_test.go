package linkage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFilterBatchMatchesArrow checks the run-copying filter against arrow's
// filter kernel for every column type a register has (and a list, which
// takes the kernel's path), with and without nulls, on sliced batches, for
// masks from keep-all to keep-none.
func TestFilterBatchMatchesArrow(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "ls", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "i64", Type: arrow.PrimitiveTypes.Int64},
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "dec", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
		{Name: "fsb", Type: &arrow.FixedSizeBinaryType{ByteWidth: 3}, Nullable: true},
		{Name: "list", Type: arrow.ListOf(arrow.PrimitiveTypes.Int8), Nullable: true},
	}, nil)
	rng := rand.New(rand.NewPCG(3, 4))
	const rows = 1000
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i := 0; i < rows; i++ {
		null := rng.IntN(7) == 0
		if null {
			for _, k := range []int{0, 1, 2, 4, 5, 6, 7, 8, 9, 10} {
				b.Field(k).AppendNull()
			}
		} else {
			s := fmt.Sprintf("v%d", rng.IntN(100000))
			b.Field(0).(*array.StringBuilder).Append(s)
			b.Field(1).(*array.LargeStringBuilder).Append(s + "x")
			b.Field(2).(*array.BinaryBuilder).Append([]byte(s)[:rng.IntN(len(s))])
			b.Field(4).(*array.Int32Builder).Append(rng.Int32())
			b.Field(5).(*array.Date32Builder).Append(arrow.Date32(rng.IntN(30000)))
			b.Field(6).(*array.BooleanBuilder).Append(rng.IntN(2) == 0)
			b.Field(7).(*array.Float64Builder).Append(rng.Float64())
			b.Field(8).(*array.Decimal128Builder).Append(decimal128.FromI64(rng.Int64N(1e9)))
			b.Field(9).(*array.FixedSizeBinaryBuilder).Append([]byte{byte(i), byte(i >> 8), 7})
			lb := b.Field(10).(*array.ListBuilder)
			lb.Append(true)
			lb.ValueBuilder().(*array.Int8Builder).Append(int8(i))
		}
		b.Field(3).(*array.Int64Builder).Append(rng.Int64())
	}
	full := b.NewRecordBatch()
	defer full.Release()

	ctx := context.Background()
	for _, slice := range [][2]int64{{0, rows}, {13, 977}} {
		rec := full.NewSlice(slice[0], slice[1])
		n := int(rec.NumRows())
		for _, p := range []float64{0, 0.01, 0.3, 0.9, 1} {
			keep := make([]bool, n)
			for i := range keep {
				keep[i] = rng.Float64() >= p
			}
			got, err := filterBatch(ctx, mem, schema, rec, keep)
			require.NoError(t, err)
			fb := array.NewBooleanBuilder(mem)
			fb.AppendValues(keep, nil)
			filter := fb.NewArray()
			fb.Release()
			want, err := compute.FilterRecordBatch(compute.WithAllocator(ctx, mem), rec, filter, compute.DefaultFilterOptions())
			require.NoError(t, err)
			filter.Release()
			require.Equal(t, want.NumRows(), got.NumRows(), "slice %v, drop %v", slice, p)
			for c := range schema.Fields() {
				assert.True(t, array.Equal(want.Column(c), got.Column(c)), "column %s, slice %v, drop %v", schema.Field(c).Name, slice, p)
				assert.Equal(t, want.Column(c).NullN(), got.Column(c).NullN(), "column %s nulls", schema.Field(c).Name)
				assert.NoError(t, array.ValidateFull(got.Column(c)), "column %s", schema.Field(c).Name)
			}
			want.Release()
			got.Release()
		}
		rec.Release()
	}
}

func TestKeptRuns(t *testing.T) {
	runs, kept := keptRuns([]bool{true, true, false, true, false, false, true})
	assert.Equal(t, [][2]int{{0, 2}, {3, 4}, {6, 7}}, runs)
	assert.Equal(t, 4, kept)
	runs, kept = keptRuns([]bool{false, false})
	assert.Empty(t, runs)
	assert.Zero(t, kept)
}
