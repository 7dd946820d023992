package main

// The hostile suite: every koble command fed what a hostile or careless
// user would feed it (corrupt files, bad CSV, IDs hidden in typed
// columns, names and metadata, IDs and secrets as flag values and paths,
// bad keys, outputs onto inputs, missing sources), each case checked for
// the promise of issue 12 by one assertion, failClosed: the exit code,
// the file named, no planted ID or secret anywhere (stdout, stderr, every
// file left in the output folder, its name and, for data files, every
// value, name and metadata value), no temporary file left, no delivery
// without its manifest. No real ID is written here: the numbers are made
// by synthFnr, with their check digits computed.

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/unicode/norm"

	"github.com/koble/koble/delivery"
	"github.com/koble/koble/formats"
)

// synthFnr returns a Norwegian fødselsnummer born on day.month.yy with
// individual number ind, its two check digits computed; ok is false when
// no first check digit exists for it (remainder 1: such numbers are not
// issued).
func synthFnr(day, month, yy, ind int) (string, bool) {
	d := []int{day / 10, day % 10, month / 10, month % 10, yy / 10, yy % 10, ind / 100, ind / 10 % 10, ind % 10}
	check := func(weights []int) int {
		sum := 0
		for i, w := range weights {
			sum += w * d[i]
		}
		k := 11 - sum%11
		if k == 11 {
			k = 0
		}
		return k
	}
	k1 := check([]int{3, 7, 6, 1, 8, 9, 4, 5, 2})
	if k1 == 10 {
		return "", false
	}
	d = append(d, k1)
	k2 := check([]int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2})
	if k2 == 10 {
		return "", false
	}
	return fmt.Sprintf("%02d%02d%02d%03d%d%d", day, month, yy, ind, k1, k2), true
}

// plantIDs returns n valid numbers for the suite to hide, each different.
func plantIDs(t *testing.T, n int) []string {
	t.Helper()
	var ids []string
	for ind := 311; len(ids) < n && ind < 500; ind++ {
		if id, ok := synthFnr(1+ind%28, 1+ind%12, 50+ind%40, ind); ok {
			ids = append(ids, id)
		}
	}
	require.Len(t, ids, n)
	return ids
}

// outcome is one run of koble.
type outcome struct {
	code           int
	stdout, stderr string
	args           []string
}

func (o outcome) String() string {
	return fmt.Sprintf("koble %s\nexit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(o.args, " "), o.code, o.stdout, o.stderr)
}

// koble runs koble in this process, standard input empty.
func koble(args ...string) outcome {
	var stdout, stderr bytes.Buffer
	code := run(args, env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr})
	return outcome{code: code, stdout: stdout.String(), stderr: stderr.String(), args: args}
}

// expect is what a hostile case must give.
type expect struct {
	codes []int  // the exit codes allowed (default: 1)
	names string // a text stderr must hold (the file at fault), if any
}

// failClosed checks one run against the promise: exit code, the file
// named, no planted ID or secret in the output or in the folders given,
// nothing temporary left, no delivery without its manifest.
func failClosed(t *testing.T, o outcome, want expect, planted []string, outDirs ...string) {
	t.Helper()
	codes := want.codes
	if codes == nil {
		codes = []int{exitFailure}
	}
	assert.Contains(t, codes, o.code, "exit code\n%s", o)
	if want.names != "" && o.code != exitOK {
		assert.Contains(t, o.stderr, want.names, "the error must name the file\n%s", o)
	}
	if o.code != exitOK {
		assert.True(t, strings.HasPrefix(o.stderr, "koble: error: ") || strings.Contains(o.stderr, "\nkoble: error: "), "no koble: error line\n%s", o)
	}
	assert.NotContains(t, o.stderr, "goroutine ", "a stack trace\n%s", o)
	assertNoPlanted(t, planted, "stdout", o.stdout)
	assertNoPlanted(t, planted, "stderr", o.stderr)
	for _, dir := range outDirs {
		assertCleanFolder(t, dir, planted)
	}
}

// assertCleanFolder checks every file under dir: its name and content
// hold nothing planted, it is not a temporary file, and every delivered
// data file is listed by a manifest.
func assertCleanFolder(t *testing.T, dir string, planted []string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		assertNoPlanted(t, planted, "file name "+rel, rel)
		name := d.Name()
		assert.False(t, strings.HasPrefix(name, ".") && (strings.Contains(name, ".tmp") || strings.Contains(name, "koble-tx")), "temporary file left: %s", rel)
		if d.IsDir() {
			return nil
		}
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		assertNoPlanted(t, planted, rel, string(data))
		if text, ok := dataText(path); ok {
			assertNoPlanted(t, planted, rel+" (values)", text)
		}
		return nil
	})
	require.NoError(t, err)
	_, unlisted, err := delivery.Manifests(dir)
	if err == nil {
		for _, name := range unlisted {
			_, err := formats.FormatFromPath(name)
			assert.False(t, err == nil || strings.HasSuffix(name, ".age"), "%s: a data file that no manifest lists (a delivery half written?)", name)
		}
	}
}

