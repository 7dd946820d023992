package main

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/spf13/cobra"

	"github.com/koble/koble/delivery"
	"github.com/koble/koble/formats"
	"github.com/koble/koble/linkage"
)

// csvFlags are the CSV options of commands that read and write files.
type csvFlags struct {
	delimiter, encoding       string
	outDelimiter, outEncoding string
	types                     string
	batchSize                 int
	maxFieldSize              string
	maxColumns                int
}

func (c *csvFlags) add(cmd *cobra.Command, withOutput bool) {
	fl := cmd.Flags()
	fl.StringVar(&c.delimiter, "delimiter", "", "CSV delimiter: one character, or 'tab' (default: detected when reading, ',' when writing)")
	fl.StringVar(&c.encoding, "encoding", "utf-8", "CSV text encoding: utf-8, latin-1 or windows-1252")
	if withOutput {
		fl.StringVar(&c.outDelimiter, "out-delimiter", "", "delimiter of a CSV output, if not --delimiter")
		fl.StringVar(&c.outEncoding, "out-encoding", "", "encoding of a CSV output, if not --encoding")
	}
	fl.StringVar(&c.types, "types", "", "CSV input: COL:TYPE[,...] with TYPE string, int64, float64, bool or date (YYYY-MM-DD or DD.MM.YYYY); other columns stay strings")
	fl.IntVar(&c.batchSize, "batch-size", formats.DefaultBatchSize, "rows per batch (bounds memory)")
	fl.StringVar(&c.maxFieldSize, "max-field-size", "8MiB", "CSV input: the longest field accepted (bounds memory), e.g. 64MiB")
	fl.IntVar(&c.maxColumns, "max-columns", formats.DefaultMaxColumns, "CSV input: the most columns accepted (bounds memory)")
}

