package linkage

import (
	"crypto/subtle"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/koble/koble/delivery"
	"github.com/koble/koble/formats"
)

// VerifyOptions are what a recipient checks a delivery against, beyond
// its manifest.
type VerifyOptions struct {
	// Fingerprint, if set, is the project key's fingerprint the delivery
	// must have been made with (given by the project, not the register).
	Fingerprint string
	// ManifestSHA256, if set, is the manifest's SHA-256 sent by another
	// channel (a delivery of several manifests: any one of them).
	ManifestSHA256 string
	// Expect, if not nil, lists the columns applied for, per source.
	Expect map[string][]string
}

// Verification is the outcome of [VerifyDelivery].
type Verification struct {
	Checks []*delivery.Check
	// Unlisted are files in the folder that no manifest lists.
	Unlisted []string
	// Problems found beyond the manifests' own (expected columns, the
	// fingerprint); Warnings are worth reading but do not fail.
	Problems, Warnings []string
}

// OK reports whether the delivery is as its manifests say and as
// expected.
func (v *Verification) OK() bool {
	if len(v.Problems) > 0 || len(v.Checks) == 0 {
		return false
	}
	for _, c := range v.Checks {
		if !c.OK() {
			return false
		}
	}
	return true
}

// VerifyDelivery checks the delivery in dir (or the one manifest dir
// names): every file present with the size, SHA-256, rows and schema its
// manifest records; no delivered column named by or holding a national
// ID (the leak guard, every scheme); the key fingerprint and the columns
// applied for as opts say.
func VerifyDelivery(dir string, opts VerifyOptions) (*Verification, error) {
	v := &Verification{}
	var manifests []string
	if strings.HasSuffix(dir, delivery.ManifestSuffix) {
		manifests = []string{dir}
	} else {
		var err error
		if manifests, v.Unlisted, err = delivery.Manifests(dir); err != nil {
			return nil, err
		}
		if len(manifests) == 0 {
			return nil, fmt.Errorf("linkage: %s holds no manifest (*%s): an incomplete delivery, or not one", dir, delivery.ManifestSuffix)
		}
	}
	sumSeen := false
	for _, path := range manifests {
		c, err := delivery.VerifyManifest(path)
		if err != nil {
			return nil, err
		}
		v.Checks = append(v.Checks, c)
		sumSeen = sumSeen || strings.EqualFold(c.SHA256, opts.ManifestSHA256)
		if c.Manifest == nil {
			continue
		}
		if opts.Fingerprint != "" && subtle.ConstantTimeCompare([]byte(c.Manifest.KeyFingerprint), []byte(opts.Fingerprint)) != 1 {
			v.Problems = append(v.Problems, fmt.Sprintf("%s: made with key fingerprint %q, not %q (--fingerprint)", filepath.Base(path), c.Manifest.KeyFingerprint, opts.Fingerprint))
		}
		for _, f := range c.Manifest.Files {
			if f.Role == delivery.RoleData {
				v.guard(filepath.Join(filepath.Dir(path), filepath.FromSlash(f.Name)), f)
			}
		}
	}
	if opts.ManifestSHA256 != "" && !sumSeen {
		v.Problems = append(v.Problems, fmt.Sprintf("no manifest has the SHA-256 %s (--manifest-sha256): the manifest was replaced or edited", opts.ManifestSHA256))
	}
	if opts.Expect != nil {
		v.expect(opts.Expect)
	}
	for _, u := range v.Unlisted {
		v.Warnings = append(v.Warnings, fmt.Sprintf("%s is in the folder but in no manifest", u))
	}
	return v, nil
}

