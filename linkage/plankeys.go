package linkage

import (
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"
)

// unknownKeys is the error for the keys of a plan file that no field
// takes: each key once, with the line it is first on and the nearest
// known key at its place.
func unknownKeys(path string, und []toml.Key) error {
	text, _ := os.ReadFile(path)
	lines := strings.Split(string(text), "\n")
	seen := map[string]bool{}
	var msgs []string
	for _, k := range und {
		name := k.String()
		if seen[name] {
			continue
		}
		seen[name] = true
		msg := fmt.Sprintf("unknown key %q", name)
		if line := keyLine(lines, k[len(k)-1]); line > 0 {
			msg = fmt.Sprintf("line %d: %s", line, msg)
		}
		if near := nearest(k[len(k)-1], knownKeys(reflect.TypeOf(Plan{}), k[:len(k)-1])); near != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", near)
		}
		msgs = append(msgs, msg)
	}
	return fmt.Errorf("linkage: plan %s: %s (see testdata/plans for the keys a plan takes)", path, strings.Join(msgs, "; "))
}

// keyLine is the first line (from 1) where key is set or opens a table,
// or 0.
func keyLine(lines []string, key string) int {
	q := regexp.QuoteMeta(key)
	re := regexp.MustCompile(`(^|[\s{,.\[])("` + q + `"|` + q + `)\s*(=|\]|\.)`)
	for i, l := range lines {
		if c := strings.Index(l, "#"); c >= 0 {
			l = l[:c]
		}
		if re.MatchString(l) {
			return i + 1
		}
	}
	return 0
}

// knownKeys lists the TOML keys of the table at path inside t (a struct).
func knownKeys(t reflect.Type, path []string) []string {
	for _, p := range path {
		t = deref(t)
		if t.Kind() != reflect.Struct {
			return nil
		}
		f, ok := fieldByTag(t, p)
		if !ok {
			return nil
		}
		t = f.Type
	}
	t = deref(t)
	if t.Kind() != reflect.Struct {
		return nil
	}
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		if tag := tomlName(t.Field(i)); tag != "" {
			keys = append(keys, tag)
		}
	}
	return keys
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	return t
}

func fieldByTag(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		if tomlName(t.Field(i)) == name {
			return t.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

func tomlName(f reflect.StructField) string {
	tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	if tag == "-" || !f.IsExported() {
		return ""
	}
	return tag
}

// nearest returns the candidate closest to name (ignoring case, '-'
// and '_'), if it is close enough to be a misspelling of it, or "".
func nearest(name string, candidates []string) string {
	norm := func(s string) string {
		return strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.ToLower(s))
	}
	best, bestD := "", 0
	for _, c := range candidates {
		d := editDistance(norm(name), norm(c))
		if best == "" || d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" || bestD > max(2, len(name)/3) {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, by bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
