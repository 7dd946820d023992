package linkage

import (
	"bytes"
	"io"

	"github.com/koble/koble/internal/jsonout"
	"github.com/koble/koble/pseudonym"
)

// What linkage writes about a run (reports, the key-value metadata of a
// delivery, the clear-text quarantine file) passes the same redaction
// step as the command line's messages ([pseudonym.Redact]): a project,
// column or source named by an ID is written as "[id]". The delivered
// data themselves are never rewritten: the leak guard stops them instead.
//
// Only text that may come from the user or the input goes through it:
// hashes and fingerprints koble computes do not belong in these writers,
// as ten digits of a hexadecimal digest can read as a CPR number.

// encodeReportJSON writes v to w as indented JSON, every ID in its strings
// redacted. Numbers are left alone: a report's counts and timings are
// koble's own, and the digits of a float ("0.1234567890123") would read as
// IDs as often as not. [EncodeReport] exports it.
func encodeReportJSON(w io.Writer, v any) error {
	var b bytes.Buffer
	if err := jsonout.NewEncoder(&b, true).Encode(v); err != nil {
		return err
	}
	_, err := w.Write(redactJSONStrings(b.Bytes()))
	return err
}

// EncodeReport writes a report (or any value koble writes as JSON about
// a run) as every report of koble: indented, without HTML escapes, each
// string through the redaction step.
func EncodeReport(w io.Writer, v any) error { return encodeReportJSON(w, v) }

// redactJSONStrings redacts the contents of every string literal of a
// JSON text as encoding/json writes it (which never escapes a digit).
func redactJSONStrings(js []byte) []byte {
	out := make([]byte, 0, len(js))
	for i := 0; i < len(js); {
		if js[i] != '"' {
			out = append(out, js[i])
			i++
			continue
		}
		end := i + 1
		for end < len(js) && js[end] != '"' {
			if js[end] == '\\' {
				end++
			}
			end++
		}
		end = min(end, len(js))
		out = append(out, '"')
		out = append(out, pseudonym.Redact(string(js[i+1:end]))...)
		out = append(out, js[end:min(end+1, len(js))]...) // the closing quote
		i = end + 1
	}
	return out
}

// redactMetadata returns md with every ID in its keys and values redacted.
func redactMetadata(md map[string]string) map[string]string {
	out := make(map[string]string, len(md))
	for k, v := range md {
		out[pseudonym.Redact(k)] = pseudonym.Redact(v)
	}
	return out
}
