package jsonout_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/internal/jsonout"
)

// TestNoHTMLEscape: <, > and & are written as they are, and the text
// reads back to the same value.
func TestNoHTMLEscape(t *testing.T) {
	v := map[string]any{"overlap": "cancer & death", "rule": "<5", "n": 3}
	for name, f := range map[string]func(any) ([]byte, error){"Marshal": jsonout.Marshal, "MarshalIndent": jsonout.MarshalIndent} {
		t.Run(name, func(t *testing.T) {
			b, err := f(v)
			require.NoError(t, err)
			assert.Contains(t, string(b), `"cancer & death"`)
			assert.Contains(t, string(b), `"<5"`)
			assert.NotContains(t, string(b), `\u00`)
			assert.False(t, bytes.HasSuffix(b, []byte("\n")))
			var back map[string]any
			require.NoError(t, json.Unmarshal(b, &back))
			assert.Equal(t, v["overlap"], back["overlap"])
		})
	}
	std, err := json.MarshalIndent(v, "", "  ")
	require.NoError(t, err)
	ours, err := jsonout.MarshalIndent(v)
	require.NoError(t, err)
	assert.Equal(t, bytes.ReplaceAll(bytes.ReplaceAll(bytes.ReplaceAll(std, []byte(`\u0026`), []byte("&")), []byte(`\u003c`), []byte("<")), []byte(`\u003e`), []byte(">")), ours,
		"the same text as encoding/json but for the escapes")
}

func ExampleMarshal() {
	b, _ := jsonout.Marshal(map[string]string{"overlap": "cancer & death"})
	fmt.Println(string(b))
	// Output: {"overlap":"cancer & death"}
}
