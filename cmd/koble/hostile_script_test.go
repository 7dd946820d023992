package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/koble/koble/formats"
)

// scriptCmds are the hostile suite's commands for the txtar scripts.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"noplanted": noPlantedCmd,
	"flipbyte":  flipByteCmd,
}

// noPlantedCmd is the suite's no-leak assertion in a script:
//
//	noplanted [-ids FILE:COLUMN] [-secret FILE] PATH...
//
// checks the last command's stdout and stderr, and every file under the
// PATHs, for the first 300 IDs of the column and the secret in the file.
func noPlantedCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! noplanted")
	}
	var planted, paths []string
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-ids":
			i++
			file, col, _ := strings.Cut(args[i], ":")
			planted = append(planted, columnValues(ts, ts.MkAbs(file), col, 300)...)
		case "-secret":
			i++
			planted = append(planted, strings.TrimSpace(ts.ReadFile(args[i])))
		default:
			paths = append(paths, ts.MkAbs(args[i]))
		}
	}
	if len(planted) == 0 {
		ts.Fatalf("noplanted: nothing planted")
	}
	var rec recorder
	assertNoPlanted(&rec, planted, "stdout", ts.ReadFile("stdout"))
	assertNoPlanted(&rec, planted, "stderr", ts.ReadFile("stderr"))
	for _, p := range paths {
		filepath.Walk(p, func(path string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return err
			}
			assertNoPlanted(&rec, planted, "name "+path, path[len(p):])
			data, _ := os.ReadFile(path)
			assertNoPlanted(&rec, planted, path, string(data))
			if text, ok := dataText(path); ok {
				assertNoPlanted(&rec, planted, path+" (values)", text)
			}
			return nil
		})
	}
	if len(rec) > 0 {
		ts.Fatalf("%s", strings.Join(rec, "\n"))
	}
}

// columnValues returns up to n values of a string column of a data file.
func columnValues(ts *testscript.TestScript, path, col string, n int) []string {
	r, err := formats.Open(path, formats.ReadOptions{Columns: []string{col}})
	ts.Check(err)
	defer r.Close()
	var out []string
	for len(out) < n && r.Next() {
		c, ok := r.RecordBatch().Column(0).(*array.String)
		if !ok {
			ts.Fatalf("%s: column %s is not text", path, col)
		}
		for i := 0; i < c.Len() && len(out) < n; i++ {
			if v := c.Value(i); isDigits(v) {
				out = append(out, v)
			}
		}
	}
	ts.Check(r.Err())
	return out
}

// flipByteCmd flips the bits of one byte of a file: flipbyte FILE OFFSET
// (a negative offset counts from the end).
func flipByteCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: flipbyte FILE OFFSET")
	}
	path := ts.MkAbs(args[0])
	data, err := os.ReadFile(path)
	ts.Check(err)
	off, err := strconv.Atoi(args[1])
	ts.Check(err)
	if off < 0 {
		off += len(data)
	}
	data[off] ^= 0xA5
	ts.Check(os.WriteFile(path, data, 0o600))
}
