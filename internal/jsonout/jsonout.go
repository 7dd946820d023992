// Package jsonout writes JSON as every koble report, manifest and data
// package is written: without HTML escaping, so that a plan's "cancer &
// death" stays "cancer & death" and not "cancer \u0026 death" for the
// researcher who reads it. (encoding/json escapes <, > and & for HTML
// pages by default; koble's JSON never goes into one.)
package jsonout

import (
	"bytes"
	"encoding/json"
	"io"
)

// NewEncoder returns an encoder to w that does not escape HTML, indented
// with two spaces if indent is true.
func NewEncoder(w io.Writer, indent bool) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("", "  ")
	}
	return enc
}

// Marshal is json.Marshal without HTML escaping (and without the newline
// an Encoder adds).
func Marshal(v any) ([]byte, error) {
	return marshal(v, false)
}

// MarshalIndent is json.MarshalIndent(v, "", "  ") without HTML escaping.
func MarshalIndent(v any) ([]byte, error) {
	return marshal(v, true)
}

func marshal(v any, indent bool) ([]byte, error) {
	var b bytes.Buffer
	if err := NewEncoder(&b, indent).Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
