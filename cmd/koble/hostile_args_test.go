package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// An ID or a secret typed on the command line, as a flag value or in a
// file's path, of every command: refused as a usage error (exit 2) before
// anything is read or written, naming the flag, quoting nothing of it.
func TestHostileArgs(t *testing.T) {
	ids := plantIDs(t, 3)
	id, spaced := ids[0], ids[1][:6]+" "+ids[1][6:]
	full := strings.Map(func(r rune) rune { return '０' + r - '0' }, ids[2])
	const hexSecret = "3d6cd008e9e884082f87561122334455667788990011aabbccddeeff00112233"
	const ageSecret = "AGE-SECRET-KEY-1UV4H88TXNSASU2FXYURD93FCJSNQV7KJ2MQM4E3SY6KZ74C2H8XS0WK89H"
	planted := []string{ids[0], ids[1], ids[2], hexSecret, ageSecret}
	in := t.TempDir()
	cases := [][]string{
		{"convert", in + "/" + id + ".csv", "OUT/a.parquet"},
		{"convert", "x.csv", "OUT/reg-" + spaced + ".parquet"},
		{"inspect", in + "/" + full + ".csv"},
		{"prepare", "--key", "p.key", "--in", "x.csv", "--out", "OUT/" + id + ".parquet", "--id-column", "fnr"},
		{"prepare", "--key", "p.key", "--in", "x.csv", "--out", "OUT/a.parquet", "--id-column", "fnr", "--serial-column", id},
		{"prepare", "--key", "p.key", "--in", "x.csv", "--out", "OUT/a.parquet", "--id-column", spaced},
		{"prepare", "--key", "p.key", "--in", "x.csv", "--out", "OUT/a.parquet", "--id-column", "fnr", "--report", "OUT/" + id + ".json"},
		{"prepare", "--key", "p.key", "--in", "x.csv", "--out", "OUT/a.parquet", "--id-column", "fnr", "--quarantine", "OUT/q" + id + ".csv"},
		{"prepare", "--key", "p.key", "--in", "x.csv", "--out", "OUT/a.parquet", "--id-column", "fnr", "--encrypt-passphrase", hexSecret},
		{"prepare", "--key", hexSecret, "--in", "x.csv", "--out", "OUT/a.parquet", "--id-column", "fnr"},
		{"prepare", "--key", "p.key", "-i", ageSecret, "--in", "x.csv", "--out", "OUT/a.parquet", "--id-column", "fnr"},
		{"link", in + "/" + id + ".toml"},
		{"link", "plan.toml", "--source", id},
		{"pseudoreg", "request", "plan.toml", "--to", ageSecret, "--out", "OUT/r.age"},
		{"pseudoreg", "request", "plan.toml", "--to", "age1x", "--out", "OUT/" + id + ".age"},
		{"pseudoreg", "translate", in + "/" + id + ".age", "--plan", "p.toml", "--register-key", "r.key", "--to-register", "age1x", "--out", "OUT/a.age"},
		{"pseudoreg", "translate", "r.age", "--plan", "p.toml", "--register-key", hexSecret, "--to-register", "age1x", "--out", "OUT/a.age"},
		{"pseudoreg", "extract", "a.age", "--plan", "p.toml", "--source", id, "--request", "r.age"},
		{"pseudoreg", "unmatched", in + "/" + id, "--plan", "p.toml", "--request", "r.age"},
		{"id", "check", in + "/" + id + ".txt"},
		{"keygen", "--project", id, "--out", "OUT/p.key"},
		{"keygen", "--project", "p", "--out", "OUT/" + id + ".key"},
		{"keygen", "--project", "p", "--out", "OUT/p.key", "--secret-file", hexSecret},
		{"keygen", "--project", "p", "--out", "OUT/p.key", "--recipient", ageSecret},
		{"key", "export", hexSecret, "--purpose", "dates", "--out", "OUT/d.key", "--recipient", "age1x"},
		{"key", "export", "p.key", "--purpose", "dates", "--out", "OUT/" + spaced + ".key", "--recipient", "age1x"},
		{"key", "info", in + "/" + id + ".key"},
		{"key", "info", "p.key", "--passphrase-file", hexSecret},
		{"verify", "OUT/" + id},
		{"verify", "OUT/d", "--expect", in + "/" + id + ".toml"},
		{"risk", "--in", "x.parquet", "--person", id, "--qi", "a"},
		{"risk", "--in", "x.parquet", "--qi", "a", "--report", "OUT/" + id + ".json"},
		{"plan", "check", in + "/" + id + ".toml"},
		{"plan", "graph", "p.toml", "--out", "OUT/" + id + ".svg"},
		{"demo", "--dir", "OUT/" + id},
		{"synth", "--out", "OUT/" + id},
		{"synth", "--out", "OUT/s", "--seed", id},
		{"serve", "--config", in + "/" + id + ".toml"},
		{"serve", "testpki", "--out", "OUT/" + id, "--host", "localhost", "--client", "c"},
		{"audit", "verify", in + "/" + id + ".log"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c[:2], " "), func(t *testing.T) {
			out := t.TempDir()
			args := make([]string, len(c))
			for i, a := range c {
				args[i] = strings.Replace(a, "OUT/", out+"/", 1)
			}
			o := koble(args...)
			failClosed(t, o, expect{codes: []int{exitUsage}}, planted, out)
			// The flag's own parser may refuse it first (a number too long).
			assert.Regexp(t, `koble: error: ((--[a-z-]+|argument \d): the value|invalid argument)`, o.stderr, o)
			left, _ := os.ReadDir(out)
			assert.Empty(t, left, "written despite the error")
		})
	}
}

// What looks like a secret on the command line, and what does not.
func TestLooksLikeSecret(t *testing.T) {
	for _, v := range []string{"AGE-SECRET-KEY-1QQQ", "age-plugin-yubikey-1QQ", strings.Repeat("ab12", 8), "k/" + strings.Repeat("F", 40) + ".key"} {
		assert.True(t, looksLikeSecret(v), v)
	}
	for _, v := range []string{"age1v6myrw0lp4jy0lyhc4r5z5z3uhelef44mh0m4ncfxgycsxx7nutq6npxx6", "npr-2026.parquet", strings.Repeat("ab12", 7) + "abc", "2026-06-30", ""} {
		assert.False(t, looksLikeSecret(v), v)
	}
	assert.Equal(t, "key: [secret] and [secret].", secretsRedacted("key: AGE-SECRET-KEY-1UV4H88TXNS and age-plugin-x-1ab."))
}

// A path is read for IDs after its longest existing folder: an existing
// folder whose name reads as an ID (a temporary folder's random digits)
// does not refuse an output in folders koble is yet to make, and an ID in
// a folder koble would make is refused.
func TestArgProblemPaths(t *testing.T) {
	id := plantIDs(t, 1)[0]
	sys := namedDir(t, "tmp"+id)
	for _, ok := range []string{sys + "/out.csv", sys + "/new/sub/out.csv", "out.csv", "new/out.csv"} {
		assert.Empty(t, argProblem(ok), ok)
	}
	for _, bad := range []string{sys + "/new" + id + "/out.csv", sys + "/new/" + id + ".csv", "new" + id + "/out.csv", sys + "-missing/out.csv"} {
		assert.Contains(t, argProblem(bad), "reads as a national ID", bad)
	}
}
