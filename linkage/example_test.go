package linkage_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/koble/koble/linkage"
	"github.com/koble/koble/pseudonym"
)

func ExamplePrepare() {
	dir, _ := os.MkdirTemp("", "prepare-example-")
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "npr.csv")
	os.WriteFile(in, []byte("fnr,admit_date,icd10\n15108695088,2024-01-10,C50.9\n15108695077,2024-02-01,I21.0\n"), 0o600)

	key, _ := pseudonym.GenerateKey(rand.Reader, "example", time.Now())
	defer key.Close()
	rep, err := linkage.Prepare(context.Background(), linkage.PrepareConfig{
		In: in, Out: filepath.Join(dir, "delivery.parquet"),
		Key: key, IDColumn: "fnr", Scheme: pseudonym.Norway{},
		Shift: []string{"admit_date"}, Window: 182,
		QuarantinePath: filepath.Join(dir, "quarantine.csv"),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(rep.RowsRead, rep.RowsWritten, rep.Quarantine, rep.ColumnsOut)
	// Output:
	// 2 1 map[id-checksum:1] [lnr admit_date icd10]
}
