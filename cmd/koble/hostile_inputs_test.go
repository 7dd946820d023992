package main

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readers are the commands that read a data file, as argument lists with
// IN and OUT (a folder for what they write) to fill in; "delivers" says
// whether what the command writes must hold no ID (prepare) or is the
// register's own data (convert: only its messages must hold none).
type reader struct {
	name     string
	args     func(key, identity, in, out string) []string
	delivers bool
}

func readers() []reader {
	return []reader{
		{"convert", func(_, _, in, out string) []string {
			return []string{"convert", in, filepath.Join(out, "c.parquet")}
		}, false},
		{"inspect", func(_, _, in, _ string) []string { return []string{"inspect", in} }, true},
		{"prepare", func(key, identity, in, out string) []string {
			return append([]string{"prepare", "--key", key, "-i", identity, "--in", in, "--out", filepath.Join(out, "d.csv"), "--id-column", "fnr",
				"--report", filepath.Join(out, "d.json"), "--quarantine", filepath.Join(out, "d.q.csv")}, csvLimits(in)...)
		}, true},
		{"risk", func(_, _, in, out string) []string {
			return append([]string{"risk", "--in", in, "--person", "fnr", "--qi", "d", "--report", filepath.Join(out, "r.json")}, csvLimits(in)...)
		}, true},
	}
}

// csvLimits are the tight CSV limits for a CSV input, and nothing for
// another (where they would be orphan flags, a usage error).
func csvLimits(in string) []string {
	if strings.HasSuffix(in, ".csv") {
		return []string{"--max-field-size", "1KiB", "--max-columns", "16"}
	}
	return nil
}

// checkReader runs one reader over a bad input and checks the promise.
func checkReader(t *testing.T, r reader, key, identity, in string, want expect, planted []string) {
	t.Helper()
	out := t.TempDir()
	before := fileHash(t, in)
	o := koble(r.args(key, identity, in, out)...)
	if r.delivers {
		failClosed(t, o, want, planted, out)
	} else {
		failClosed(t, o, want, planted)
		assertCleanFolder(t, out, nil)
	}
	assert.Equal(t, before, fileHash(t, in), "the input changed")
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return sha256.Sum256(b)
}

// Truncated and byte-flipped Parquet, Arrow file and Arrow stream inputs,
// through every command that reads data: exit 0 or 1 (a flip inside a
// value may leave a readable file), the input named, nothing left over.
func TestHostileCorruptFiles(t *testing.T) {
	ids := plantIDs(t, 8)
	key, identity := suiteKey(t)
	for _, ext := range []string{".parquet", ".arrow", ".arrows"} {
		valid := filepath.Join(t.TempDir(), "valid"+ext)
		writeRegister(t, valid, ids, "", nil, nil)
		data, err := os.ReadFile(valid)
		require.NoError(t, err)
		var bad [][]byte
		for _, frac := range []int{1, 3, 5, 7, 9} {
			off := len(data) * frac / 10
			bad = append(bad, data[:off], flip(data, off))
		}
		bad = append(bad, flip(data, len(data)-5), data[:len(data)-1], append(append([]byte{}, data...), "tail"...))
		for i, b := range bad {
			in := filepath.Join(t.TempDir(), "bad"+ext)
			require.NoError(t, os.WriteFile(in, b, 0o600))
			for _, r := range readers() {
				t.Run(ext+"/"+strconv.Itoa(i)+"/"+r.name, func(t *testing.T) {
					checkReader(t, r, key, identity, in, expect{codes: []int{exitOK, exitFailure}, names: "bad" + ext}, ids)
				})
			}
		}
	}
}

