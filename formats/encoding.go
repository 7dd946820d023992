package formats

import (
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

// Encoding is the character encoding of a CSV file.
type Encoding uint8

// The encodings. Latin-1 and Windows-1252 extracts are common from older
// register systems; they differ in 0x80-0x9F, where Windows-1252 has € and
// typographic quotes.
const (
	EncodingUTF8 Encoding = iota
	EncodingLatin1
	EncodingWindows1252
)

// ParseEncoding returns the encoding named s: "utf-8", "latin-1"
// (also "iso-8859-1") or "windows-1252" (also "cp1252").
func ParseEncoding(s string) (Encoding, error) {
	switch strings.ToLower(strings.ReplaceAll(s, "_", "-")) {
	case "", "utf-8", "utf8":
		return EncodingUTF8, nil
	case "latin-1", "latin1", "iso-8859-1", "iso8859-1":
		return EncodingLatin1, nil
	case "windows-1252", "cp1252", "win1252":
		return EncodingWindows1252, nil
	}
	return 0, fmt.Errorf("formats: unknown encoding %q (want utf-8, latin-1 or windows-1252)", s)
}

// String names the encoding.
func (e Encoding) String() string {
	return [...]string{"utf-8", "latin-1", "windows-1252"}[e]
}

func (e Encoding) charmap() encoding.Encoding {
	switch e {
	case EncodingLatin1:
		return charmap.ISO8859_1
	case EncodingWindows1252:
		return charmap.Windows1252
	}
	return nil
}

// decoder wraps r so that it yields UTF-8.
func (e Encoding) decoder(r io.Reader) io.Reader {
	if cm := e.charmap(); cm != nil {
		return cm.NewDecoder().Reader(r)
	}
	return r
}

// encoder wraps w so that UTF-8 written to it arrives in e. A character e
// cannot represent is an error.
func (e Encoding) encoder(w io.Writer) io.Writer {
	if cm := e.charmap(); cm != nil {
		return cm.NewEncoder().Writer(w)
	}
	return w
}
