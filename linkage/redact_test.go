package linkage

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEncodeReportJSON(t *testing.T) {
	v := struct {
		Project string             `json:"project"`
		Columns []string           `json:"columns"`
		Seconds float64            `json:"elapsed_seconds"`
		Rows    int64              `json:"rows"`
		Quoted  string             `json:"quoted"`
		Counts  map[string]float64 `json:"counts"`
	}{
		Project: "p-" + guardID,
		Columns: []string{"fnr", "x" + guardID + "y", "15.07.63 30007"},
		Seconds: 0.15076330007123,
		Rows:    guardIDInt,
		Quoted:  `say "` + guardID + `" \ twice`,
		Counts:  map[string]float64{guardID: 1},
	}
	var b bytes.Buffer
	require.NoError(t, encodeReportJSON(&b, v))
	out := b.String()
	assert.NotContains(t, out, "\""+guardID)
	assert.NotContains(t, out, "30007\"")
	assert.Contains(t, out, `"project": "p-[id]"`)
	assert.Contains(t, out, `"quoted": "say \"[id]\" \\ twice"`)
	// Numbers are koble's own and stay as they are; the JSON stays valid.
	assert.Contains(t, out, `"elapsed_seconds": 0.15076330007123`)
	var back map[string]any
	require.NoError(t, json.Unmarshal(b.Bytes(), &back))
	assert.Equal(t, "x[id]y", back["columns"].([]any)[1])
}

func TestRedactMetadata(t *testing.T) {
	got := redactMetadata(map[string]string{"koble.project": "p " + guardID, guardID: "x", "koble.window": "30"})
	assert.Equal(t, map[string]string{"koble.project": "p [id]", "[id]": "x", "koble.window": "30"}, got)
}
