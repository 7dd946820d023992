package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The commands that read what is not a register (logs, configurations,
// plans, deliveries, lists of IDs, risk tables), fed files that hold
// planted IDs where they do not belong: exit 1 (or 0 where the input is
// valid), the file named, no ID in any message or file written.
func TestHostileOtherInputs(t *testing.T) {
	ids := plantIDs(t, 3)
	id := ids[0]
	key, identity := suiteKey(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	riskIn := write("table.csv", "lnr,born,kommune,diag\na,1950,0301,"+id+"\nb,1950,0301,C50\nc,1951,1103,"+ids[1]+"\n")
	reg := write("reg.csv", "fnr,d\n"+id+",2024-01-01\n"+ids[1]+",2024-02-01\n")
	delivered := t.TempDir()
	o := koble("prepare", "--key", key, "-i", identity, "--in", reg, "--out", filepath.Join(delivered, "d.csv"), "--id-column", "fnr")
	require.Equal(t, exitOK, o.code, o)
	// Named folders: a t.TempDir's own name ("004") is digits, which the
	// redaction may join with the random digits of its parent.
	tampered := namedDir(t, "tampered")
	for _, name := range []string{"d.csv", "d.csv.manifest.json"} {
		b, err := os.ReadFile(filepath.Join(delivered, name))
		require.NoError(t, err)
		if name == "d.csv" {
			b = append(b, (ids[2] + ",2024-03-01\n")...)
		}
		require.NoError(t, os.WriteFile(filepath.Join(tampered, name), b, 0o600))
	}
	halfDone := namedDir(t, "half-done")
	b, err := os.ReadFile(filepath.Join(delivered, "d.csv"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(halfDone, "d.csv"), b, 0o600))
	cases := []struct {
		name  string
		args  []string
		want  expect
		fresh bool // the command writes into OUT
	}{
		{"risk text", []string{"risk", "--in", riskIn, "--person", "lnr", "--qi", "born,kommune,diag", "--k", "2"}, expect{codes: []int{exitOK}}, false},
		{"risk json", []string{"risk", "--in", riskIn, "--person", "lnr", "--qi", "born,diag", "--sensitive", "kommune", "--k", "2", "--json", "--report", "OUT/r.json"}, expect{codes: []int{exitOK}}, true},
		{"risk sensitive", []string{"risk", "--in", riskIn, "--person", "lnr", "--qi", "born", "--sensitive", "diag", "--k", "2", "--report", "OUT/r.json"}, expect{codes: []int{exitOK}}, true},
		{"audit log", []string{"audit", "verify", write("audit.log", `{"fnr":"`+id+"\"}\nline 2 "+id+"\n")}, expect{names: "audit.log"}, false},
		{"serve config", []string{"serve", "--config", write("serve.toml", "listen = \""+id+"\"\nkey = \"x"+id+".key\"\n")}, expect{names: "serve.toml"}, false},
		{"plan", []string{"plan", "check", write("plan.toml", "project = \"p\"\nmode = \"distributed\"\nkey = \""+key+"\"\n[[source]]\nname = \"a\"\nregister = \"Kreftregisteret\"\npath = \"d/"+id+".csv\"\nid_column = \"fnr\"\n[output]\ndir = \"o"+id+"\"\nformat = \"parquet\"\n")}, expect{names: "plan.toml"}, false},
		{"plan not TOML", []string{"plan", "check", write("bad.toml", id+" = [\n")}, expect{names: "bad.toml"}, false},
		{"verify expect", []string{"verify", delivered, "--expect", write("expect.toml", "[a]\ncolumns = [\""+id+"\"]\n")}, expect{codes: []int{exitFailure}}, false},
		{"verify tampered", []string{"verify", tampered}, expect{names: filepath.Base(tampered)}, false},
		{"verify no manifest", []string{"verify", halfDone}, expect{names: filepath.Base(halfDone)}, false},
		{"id check", []string{"id", "check", write("ids.txt", id+"\nx"+ids[1]+"y\n"+strings.Repeat("9", 70000)+ids[2]+"\n")}, expect{codes: []int{exitOK}}, false},
		{"demo onto a file", []string{"demo", "--dir", reg}, expect{names: "reg.csv"}, false},
		{"synth onto a file", []string{"synth", "--out", reg}, expect{names: "reg.csv"}, false},
		{"key info of a register", []string{"key", "info", reg, "-i", identity}, expect{names: "reg.csv"}, false},
		{"link into the data folder", []string{"link", write("onto.toml", "project = \"hostile\"\nmode = \"distributed\"\nkey = \""+key+"\"\n[[source]]\nname = \"reg\"\nregister = \"Kreftregisteret\"\npath = \"reg.csv\"\nid_column = \"fnr\"\n[output]\ndir = \".\"\nformat = \"csv\"\n"), "-i", identity, "--overwrite"}, expect{names: "output.dir"}, false},
		{"plan data", []string{"plan", "check", write("pd.toml", "project = \"p\"\nmode = \"distributed\"\nkey = \"p.key\"\n[[source]]\nname = \"reg\"\nregister = \"NPR\"\npath = \"reg.csv\"\nid_column = \"d\"\nkeep = [\"fnrr\"]\ndates = { shift = [\"fnr\"], window = 9 }\n[output]\ndir = \"o\"\n")}, expect{names: "pd.toml"}, false},
		{"recipients file", []string{"pseudoreg", "request", "plan.toml", "-R", write("admin.rcpt", "# admin\n"+id+"\n"), "--out", "OUT/r.age"}, expect{names: "admin.rcpt"}, false},
		{"register recipients file", []string{"pseudoreg", "translate", "r.age", "--plan", "p.toml", "--register-key", "r.key", "--to-register-file", write("reg.rcpt", "age1"+ids[1]+"\n"), "--out", "OUT/a.age"}, expect{names: "reg.rcpt"}, false},
		{"identity passphrase file", []string{"key", "info", key, "-i", identity, "--identity-passphrase-file", write("id.pass", ids[2]+"\n")}, expect{codes: []int{exitOK}}, false},
		{"inspect of a key", []string{"inspect", key}, expect{names: "p.key"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := t.TempDir()
			args := make([]string, len(c.args))
			for i, a := range c.args {
				args[i] = strings.Replace(a, "OUT/", out+"/", 1)
			}
			before := fileHash(t, reg)
			o := koble(args...)
			failClosed(t, o, c.want, ids, out)
			assert.Equal(t, before, fileHash(t, reg), "the register changed")
			if !c.fresh {
				left, _ := os.ReadDir(out)
				assert.Empty(t, left)
			}
		})
	}
}
