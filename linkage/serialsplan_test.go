package linkage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const oprfPlanHead = `project = "p1"
mode = "distributed"
`

const oprfSource = `
[output]
dir = "out"

[[source]]
name = "patient"
register = "Norsk pasientregister"
path = "npr.csv"
id_column = "fnr"
`

func loadPlanText(t *testing.T, text string) (*Plan, error) {
	path := filepath.Join(t.TempDir(), "plan.toml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return LoadPlan(path)
}

// TestSerialsPlan: [serials] source = "oprf" needs the server, the public
// key and each source's credentials, and makes the key file optional.
func TestSerialsPlan(t *testing.T) {
	good := oprfPlanHead + `[serials]
source = "oprf"
server = "https://admin:8443"
public_key = "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76"
` + oprfSource + `credentials = { token_file = "npr.token", date_key = "npr.datekey" }
dates = { shift = ["admit_date"], window = 30 }
`
	p, err := loadPlanText(t, good)
	require.NoError(t, err)
	assert.True(t, p.UsesOPRF())
	c := p.ServiceCredentials("patient")
	assert.Equal(t, filepath.Join(filepath.Dir(p.File()), "npr.token"), c.TokenFile)
	assert.Equal(t, filepath.Join(filepath.Dir(p.File()), "npr.datekey"), c.DateKey)

	cases := []struct{ name, text, msg string }{
		{"unknown source", "key = \"k\"\n" + oprfPlanHead + "[serials]\nsource = \"hmac\"\n" + oprfSource, `serials: source "hmac"`},
		{"no server", oprfPlanHead + "[serials]\nsource = \"oprf\"\n" + oprfSource + "credentials = { token_file = \"t\" }\n", "needs server"},
		{"no credentials", oprfPlanHead + "[serials]\nsource = \"oprf\"\nserver = \"https://a\"\npublic_key = \"x\"\n" + oprfSource, "needs client_cert and client_key, or token_file"},
		{"cert without key", oprfPlanHead + "[serials]\nsource = \"oprf\"\nserver = \"https://a\"\npublic_key = \"x\"\n" + oprfSource + "credentials = { client_cert = \"c\" }\n", "go together"},
		{"shift without date key", oprfPlanHead + "[serials]\nsource = \"oprf\"\nserver = \"https://a\"\npublic_key = \"x\"\n" + oprfSource + "credentials = { token_file = \"t\" }\ndates = { shift = [\"d\"], window = 3 }\n", "credentials.date_key"},
		{"credentials with the key", "key = \"k\"\n" + oprfPlanHead + oprfSource + "credentials = { token_file = \"t\" }\n", "credentials are for [serials]"},
		{"server with the key", "key = \"k\"\n" + oprfPlanHead + "[serials]\nserver = \"https://a\"\n" + oprfSource, "need source = \"oprf\""},
		{"no key without oprf", oprfPlanHead + oprfSource, "key: no project key file"},
	}
	for _, c := range cases {
		_, err := loadPlanText(t, c.text)
		require.Error(t, err, c.name)
		assert.Contains(t, err.Error(), c.msg, c.name)
	}
}

func TestSerialsRunChecks(t *testing.T) {
	p, err := loadPlanText(t, oprfPlanHead+"[serials]\nsource = \"oprf\"\nserver = \"https://a\"\npublic_key = \"x\"\n"+oprfSource+"credentials = { token_file = \"t\" }\n")
	require.NoError(t, err)
	assert.ErrorContains(t, p.checkSerialsRun(LinkOptions{}), "--source NAME")
	assert.ErrorContains(t, p.checkSerialsRun(LinkOptions{Source: "patient"}), "no serial source")
	_, err = p.SourceScheme("nope")
	assert.ErrorIs(t, err, errNoSuchSource)
	s, err := p.SourceScheme("patient")
	require.NoError(t, err)
	assert.Equal(t, "no", s.Code())
}

// TestSerialsPlanDefiner: with the service, the centralised linker's
// credentials are [serials.credentials] (its sources name none), and a
// pseudonymous register's take the date key only.
func TestSerialsPlanDefiner(t *testing.T) {
	central := `project = "p1"
mode = "centralised"
[sample]
rule = "patient"
[serials]
source = "oprf"
server = "https://a"
public_key = "x"
`
	dist := oprfPlanHead + `[serials]
source = "oprf"
server = "https://a"
public_key = "x"
`
	centralSource := strings.Replace(oprfSource, `dir = "out"`, `dir = "out"`+"\nserial_key_recipients = [\"age1v6myrw0lp4jy0lyhc4r5z5z3uhelef44mh0m4ncfxgycsxx7nutq6npxx6\"]", 1)
	good := central + "credentials = { token_file = \"t\", date_key = \"d\" }\n" + centralSource + "dates = { shift = [\"d\"], window = 3 }\n"
	p, err := loadPlanText(t, good)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(filepath.Dir(p.File()), "t"), p.OwnCredentials().TokenFile)
	assert.ErrorContains(t, p.checkSerialsRun(LinkOptions{}), "no oblivious-serial service")
	cases := []struct{ name, text, msg string }{
		{"central without credentials", central + centralSource, "[serials.credentials] needs client_cert and client_key, or token_file: the centralised linker"},
		{"central source credentials", central + "credentials = { token_file = \"t\" }\n" + centralSource + "credentials = { token_file = \"t\" }\n", "not [source.credentials]"},
		{"central shift without date key", central + "credentials = { token_file = \"t\" }\n" + centralSource + "dates = { shift = [\"d\"], window = 3 }\n", "serials.credentials.date_key"},
		{"distributed own credentials", dist + "credentials = { token_file = \"t\" }\n" + oprfSource + "credentials = { token_file = \"t\" }\n", "each source names its own"},
	}
	for _, c := range cases {
		_, err := loadPlanText(t, c.text)
		require.Error(t, err, c.name)
		assert.Contains(t, err.Error(), c.msg, c.name)
	}
}