// Bad CSV through every command that reads data.
func TestHostileCSV(t *testing.T) {
	ids := plantIDs(t, 4)
	id := ids[0]
	key, identity := suiteKey(t)
	wide := make([]string, 40)
	for i := range wide {
		wide[i] = "c" + strconv.Itoa(i)
	}
	wide[0] = "fnr"
	cases := []struct {
		name, text string
		want       expect
	}{
		{"huge field", "fnr,d,note\n" + id + ",2024-01-01," + strings.Repeat("x", 3000) + id + "\n", expect{names: "line 2"}},
		{"many columns", strings.Join(wide, ",") + "\n" + id + strings.Repeat(",1", 39) + "\n", expect{names: "in.csv"}},
		{"quote inside field", "fnr,d\n" + id + ",ab\"c" + id + "\"\n", expect{names: "line 2"}},
		{"open quote", "fnr,d\n" + id + ",\"2024-01-01\n" + ids[1] + ",x\n", expect{names: "in.csv"}},
		{"text after quote", "fnr,d\n" + id + ",\"a\"" + id + "\n", expect{names: "line 2"}},
		{"short row", "fnr,d,e\n" + id + ",2024-01-01\n", expect{names: "line 2"}},
		{"CR line ends, ID in a name twice", "fnr,d\r" + id + "," + id + "\r", expect{codes: []int{exitOK, exitFailure}, names: "in.csv"}},
		{"CR line ends", "fnr,d\r" + id + ",2024-01-01\r" + ids[1] + ",2024-01-02\r", expect{codes: []int{exitOK}}},
		{"CRLF", "fnr,d\r\n" + id + ",2024-01-01\r\n", expect{codes: []int{exitOK}}},
		{"LF in a header with CR ends", "fnr,\"d\n" + id + "\"\r" + id + ",x\r", expect{codes: []int{exitOK, exitFailure}, names: "in.csv"}},
		{"BOM", "\xEF\xBB\xBFfnr,d\n" + id + ",2024-01-01\n", expect{codes: []int{exitOK}}},
		{"Latin-1 read as UTF-8", "fnr,sted\n" + id + ",Troms\xf8\n", expect{names: "in.csv"}},
		{"no header", id + ",2024-01-01\n" + ids[1] + ",2024-01-02\n", expect{codes: []int{exitOK, exitFailure}, names: "in.csv"}},
		{"header of IDs twice", id + "," + id + "\n1,2\n", expect{names: "in.csv"}},
		{"empty", "", expect{names: "in.csv"}},
		{"NUL bytes", "fnr,d\n" + id + ",\x00\x00" + id + "\n", expect{codes: []int{exitOK, exitFailure}, names: "in.csv"}},
	}
	for _, c := range cases {
		in := filepath.Join(t.TempDir(), "in.csv")
		require.NoError(t, os.WriteFile(in, []byte(c.text), 0o600))
		for _, r := range readers() {
			t.Run(c.name+"/"+r.name, func(t *testing.T) {
				want := c.want
				if r.name == "inspect" || r.name == "convert" || r.name == "risk" {
					// They read what prepare's guard or ID check refuses.
					want.codes = []int{exitOK, exitFailure}
				}
				checkReader(t, r, key, identity, in, want, ids)
			})
		}
	}
}

