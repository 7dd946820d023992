package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/pseudonym"
)

func TestRedactWriter(t *testing.T) {
	const id = "15076330007"
	tests := []struct {
		name   string
		writes []string
		want   string
	}{
		{"one line", []string{"koble: error: column " + id + "\n"}, "koble: error: column [id]\n"},
		{"in pieces", []string{"column 150", "76330007 twice\n"}, "column [id] twice\n"},
		{"carriage returns", []string{"names \"ab\r" + id + "\" twice\n"}, "names \"ab\r[id]\" twice\n"},
		{"no line end", []string{"last " + id}, "last [id]"},
		{"progress redraws", []string{"\r 10% rows", "\r 20% rows", "\r"}, "\r 10% rows\r 20% rows\r"},
		// A SHA-256 koble computed may hold ten digits that read as a CPR
		// number ("2405518020"): marked verbatim, it is printed whole,
		// while an ID beside it is still redacted.
		{"verbatim hash", []string{"manifest " + id + ", sha256 " + verbatim("ab2405518020cd") + "\n"}, "manifest [id], sha256 ab2405518020cd\n"},
		{"verbatim in pieces", split("sha256 "+verbatim("ab2405518020")+" "+id+"\n", 12), "sha256 ab2405518020 [id]\n"},
		// Marks without the process's nonce are text like any other.
		{"forged mark", []string{"\x00<x\x00" + id + "\x00x>\x00\n"}, "\x00<x\x00[id]\x00x>\x00\n"},
		{"mark left open", []string{verbatimOpen + id + "\n"}, "[id]\n"},
		// A service's public key in a serial source's description is
		// printed whole; the project name before it is still redacted.
		{"public key", []string{verbatimKey("oprf service, project "+id+", public key "+strings.Repeat("0504855727", 6)+"abcd") + "\n"},
			"oprf service, project [id], public key " + strings.Repeat("0504855727", 6) + "abcd\n"},
		{"not a key", []string{verbatimKey("public key "+id) + "\n"}, "public key [id]\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			w := newRedactWriter(&out)
			for _, s := range tc.writes {
				n, err := w.Write([]byte(s))
				require.NoError(t, err)
				require.Equal(t, len(s), n)
			}
			require.NoError(t, w.Flush())
			if got := out.String(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}

	t.Run("raw after pending", func(t *testing.T) {
		var out bytes.Buffer
		w := newRedactWriter(&out)
		w.Write([]byte("note " + id + " "))
		rawWriter{w}.Write([]byte("token 1234567890\n"))
		assert.Equal(t, "note [id] token 1234567890\n", out.String())
	})
}

// TestRunRedactsErrors: an error that quotes an ID (here an unknown
// command, which cobra quotes as given, before koble's own check of the
// arguments runs) leaves the process redacted.
func TestRunRedactsErrors(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"15076330007"}, env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr})
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr.String(), "koble: error:")
	assert.NotContains(t, stderr.String(), "15076330007")
	assert.Contains(t, stderr.String(), pseudonym.Redacted)
}

// TestCheckIDsLongLine: a line longer than any buffer is that line's
// verdict, and the lines after it are read.
func TestCheckIDsLongLine(t *testing.T) {
	in := "15076330007\n" + strings.Repeat("9", 3*maxIDLine) + "15076330007\r\n\n15076330007"
	var out bytes.Buffer
	sum, err := checkIDs(strings.NewReader(in), &out, pseudonym.Norway{}, true)
	require.NoError(t, err)
	assert.Equal(t, "1\tvalid\tfnr\n2\tinvalid\tlength\n3\tinvalid\tempty\n4\tvalid\tfnr\n", out.String())
	assert.Equal(t, 4, sum.lines)
	assert.Equal(t, 2, sum.valid)
}

// TestCheckIDsLineEnds: lines end at LF, CR LF or a lone CR, mixed in one
// input, at the end of the input or not, and at the edge of the reader's
// buffer.
func TestCheckIDsLineEnds(t *testing.T) {
	pad := strings.Repeat(" ", maxIDLine-len("15076330007")-1)
	for name, in := range map[string]string{
		"CR":              "15076330007\r15076330007\r\r15076330007",
		"CR LF":           "15076330007\r\n15076330007\r\n\r\n15076330007\r\n",
		"mixed":           "15076330007\n15076330007\r\r\n15076330007\r",
		"CR at the edge":  "15076330007" + pad + "\r\n15076330007\r\n\n15076330007",
		"long line, CR":   strings.Repeat("9", 2*maxIDLine) + "\r15076330007\r\r15076330007",
		"no end, no last": "15076330007\n15076330007\n\n15076330007\n",
	} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			sum, err := checkIDs(strings.NewReader(in), &out, pseudonym.Norway{}, true)
			require.NoError(t, err)
			assert.Equal(t, 4, sum.lines, out.String())
			assert.Equal(t, "3\tinvalid", out.String()[strings.Index(out.String(), "3\t"):][:9], out.String())
			assert.Equal(t, "4\tvalid\tfnr\n", out.String()[strings.Index(out.String(), "4\t"):], out.String())
		})
	}
}

// TestRunRecoversPanics: a panic on the command's goroutine (here a nil
// standard input) is an error on stderr, through the redaction step, not
// the runtime's unredacted dump.
func TestRunRecoversPanics(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"id", "check"}, env{stdin: nil, stdout: &stdout, stderr: &stderr})
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stderr.String(), "koble: internal error:")
}

// split cuts s in two at i, as a writer may receive it.
func split(s string, i int) []string { return []string{s[:i], s[i:]} }
