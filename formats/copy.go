package formats

import (
	"context"
	"fmt"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
)

// Copy writes every batch of src to dst and returns the number of rows.
// It neither closes nor aborts dst. It stops early, with ctx's error, when
// ctx is done.
func Copy(ctx context.Context, dst Writer, src Reader) (int64, error) {
	var rows int64
	for src.Next() {
		if err := ctx.Err(); err != nil {
			return rows, err
		}
		b := src.RecordBatch()
		if err := dst.Write(b); err != nil {
			return rows, err
		}
		rows += b.NumRows()
	}
	return rows, src.Err()
}

// Convert copies the file in to the file out, with the input's key-value
// metadata and any in wo.Metadata (which wins). The output appears only if
// the whole copy succeeds.
func Convert(ctx context.Context, in, out string, ro ReadOptions, wo WriteOptions) (int64, error) {
	r, err := Open(in, ro)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	return ConvertFrom(ctx, r, out, wo)
}

// ConvertFrom is [Convert] from a reader the caller opened (and closes):
// one that reports progress as it is read, say.
func ConvertFrom(ctx context.Context, r Reader, out string, wo WriteOptions) (int64, error) {
	md := map[string]string{}
	for k, v := range r.Metadata() {
		md[k] = v
	}
	for k, v := range wo.Metadata {
		md[k] = v
	}
	wo.Metadata = md
	w, err := Create(out, r.Schema(), wo)
	if err != nil {
		return 0, err
	}
	defer w.Abort()
	rows, err := Copy(ctx, w, r)
	if err != nil {
		return rows, err
	}
	return rows, w.Close()
}

// Info describes a file, as `koble inspect` prints it.
type Info struct {
	Path      string
	Format    Format
	Size      int64
	Schema    *arrow.Schema
	Rows      int64
	RowGroups []int64 // rows per Parquet row group; Arrow record batches
	Metadata  map[string]string
	// Compression names the codecs used (Parquet), or is empty.
	Compression []string
}

// Inspect describes the file at path. It reads Parquet's footer only; CSV
// and Arrow are streamed to count rows.
func Inspect(path string, ro ReadOptions) (*Info, error) {
	r, err := Open(path, ro)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	info := &Info{Path: path, Schema: r.Schema(), Metadata: r.Metadata()}
	if st, err := os.Stat(path); err == nil {
		info.Size = st.Size()
	}
	switch pr := r.(type) {
	case *parquetReader:
		info.Format = FormatParquet
		info.Rows = pr.pf.NumRows()
		seen := map[string]bool{}
		for i := 0; i < pr.pf.NumRowGroups(); i++ {
			rg := pr.pf.MetaData().RowGroup(i)
			info.RowGroups = append(info.RowGroups, rg.NumRows())
			for c := 0; c < rg.NumColumns(); c++ {
				cc, err := rg.ColumnChunk(c)
				if err != nil {
					continue
				}
				name := cc.Compression().String()
				if !seen[name] {
					seen[name] = true
					info.Compression = append(info.Compression, name)
				}
			}
		}
		return info, nil
	case *arrowFileReader:
		info.Format = FormatArrowFile
	case *arrowStreamReader:
		info.Format = FormatArrowStream
	default:
		info.Format = FormatCSV
	}
	for r.Next() {
		info.Rows += r.RecordBatch().NumRows()
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	return info, nil
}

// String returns a short description.
func (i *Info) String() string {
	return fmt.Sprintf("%s: %s, %d rows", i.Path, i.Format, i.Rows)
}