// guard runs the leak guard over a delivered data file: names and
// metadata, then every value of every column but the serial.
func (v *Verification) guard(path string, f delivery.File) {
	r, err := formats.Open(path, f.ReadOptions())
	if err != nil {
		return // the manifest check has reported it
	}
	defer r.Close()
	allowed := map[string]bool{}
	serial := ""
	if f.Done != nil {
		serial = f.Done.SerialColumn
		for _, c := range f.Done.Allowed {
			allowed[c] = true
		}
	}
	schema := r.Schema()
	if err := guardSchema(f.Name, schema); err != nil {
		v.Problems = append(v.Problems, err.Error())
		return
	}
	counts := make([]int64, schema.NumFields())
	for r.Next() {
		b := r.RecordBatch()
		for i, fd := range schema.Fields() {
			if fd.Name != serial {
				counts[i] += countIDs(b.Column(i), nil)
			}
		}
	}
	for i, fd := range schema.Fields() {
		switch {
		case sensitiveName(fd.Name) && !allowed[fd.Name]:
			v.Problems = append(v.Problems, fmt.Sprintf("%s: column %q has the name of a direct identifier", f.Name, fd.Name))
		case counts[i] > 0 && allowed[fd.Name]:
			v.Warnings = append(v.Warnings, fmt.Sprintf("%s: column %q holds %d value(s) of the form of a national ID; the register let it through the leak guard (--allow)", f.Name, fd.Name, counts[i]))
		case counts[i] > 0:
			v.Problems = append(v.Problems, fmt.Sprintf("%s: column %q holds %d value(s) of the form of a national ID", f.Name, fd.Name, counts[i]))
		}
	}
}

// expect compares the delivered data files' columns with those applied
// for. A data file belongs to the source its manifest names, or to its
// name without the extension.
func (v *Verification) expect(want map[string][]string) {
	got := map[string][]string{}
	for _, c := range v.Checks {
		if c.Manifest == nil {
			continue
		}
		for _, f := range c.Manifest.Files {
			if f.Role != delivery.RoleData {
				continue
			}
			src := strings.TrimSuffix(filepath.Base(f.Name), filepath.Ext(f.Name))
			if f.Done != nil && f.Done.Source != "" {
				src = f.Done.Source
			}
			for _, col := range f.Schema {
				got[src] = append(got[src], col.Name)
			}
		}
	}
	for _, src := range sortedKeys(want) {
		cols, ok := got[src]
		if !ok {
			v.Problems = append(v.Problems, fmt.Sprintf("source %q was applied for but is not in the delivery", src))
			continue
		}
		if miss := minus(want[src], cols); len(miss) > 0 {
			v.Problems = append(v.Problems, fmt.Sprintf("source %q: missing column(s) applied for: %s", src, strings.Join(miss, ", ")))
		}
		if extra := minus(cols, want[src]); len(extra) > 0 {
			v.Problems = append(v.Problems, fmt.Sprintf("source %q: column(s) not applied for: %s", src, strings.Join(extra, ", ")))
		}
	}
	for _, src := range sortedKeys(got) {
		if _, ok := want[src]; !ok {
			v.Problems = append(v.Problems, fmt.Sprintf("source %q is in the delivery but was not applied for", src))
		}
	}
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// minus returns the items of a not in b, in a's order.
func minus(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	return out
}

// ReadExpect reads the variables applied for: a TOML file with one table
// per source, each with the list of columns,
//
//	[cancer]
//	columns = ["lnr", "diagnosis_date", "icd10"]
func ReadExpect(path string) (map[string][]string, error) {
	var raw map[string]struct {
		Columns []string `toml:"columns"`
	}
	md, err := toml.DecodeFile(path, &raw)
	if err != nil {
		return nil, fmt.Errorf("linkage: --expect %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("linkage: --expect %s: unknown key %s (want [SOURCE] tables with columns = [...])", path, und[0])
	}
	if len(raw) == 0 {
		return nil, fmt.Errorf("linkage: --expect %s lists no source (want [SOURCE] tables with columns = [...])", path)
	}
	out := map[string][]string{}
	for src, t := range raw {
		out[src] = t.Columns
	}
	return out, nil
}
