package oprfservice

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeLog appends n records to a new log and returns its lines.
func writeLog(t *testing.T, n int) (path string, lines []string) {
	path = filepath.Join(t.TempDir(), "audit.jsonl")
	l, err := OpenAuditLog(path)
	require.NoError(t, err)
	for i := range n {
		require.NoError(t, l.Append(Record{Time: testNow.Format(auditTime), Client: "c", Project: "p", Count: i + 1, Status: 200, Outcome: "ok"}))
	}
	require.NoError(t, l.Close())
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return path, strings.SplitAfter(strings.TrimSuffix(string(b), "\n"), "\n")
}

func TestAuditChainBreaks(t *testing.T) {
	_, lines := writeLog(t, 5)
	require.Len(t, lines, 5)
	n, err := VerifyAuditLog(strings.NewReader(strings.Join(lines, "")))
	require.NoError(t, err)
	assert.Equal(t, 5, n)
	assert.True(t, strings.HasPrefix(lines[0], `{"seq":1,"time":"2026-06-01T12:00:00.000Z","client":"c","project":"p","count":1,"status":200,"outcome":"ok","prev":"0000`), lines[0])

	nl := func(s string) string { return strings.TrimSuffix(s, "\n") + "\n" }
	cases := []struct {
		name  string
		lines []string
		line  int
		want  string
	}{
		{"altered count", []string{lines[0], lines[1], strings.Replace(lines[2], `"count":3`, `"count":9`, 1), lines[3]}, 3, "altered"},
		{"removed line", []string{lines[0], lines[2], lines[3]}, 2, "chain is broken"},
		{"swapped lines", []string{lines[0], lines[2], lines[1]}, 2, "chain is broken"},
		{"truncated line", []string{lines[0], lines[1][:40] + "\n"}, 2, "no hash at the end"},
		{"first line removed", []string{lines[1], lines[2]}, 1, "chain is broken"},
		{"line duplicated", []string{lines[0], lines[1], nl(lines[1])}, 3, "chain is broken"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := VerifyAuditLog(strings.NewReader(strings.Join(tc.lines, "")))
			var ce *ChainError
			require.True(t, errors.As(err, &ce), "got %v", err)
			assert.Equal(t, tc.line, ce.Line)
			assert.Contains(t, ce.Error(), tc.want)
		})
	}
}

// TestAuditLogRefusesBrokenChain: the service does not start on a log
// whose chain is broken.
func TestAuditLogRefusesBrokenChain(t *testing.T) {
	path, lines := writeLog(t, 3)
	require.NoError(t, os.WriteFile(path, []byte(lines[0]+lines[2]), 0o600))
	_, err := OpenAuditLog(path)
	assert.ErrorContains(t, err, "line 2: the chain is broken")
}

func TestAuditLogContinues(t *testing.T) {
	path, _ := writeLog(t, 2)
	l, err := OpenAuditLog(path)
	require.NoError(t, err)
	assert.Equal(t, int64(3), l.Usage("c", "p"))
	require.NoError(t, l.Append(Record{Time: testNow.Format(auditTime), Client: "c", Project: "p", Count: 4, Status: 403, Outcome: "quota exceeded"}))
	require.NoError(t, l.Close())
	assert.Error(t, l.Append(Record{}), "closed")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	n, err := VerifyAuditLog(bytes.NewReader(b))
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	l, err = OpenAuditLog(path)
	require.NoError(t, err)
	defer l.Close()
	assert.Equal(t, int64(3), l.Usage("c", "p"), "refused requests use no quota")
}