// parseSize parses a byte count with an optional KiB, MiB or GiB suffix.
func parseSize(s string) (int, error) {
	units := []struct {
		suffix string
		shift  uint
	}{{"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"G", 30}, {"M", 20}, {"K", 10}, {"B", 0}}
	n, shift := strings.TrimSpace(s), uint(0)
	for _, u := range units {
		if strings.HasSuffix(n, u.suffix) {
			n, shift = strings.TrimSpace(strings.TrimSuffix(n, u.suffix)), u.shift
			break
		}
	}
	v, err := strconv.Atoi(n)
	if err != nil || v <= 0 || v > (1<<40)>>shift {
		return 0, fmt.Errorf("%q is not a size such as 8MiB", s)
	}
	return v << shift, nil
}

func parseDelimiter(s string) (rune, error) {
	switch strings.ToLower(s) {
	case "":
		return 0, nil
	case "tab", `\t`:
		return '\t', nil
	}
	r, n := utf8.DecodeRuneInString(s)
	if n != len(s) || r >= utf8.RuneSelf {
		return 0, usagef("delimiter %q is not one ASCII character (or 'tab')", s)
	}
	return r, nil
}

func (c *csvFlags) readOptions() (formats.ReadOptions, error) {
	d, err := parseDelimiter(c.delimiter)
	if err != nil {
		return formats.ReadOptions{}, err
	}
	e, err := formats.ParseEncoding(c.encoding)
	if err != nil {
		return formats.ReadOptions{}, usageError{err}
	}
	if c.batchSize <= 0 {
		return formats.ReadOptions{}, usagef("--batch-size must be positive")
	}
	maxField, err := parseSize(c.maxFieldSize)
	if err != nil {
		return formats.ReadOptions{}, usagef("--max-field-size: %v", err)
	}
	if c.maxColumns <= 0 {
		return formats.ReadOptions{}, usagef("--max-columns must be positive")
	}
	ro := formats.ReadOptions{Delimiter: d, Encoding: e, BatchSize: c.batchSize, MaxFieldSize: maxField, MaxColumns: c.maxColumns}
	for _, spec := range splitList(c.types) {
		col, name, ok := strings.Cut(spec, ":")
		typ, err := formats.ParseType(name)
		if !ok || col == "" || err != nil {
			return formats.ReadOptions{}, usagef("--types %q: want COLUMN:string|int64|float64|bool|date", spec)
		}
		if ro.Types == nil {
			ro.Types = map[string]arrow.DataType{}
		}
		ro.Types[col] = typ
	}
	return ro, nil
}

func (c *csvFlags) writeOptions() (formats.WriteOptions, error) {
	ds, es := c.delimiter, c.encoding
	if c.outDelimiter != "" {
		ds = c.outDelimiter
	}
	if c.outEncoding != "" {
		es = c.outEncoding
	}
	d, err := parseDelimiter(ds)
	if err != nil {
		return formats.WriteOptions{}, err
	}
	e, err := formats.ParseEncoding(es)
	if err != nil {
		return formats.WriteOptions{}, usageError{err}
	}
	return formats.WriteOptions{Delimiter: d, Encoding: e}, nil
}

func newConvertCmd(g *globals) *cobra.Command {
	var cf csvFlags
	var compression string
	var rowGroupRows int64
	var overwrite, infer bool
	var workers int
	cmd := &cobra.Command{
		Use:   "convert IN OUT",
		Short: "Convert a file between CSV, Parquet and Arrow",
		Long: `Convert a file between CSV, Parquet and the Arrow file and stream formats,
streaming in bounded memory. Formats follow the extensions (.csv, .tsv,
.parquet, .arrow, .feather, .arrows). CSV columns stay strings, so no ID
loses a leading zero, unless --types names their types or --infer-types
infers them from the first rows. Key-value metadata is carried over. OUT appears only
when the whole file has been written, with its manifest (OUT.manifest.json: size,
SHA-256, rows and schema; see 'koble verify'). OUT is never IN, with or without --overwrite.`,
		Example: `  koble convert npr.csv npr.parquet --encoding latin-1
  koble convert npr.parquet npr.csv --delimiter ';'
  koble convert big.parquet big.arrow --compression zstd`,
		Args: exactArgs(2, "IN and OUT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			outF := outFormat(args[1])
			if err := checkOrphans(cmd.Flags(), append(csvReadOrphans(args[0], maybeCSV(outF)),
				orphan{"out-delimiter", "a CSV output (OUT.csv)", maybeCSV(outF)},
				orphan{"out-encoding", "a CSV output (OUT.csv)", maybeCSV(outF)},
				orphan{"row-group-rows", "a Parquet output (OUT.parquet)", outF == formats.FormatParquet || outF == formats.FormatUnknown},
				orphan{"compression", "a Parquet or Arrow output (OUT.parquet, OUT.arrow)", outF != formats.FormatCSV},
			)...); err != nil {
				return err
			}
			ro, err := cf.readOptions()
			if err != nil {
				return err
			}
			if infer {
				if err := inferTypes(g, args[0], &ro); err != nil {
					return err
				}
			}
			wo, err := cf.writeOptions()
			if err != nil {
				return err
			}
			if wo.Compression, err = formats.ParseCompression(compression); err != nil {
				return usageError{err}
			}
			wo.RowGroupRows = rowGroupRows
			wo.Overwrite = overwrite
			if workers == 0 {
				workers = runtime.GOMAXPROCS(0)
			}
			wo.Parallel = workers
			start := time.Now()
			rows, manifest, err := convertDelivery(cmd.Context(), g, args[0], args[1], ro, wo)
			if err != nil {
				return err
			}
			el := time.Since(start)
			g.say("koble: wrote %s rows to %s in %s (%s rows/s)", thousands(rows), args[1], el.Round(time.Millisecond), thousands(int64(float64(rows)/el.Seconds())))
			if manifest != "" {
				sayDelivered(g, manifest, "")
			}
			return nil
		},
	}
	cf.add(cmd, true)
	addInferFlag(cmd, &infer)
	cmd.Flags().StringVar(&compression, "compression", "", "Parquet: zstd (default), snappy, gzip, lz4, none; Arrow: none (default), lz4, zstd")
	cmd.Flags().Int64Var(&rowGroupRows, "row-group-rows", formats.DefaultRowGroupRows, "rows per Parquet row group")
	cmd.Flags().BoolVar(&overwrite, "overwrite", false, "replace OUT if it exists")
	cmd.Flags().IntVar(&workers, "workers", 0, workersHelp)
	return cmd
}

// convertDelivery converts in to out as a one-file delivery with its
// manifest, and returns the rows and the manifest's path ("" for standard
// output, which has none).
func convertDelivery(ctx context.Context, g *globals, in, out string, ro formats.ReadOptions, wo formats.WriteOptions) (int64, string, error) {
	manifest := delivery.ManifestFor(out)
	if err := delivery.RefuseInputs([]delivery.Named{{Path: in, Flag: "IN"}},
		[]delivery.Named{{Path: out, Flag: "OUT"}, {Path: manifest, Flag: "OUT's manifest"}}); err != nil {
		return 0, "", err
	}
	if out == "-" {
		rows, err := convertShown(ctx, g, in, out, ro, wo)
		return rows, "", err
	}
	if wo.Format == formats.FormatUnknown {
		f, err := formats.FormatFromPath(out)
		if err != nil {
			return 0, "", usageError{err}
		}
		wo.Format = f
	}
	tx, err := delivery.Begin(manifest, wo.Overwrite)
	if err != nil {
		return 0, "", err
	}
	defer tx.Abort()
	sayStale(g, tx.Stale)
	tmp, err := tx.Add(out, delivery.RoleData)
	if err != nil {
		return 0, "", err
	}
	rows, err := convertShown(ctx, g, in, tmp, ro, wo)
	if err != nil {
		return rows, "", err
	}
	desc, err := delivery.DataFile(tmp, wo.Format, wo, rows)
	if err == nil {
		err = tx.Describe(out, desc)
	}
	if err == nil && wo.Format == formats.FormatCSV {
		err = linkage.DescribeCSV(tx, out, desc, dateColumns(in, ro))
	}
	if err == nil {
		_, err = tx.Commit(delivery.Header{Tool: toolVersion()})
	}
	return rows, manifest, err
}

// dateColumns names the input's date32 columns (as read with ro), which a
// CSV output holds as YYYY-MM-DD; none for standard input, which cannot
// be opened twice.
func dateColumns(in string, ro formats.ReadOptions) []string {
	if in == "-" {
		return nil
	}
	r, err := formats.Open(in, ro)
	if err != nil {
		return nil
	}
	defer r.Close()
	var dates []string
	for _, f := range r.Schema().Fields() {
		if f.Type.ID() == arrow.DATE32 {
			dates = append(dates, f.Name)
		}
	}
	return dates
}

// convertShown is formats.Convert with its progress shown on a terminal.
func convertShown(ctx context.Context, g *globals, in, out string, ro formats.ReadOptions, wo formats.WriteOptions) (int64, error) {
	r, err := formats.Open(in, ro)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	bar := g.newProgress(-1, "convert")
	defer bar.Finish()
	return formats.ConvertFrom(ctx, &shownReader{Reader: r, bar: bar}, out, wo)
}

// shownReader reports its progress after each batch.
type shownReader struct {
	formats.Reader
	bar  progress
	rows int64
}

func (r *shownReader) Next() bool {
	if !r.Reader.Next() {
		return false
	}
	r.rows += r.RecordBatch().NumRows()
	r.bar.Update(linkage.ProgressOf("", r.Reader, r.rows))
	return true
}

func newInspectCmd(g *globals) *cobra.Command {
	var cf csvFlags
	var infer bool
	cmd := &cobra.Command{
		Use:   "inspect FILE",
		Short: "Show a file's format, schema, rows, row groups and koble metadata",
		Args:  exactArgs(1, "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOrphans(cmd.Flags(), csvReadOrphans(args[0], false)...); err != nil {
				return err
			}
			ro, err := cf.readOptions()
			if err != nil {
				return err
			}
			if infer {
				if err := inferTypes(g, args[0], &ro); err != nil {
					return err
				}
			}
			info, err := formats.Inspect(args[0], ro)
			if err != nil {
				return err
			}
			w := g.env.stdout
			fmt.Fprintf(w, "file:     %s\n", info.Path)
			fmt.Fprintf(w, "format:   %s\n", info.Format)
			fmt.Fprintf(w, "size:     %d bytes\n", info.Size)
			fmt.Fprintf(w, "rows:     %d\n", info.Rows)
			if info.Format == formats.FormatParquet {
				fmt.Fprintf(w, "row groups: %d %v\n", len(info.RowGroups), info.RowGroups)
				fmt.Fprintf(w, "compression: %s\n", strings.Join(info.Compression, ", "))
			}
			fmt.Fprintf(w, "columns:  %d\n", info.Schema.NumFields())
			for _, f := range info.Schema.Fields() {
				null := ""
				if !f.Nullable {
					null = " not null"
				}
				fmt.Fprintf(w, "  %-24s %s%s\n", f.Name, f.Type, null)
			}
			if len(info.Metadata) > 0 {
				keys := make([]string, 0, len(info.Metadata))
				for k := range info.Metadata {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				fmt.Fprintf(w, "metadata:\n")
				for _, k := range keys {
					v := info.Metadata[k]
					if len(v) > 200 {
						v = v[:200] + "..."
					}
					fmt.Fprintf(w, "  %s: %s\n", k, v)
				}
			}
			return nil
		},
	}
	cf.add(cmd, false)
	addInferFlag(cmd, &infer)
	return cmd
}
