package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A flag that would do nothing without another (an orphan), on every
// command, with IDs planted in its value and in the input: a usage error
// (exit 2) naming the flag and what it needs, quoting nothing of the
// value, reading and writing nothing.
func TestHostileOrphans(t *testing.T) {
	ids := plantIDs(t, 2)
	id := ids[0]
	dir := t.TempDir()
	csv := filepath.Join(dir, "in.csv")
	require.NoError(t, os.WriteFile(csv, []byte("fnr,a\n"+id+",1\n"), 0o600))
	pq := filepath.Join(dir, "in.parquet")
	require.Equal(t, exitOK, koble("convert", csv, pq, "--quiet").code)
	cases := []struct {
		name, flag string
		args       []string
	}{
		{"convert types", "--types", []string{"convert", pq, "OUT/x.arrow", "--types", "a:int64"}},
		{"convert out-delimiter", "--out-delimiter", []string{"convert", csv, "OUT/x.parquet", "--out-delimiter", ";"}},
		{"convert compression", "--compression", []string{"convert", pq, "OUT/x.csv", "--compression", "zstd"}},
		{"inspect max-columns", "--max-columns", []string{"inspect", pq, "--max-columns", "3"}},
		{"prepare risk-k", "--risk-k", []string{"prepare", "--key", "p.key", "--in", csv, "--out", "OUT/x.parquet", "--id-column", "fnr", "--risk-k", "10"}},
		{"prepare infer-types", "--infer-types", []string{"prepare", "--key", "p.key", "--in", csv, "--out", "OUT/x.csv", "--id-column", "fnr", "--infer-types"}},
		{"risk population-count", "--population-count", []string{"risk", "--in", csv, "--person", "fnr", "--qi", "a", "--population-count", "n"}},
		{"risk overwrite", "--overwrite", []string{"risk", "--in", csv, "--person", "fnr", "--qi", "a", "--overwrite"}},
		{"verify identity", "--identity", []string{"verify", "OUT/d", "-i", "OUT/x.identity"}},
		{"translate to-definer", "--to-definer", []string{"pseudoreg", "translate", "r.age", "--plan", "p.toml", "--register-key", "r.key", "--to-register", "age1x", "--out", "OUT/a.age", "--to-definer", "age1y"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := t.TempDir()
			args := make([]string, len(c.args))
			for i, a := range c.args {
				args[i] = strings.ReplaceAll(a, "OUT/", out+"/")
			}
			o := koble(args...)
			failClosed(t, o, expect{codes: []int{exitUsage}}, ids, out)
			assert.Contains(t, o.stderr, c.flag+" does nothing without ", o)
			left, _ := os.ReadDir(out)
			assert.Empty(t, left, "written despite the error")
		})
	}
}