// dataText renders a data file readable by formats as text: column names,
// metadata, every value.
func dataText(path string) (string, bool) {
	if _, err := formats.FormatFromPath(path); err != nil {
		return "", false
	}
	r, err := formats.Open(path, formats.ReadOptions{})
	if err != nil {
		return "", false
	}
	defer r.Close()
	var b strings.Builder
	for _, f := range r.Schema().Fields() {
		fmt.Fprintf(&b, "%s %s\n", f.Name, f.Metadata)
	}
	for k, v := range r.Metadata() {
		fmt.Fprintf(&b, "%s=%s\n", k, v)
	}
	for r.Next() {
		rec := r.RecordBatch()
		for _, c := range rec.Columns() {
			for i := 0; i < c.Len(); i++ {
				b.WriteString(c.ValueStr(i))
				b.WriteByte('\n')
			}
		}
	}
	return b.String(), true
}

// assertNoPlanted is the suite's one no-leak assertion: no planted ID
// appears in text, whole or in part forms (digits split by separators,
// full-width or other compatibility digits, the leading zero lost, as a
// float), and no planted secret, nor 12 characters of it in a row.
func assertNoPlanted(t assert.TestingT, planted []string, where, text string) {
	if h, ok := t.(interface{ Helper() }); ok {
		h.Helper()
	}
	folded := norm.NFKC.String(text)
	for _, p := range planted {
		if isDigits(p) {
			if re := idPattern(p); re.MatchString(folded) {
				t.Errorf("planted ID found in %s: %q", where, excerpt(folded, re.FindStringIndex(folded)))
			}
			continue
		}
		low := strings.ToLower(folded)
		for i := 0; i+12 <= len(p); i++ {
			if strings.Contains(low, strings.ToLower(p[i:i+12])) {
				t.Errorf("planted secret (from character %d) found in %s", i, where)
				break
			}
		}
	}
}

// idPattern matches an ID's digits, the leading zeros optional, with up to
// three separator characters between any two.
func idPattern(id string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?:^|[^0-9])`)
	trimmed := strings.TrimLeft(id, "0")
	for i := 0; i < len(id)-len(trimmed); i++ {
		b.WriteString(`(?:0[\s\-./_:+,]{0,3})?`)
	}
	for i, c := range trimmed {
		if i > 0 {
			b.WriteString(`[\s\-./_:+,]{0,3}`)
		}
		b.WriteRune(c)
	}
	return regexp.MustCompile(b.String())
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// excerpt shows where a planted value was found, its digits masked.
func excerpt(s string, at []int) string {
	lo, hi := max(at[0]-30, 0), min(at[1]+30, len(s))
	return s[lo:at[0]] + "<planted>" + s[at[1]:hi]
}

// TestSuiteHelpers: the generator makes numbers koble takes for valid,
// and the assertion finds them in every form the suite looks for.
func TestSuiteHelpers(t *testing.T) {
	ids := plantIDs(t, 3)
	for _, id := range ids {
		o := koble("id", "check", writeTemp(t, "ids.txt", id+"\n"))
		require.Equal(t, exitOK, o.code, o)
		assert.Contains(t, o.stdout, "\tvalid", o)
	}
	id := ids[0]
	for _, form := range []string{id, id[:6] + "-" + id[6:], id[:2] + "." + id[2:4] + "." + id[4:6] + " " + id[6:],
		"x" + id + "y", string('０'+rune(id[0]-'0')) + id[1:], strings.TrimLeft(id, "0"), id[:1] + "." + id[1:] + "e+10"} {
		var rec recorder
		assertNoPlanted(&rec, []string{id}, "form", "text "+form+" text")
		assert.NotEmpty(t, rec, "form %q not found", form)
	}
	var rec recorder
	assertNoPlanted(&rec, []string{id, "3d6cd008e9e884082f8756"}, "other", "text "+ids[1]+" 2024-01-01 [id] 3d6cd008e9e")
	assert.Empty(t, rec)
	assertNoPlanted(&rec, []string{"3d6cd008e9e884082f8756"}, "secret", "intro: \"3D6CD008E9E884\"")
	assert.NotEmpty(t, rec)
}

// recorder collects what an assertion reports.
type recorder []string

func (r *recorder) Errorf(format string, args ...any) { *r = append(*r, fmt.Sprintf(format, args...)) }

// writeTemp writes content to a new file in a test's folder.
func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

// namedDir makes a folder called name in a new temporary folder. A test
// that expects a folder named in a message names it so: the random digits
// of os.MkdirTemp's names can read as an ID, and are redacted with it.
func namedDir(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.Mkdir(dir, 0o700))
	return dir
}
