package linkage

import (
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/koble/koble/delivery"
)

// DescribeCSV writes into the transaction the description of a CSV file
// delivered by other means than prepare and link ('koble convert'): a
// data package (OUT.datapackage.json beside the manifest) and the loading
// snippets for R, Stata, pandas and DuckDB beside the file, so that its
// reader keeps its types as for every delivery. f is the file's
// description in the manifest; dates names the columns written as
// YYYY-MM-DD dates (date32 in the converted data). Call it before the
// transaction commits.
func DescribeCSV(tx *delivery.Tx, out string, f delivery.File, dates []string) error {
	name := strings.ToLower(strings.TrimSuffix(filepath.Base(out), filepath.Ext(out)))
	dp := &dataPackage{Profile: "tabular-data-package", Name: resourceName(name)}
	types := make(map[string]string, len(dates))
	for _, d := range dates {
		types[d] = arrow.FixedWidthTypes.Date32.String()
	}
	dp.addResource(filepath.Dir(tx.Manifest()), out, f, &Report{csvTypes: types})
	return writePackage(tx, dp)
}
