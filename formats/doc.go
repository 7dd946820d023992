// Package formats streams Arrow record batches from and to CSV, Parquet
// and Arrow IPC files, in memory bounded by the batch size.
//
// It is the only package of koble that knows about files. It knows nothing
// of identity numbers or dates: it moves columns, and writes every output
// atomically ([AtomicFile]): to a temporary file beside the target, synced
// and renamed into place only when complete.
//
// # Formats
//
//   - CSV and TSV ([FormatCSV]): RFC 4180, a header row, the delimiter
//     given or detected, UTF-8 (with or without BOM), Latin-1 or
//     Windows-1252. Columns are strings unless a type is asked for, so an
//     identity number never loses a leading zero. An empty unquoted field
//     is null, a quoted empty field is the empty string.
//   - Parquet ([FormatParquet]) through arrow-go's pqarrow, read row group
//     by row group with a bounded batch size, written with zstd and
//     dictionary encoding by default.
//   - Arrow IPC, file ([FormatArrowFile]: .arrow, .feather) and stream
//     ([FormatArrowStream]: .arrows), optionally lz4 or zstd compressed.
//
// # Compatibility
//
// Files are written with standard logical types only (dates as date32,
// timestamps with their unit and zone, strings as UTF-8), so that DuckDB,
// pyarrow, polars and R arrow read them without koble. Parquet files carry
// the Arrow schema (ARROW:schema) as pqarrow writes it, which those readers
// use or ignore. These tools are not installed where koble's tests run; the
// tests check the files against arrow-go's own readers and the format
// specifications' magic bytes, footers and logical types.
package formats
