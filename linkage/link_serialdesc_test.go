package linkage_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/linkage"
)

// TestLinkCentralisedSerialDescribed: a centralised delivery's serials
// are the dense series 1..N, and its manifest and description say so
// (they said "base32", the encoding of the project serial it does not
// deliver).
func TestLinkCentralisedSerialDescribed(t *testing.T) {
	dir, key, _ := project(t, "centralised-b.toml", 400, 1)
	p, err := linkage.LoadPlan(filepath.Join(dir, "centralised-b.toml"))
	require.NoError(t, err)
	_, err = linkage.Link(context.Background(), p, linkage.LinkOptions{Key: key})
	require.NoError(t, err)
	out := filepath.Dir(p.DeliveryPath("cancer"))
	var pkg struct {
		Resources []struct {
			Path   string
			Schema struct {
				Fields []struct{ Name, Type, Description string }
			}
		}
	}
	b, err := os.ReadFile(filepath.Join(out, p.Project+".datapackage.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &pkg))
	require.NotEmpty(t, pkg.Resources)
	for _, r := range pkg.Resources {
		lnr := r.Schema.Fields[0]
		require.Equal(t, "lnr", lnr.Name, r.Path)
		assert.Contains(t, lnr.Description, "1..N", r.Path)
		assert.NotContains(t, lnr.Description, "base32", r.Path)
	}
	var man struct {
		Files []struct {
			Name string
			Done *struct {
				SerialEncoding string `json:"serial_encoding"`
			}
		}
	}
	b, err = os.ReadFile(filepath.Join(out, p.Project+".manifest.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &man))
	n := 0
	for _, f := range man.Files {
		if f.Done != nil && f.Done.SerialEncoding != "" {
			assert.Equal(t, "series 1..N", f.Done.SerialEncoding, f.Name)
			n++
		}
	}
	assert.Equal(t, len(p.Sources), n, "every delivered file records its serial encoding")
}
