package formats

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
)

// Byte-identical Parquet output. arrow-go (v18.8.0, parquet/metadata
// ColumnChunkMetaDataBuilder.Finish) fills a column chunk's
// encoding_stats from Go maps of page counts by encoding, so when a
// dictionary falls back to plain (RLE_DICTIONARY and PLAIN data pages in
// one chunk) the two entries come out in a random order, and two runs
// on the same input give different footers. No writer property avoids
// it except turning dictionaries off (larger files) or never letting
// them fall back (memory without bound), so footerSink holds back what
// the writer writes while it closes and puts the entries in one order
// (dictionary pages first, then by encoding) before it passes the footer
// on. The cost: while the file closes, the last row group's pages
// (which arrow-go buffered in memory already) are held once more.
type footerSink struct {
	w    io.Writer
	hold bool   // set just before the Parquet writer closes
	held []byte // what it wrote since
}

func (s *footerSink) Write(p []byte) (int, error) {
	if !s.hold {
		return s.w.Write(p)
	}
	s.held = append(s.held, p...)
	return len(p), nil
}

// finish canonicalises the footer at the end of what was held and writes
// it all on.
func (s *footerSink) finish() error {
	tail := s.held
	s.hold, s.held = false, nil
	if err := canonicalFooter(tail); err != nil {
		return err
	}
	_, err := s.w.Write(tail)
	return err
}

var errFooter = errors.New("internal error: Parquet footer not found where the writer put it")

// canonicalFooter sorts, in place, the encoding_stats of every column
// chunk in the footer that ends tail (footer, its length, "PAR1"). The
// sorted footer has the same length: the entries are only reordered.
func canonicalFooter(tail []byte) error {
	if len(tail) < 8 || !bytes.Equal(tail[len(tail)-4:], magicParquet) {
		return errFooter
	}
	n := int(binary.LittleEndian.Uint32(tail[len(tail)-8:]))
	if n > len(tail)-8 {
		return errFooter
	}
	footer := tail[len(tail)-8-n : len(tail)-8]
	md, err := metadata.NewFileMetaData(footer, nil)
	if err != nil {
		return fmt.Errorf("%w: %v", errFooter, err)
	}
	for _, rg := range md.RowGroups {
		for _, cc := range rg.Columns {
			if cc.MetaData == nil {
				continue
			}
			st := cc.MetaData.EncodingStats
			sort.SliceStable(st, func(i, j int) bool {
				// Dictionary pages first, then data pages, each by encoding.
				di, dj := st[i].PageType == file.PageTypeDictionaryPage, st[j].PageType == file.PageTypeDictionaryPage
				if di != dj {
					return di
				}
				if st[i].PageType != st[j].PageType {
					return st[i].PageType < st[j].PageType
				}
				return st[i].Encoding < st[j].Encoding
			})
		}
	}
	var out bytes.Buffer
	if _, err := md.WriteTo(&out, nil); err != nil {
		return fmt.Errorf("%w: %v", errFooter, err)
	}
	if out.Len() != n {
		return fmt.Errorf("%w: the sorted footer has %d bytes, not %d", errFooter, out.Len(), n)
	}
	copy(footer, out.Bytes())
	return nil
}
