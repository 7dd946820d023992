package formats_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/koble/koble/formats"
)

func ExampleConvert() {
	dir, _ := os.MkdirTemp("", "formats-example-")
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "npr.csv")
	os.WriteFile(in, []byte("fnr;kommune\n01017012345;0301\n"), 0o600)

	// CSV (delimiter detected) to Parquet, atomically; IDs stay strings.
	out := filepath.Join(dir, "npr.parquet")
	rows, err := formats.Convert(context.Background(), in, out, formats.ReadOptions{}, formats.WriteOptions{})
	if err != nil {
		panic(err)
	}
	r, err := formats.Open(out, formats.ReadOptions{})
	if err != nil {
		panic(err)
	}
	defer r.Close()
	for r.Next() {
		b := r.RecordBatch()
		fmt.Println(rows, b.Schema().Field(0).Type, b.Column(0).ValueStr(0), b.Column(1).ValueStr(0))
	}
	// Output:
	// 1 utf8 01017012345 0301
}
