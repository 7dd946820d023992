package delivery

import (
	"github.com/koble/koble/internal/jsonout"

	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// ManifestVersion is the version of the manifest format this package
// writes and reads.
const ManifestVersion = 1

// ManifestSuffix ends every manifest's name.
const ManifestSuffix = ".manifest.json"

// Manifest describes a committed delivery. It holds names, counts, hashes
// and column names; never a value of the data.
type Manifest struct {
	Version         int    `json:"koble_manifest"`
	Transaction     string `json:"transaction"`
	Tool            string `json:"koble_version"`
	Project         string `json:"project,omitempty"`
	KeyFingerprint  string `json:"key_fingerprint,omitempty"`
	PlanFingerprint string `json:"plan_fingerprint,omitempty"`
	ReferenceDate   string `json:"reference_date,omitempty"`
	// Risk is the disclosure-risk check of the delivery, if one was run.
	Risk  *Risk  `json:"disclosure_risk,omitempty"`
	Files []File `json:"files"`
	// Checksum is the SHA-256 of the manifest file with this field's value
	// set to 64 zeros.
	Checksum string `json:"manifest_sha256"`
}

// Header is what a caller says about the whole delivery at [Tx.Commit].
type Header struct {
	Tool            string
	Project         string
	KeyFingerprint  string
	PlanFingerprint string
	ReferenceDate   string
	Risk            *Risk
}

// File is one file of a delivery. Name is relative to the manifest's
// folder.
type File struct {
	Name   string   `json:"name"`
	Role   string   `json:"role"`
	Format string   `json:"format,omitempty"`
	Size   int64    `json:"size"`
	SHA256 string   `json:"sha256"`
	Rows   *int64   `json:"rows,omitempty"`
	Schema []Column `json:"schema,omitempty"`
	// CSV says how a CSV file is to be read.
	CSV *CSVDialect `json:"csv,omitempty"`
	// Done says what was done to make a data file.
	Done *Processing `json:"done,omitempty"`
}

// Roles of the files of a delivery.
const (
	RoleData        = "data"
	RoleQuarantine  = "quarantine"
	RoleReport      = "report"
	RoleLinkReport  = "link-report"
	RoleSerialKey   = "serial-key"
	RoleDescription = "description"
	// RoleLoader is a loading snippet: code that reads a CSV data file
	// with its types in R, Stata, pandas or DuckDB.
	RoleLoader = "loader"
)

// Column is a column of a data file: its name and Arrow type.
type Column struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Nullable bool   `json:"nullable"`
}

// CSVDialect is how a CSV file is written.
type CSVDialect struct {
	Delimiter string `json:"delimiter"`
	Encoding  string `json:"encoding"`
	Header    bool   `json:"header"`
	Null      string `json:"null"`
}

// Processing says what was done to make a data file: which column the
// serial replaced and how it is encoded, which dates were moved and how,
// which columns were delivered and which left out.
type Processing struct {
	Source         string   `json:"source,omitempty"`
	Register       string   `json:"register,omitempty"`
	IDColumn       string   `json:"id_column,omitempty"`
	IDScheme       string   `json:"id_scheme,omitempty"`
	SerialColumn   string   `json:"serial_column,omitempty"`
	SerialEncoding string   `json:"serial_encoding,omitempty"`
	Shifted        []string `json:"shifted,omitempty"`
	// Unshifted are date columns delivered as they are beside the shifted
	// ones, on the register manager's explicit choice.
	Unshifted   []string          `json:"unshifted,omitempty"`
	Window      int               `json:"window_days,omitempty"`
	KeepWeekday bool              `json:"keep_weekday,omitempty"`
	Relative    map[string]string `json:"relative,omitempty"`
	Coarsened   map[string]string `json:"coarsened,omitempty"`
	Delivered   []string          `json:"columns_delivered,omitempty"`
	Dropped     []string          `json:"columns_dropped,omitempty"`
	// Allowed are columns the register let through the leak guard.
	Allowed        []string `json:"columns_allowed_by_guard,omitempty"`
	RowsRead       int64    `json:"rows_read"`
	RowsQuarantine int64    `json:"rows_quarantined"`
	RowsNotSample  int64    `json:"rows_not_in_sample,omitempty"`
}

const checksumKey = `"manifest_sha256": "`

var zeroSum = bytes.Repeat([]byte("0"), 64)

// Marshal returns the manifest's bytes as a commit writes them, with its
// checksum filled in: for an engine that writes a delivery's files itself
// and the manifest last ([Tx] does both for local files).
func (m *Manifest) Marshal() ([]byte, error) {
	m.Checksum = string(zeroSum)
	b, err := jsonout.MarshalIndent(m)
	if err != nil {
		return nil, err
	}
	b = append(b, '\n')
	i := bytes.LastIndex(b, []byte(checksumKey))
	if i < 0 {
		return nil, errors.New("delivery: internal error: no checksum field")
	}
	sum := sha256.Sum256(b)
	m.Checksum = hex.EncodeToString(sum[:])
	copy(b[i+len(checksumKey):], m.Checksum)
	return b, nil
}

// ErrManifest marks a manifest that is damaged or was edited.
var ErrManifest = errors.New("delivery: manifest damaged or edited")

// ParseManifest parses a manifest and checks its own checksum.
func ParseManifest(b []byte) (*Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: not a manifest: %v", ErrManifest, err)
	}
	if m.Version != ManifestVersion {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrManifest, m.Version, ManifestVersion)
	}
	i := bytes.LastIndex(b, []byte(checksumKey))
	if i < 0 || bytes.Count(b, []byte(checksumKey)) != 1 || len(b) < i+len(checksumKey)+64 {
		return nil, fmt.Errorf("%w: no manifest_sha256", ErrManifest)
	}
	c := bytes.Clone(b)
	copy(c[i+len(checksumKey):], zeroSum)
	sum := sha256.Sum256(c)
	if hex.EncodeToString(sum[:]) != m.Checksum {
		return nil, fmt.Errorf("%w: its manifest_sha256 does not match its content", ErrManifest)
	}
	return &m, nil
}

// ReadManifest reads and checks the manifest at path.
func ReadManifest(path string) (*Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("delivery: manifest %s: %w", path, unwrapPath(err))
	}
	m, err := ParseManifest(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// FileSHA256 returns the hex SHA-256 of a file's bytes, for comparing a
// manifest with one sent by another channel.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sum, _, err := hashFile(f)
	return sum, err
}