// An output that resolves to an input, directly, through a symbolic link
// or as another flag's file, is refused, with or without --overwrite, and
// the input is left as it was.
func TestHostileOutputOnInput(t *testing.T) {
	ids := plantIDs(t, 3)
	key, identity := suiteKey(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "reg.csv")
	require.NoError(t, os.WriteFile(in, []byte("fnr,d\n"+ids[0]+",2024-01-01\n"), 0o600))
	link := filepath.Join(dir, "link.csv")
	require.NoError(t, os.Symlink(in, link))
	prep := []string{"prepare", "--key", key, "-i", identity, "--in", in, "--id-column", "fnr", "--overwrite"}
	cases := [][]string{
		{"convert", in, in},
		{"convert", in, in, "--overwrite"},
		{"convert", in, link, "--overwrite"},
		{"convert", link, in, "--overwrite"},
		append(append([]string{}, prep...), "--out", in),
		append(append([]string{}, prep...), "--out", link),
		append(append([]string{}, prep...), "--out", filepath.Join(dir, "o.csv"), "--report", link),
		append(append([]string{}, prep...), "--out", filepath.Join(dir, "o.csv"), "--quarantine", in),
		{"prepare", "--key", key, "-i", identity, "--in", in, "--id-column", "fnr", "--out", filepath.Join(dir, "k.csv"), "--report", key, "--overwrite"},
		{"risk", "--in", in, "--person", "fnr", "--qi", "d", "--report", link, "--overwrite"},
		{"keygen", "--project", "p", "--out", key},
		{"key", "export", key, "-i", identity, "--purpose", "dates", "--out", key, "--recipient", suiteRecipient},
		{"prepare", "--key", key, "-i", identity, "--in", in, "--id-column", "fnr", "--out", filepath.Join(dir, "k.csv"), "--quarantine", identity, "--overwrite"},
	}
	for i, c := range cases {
		t.Run(strconv.Itoa(i)+" "+c[0], func(t *testing.T) {
			before, keyBefore, idBefore := fileHash(t, in), fileHash(t, key), fileHash(t, identity)
			o := koble(c...)
			failClosed(t, o, expect{codes: []int{exitFailure, exitUsage}}, ids)
			assert.Equal(t, before, fileHash(t, in), "the input was replaced\n%s", o)
			assert.Equal(t, keyBefore, fileHash(t, key), "the key was replaced\n%s", o)
			assert.Equal(t, idBefore, fileHash(t, identity), "the identity was replaced\n%s", o)
			left, _ := filepath.Glob(filepath.Join(dir, "*"))
			assert.Len(t, left, 2, "%s", o)
		})
	}
}

// A source that does not exist, for every command that reads one: exit 1,
// the missing file named.
func TestHostileMissingSources(t *testing.T) {
	key, identity := suiteKey(t)
	dir := t.TempDir()
	missing := filepath.Join(dir, "absent-register.csv")
	plan := filepath.Join(dir, "plan.toml")
	require.NoError(t, os.WriteFile(plan, []byte(`project = "hostile"
mode = "distributed"
key = "`+key+`"

[[source]]
name = "npr"
register = "NPR"
path = "absent-register.csv"
id_column = "fnr"

[output]
dir = "delivery"
format = "parquet"
`), 0o600))
	cases := []struct {
		args  []string
		names string
	}{
		{[]string{"convert", missing, filepath.Join(dir, "o.parquet")}, "absent-register.csv"},
		{[]string{"inspect", missing}, "absent-register.csv"},
		{[]string{"prepare", "--key", key, "-i", identity, "--in", missing, "--out", filepath.Join(dir, "o.csv"), "--id-column", "fnr"}, "absent-register.csv"},
		{[]string{"prepare", "--key", filepath.Join(dir, "absent.key"), "-i", identity, "--in", missing, "--out", filepath.Join(dir, "o.csv"), "--id-column", "fnr"}, "absent.key"},
		{[]string{"risk", "--in", missing, "--qi", "d"}, "absent-register.csv"},
		{[]string{"id", "check", missing}, "absent-register.csv"},
		{[]string{"plan", "check", plan}, "absent-register.csv"},
		{[]string{"link", plan, "-i", identity}, "absent-register.csv"},
		{[]string{"plan", "check", filepath.Join(dir, "absent-plan.toml")}, "absent-plan.toml"},
		{[]string{"verify", filepath.Join(dir, "absent-delivery")}, "absent-delivery"},
		{[]string{"audit", "verify", filepath.Join(dir, "absent.log")}, "absent.log"},
		{[]string{"key", "info", filepath.Join(dir, "absent.key")}, "absent.key"},
		{[]string{"serve", "--config", filepath.Join(dir, "absent-serve.toml")}, "absent-serve.toml"},
		{[]string{"pseudoreg", "unmatched", filepath.Join(dir, "absent.age"), "--plan", plan, "--request", filepath.Join(dir, "r.age"), "-i", identity}, "absent"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args[:2], " "), func(t *testing.T) {
			o := koble(c.args...)
			failClosed(t, o, expect{names: c.names}, nil)
			left, _ := os.ReadDir(dir)
			assert.Len(t, left, 1, "only the plan")
		})
	}
}
