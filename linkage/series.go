package linkage

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"filippo.io/age"

	"github.com/koble/koble/pseudonym"
)

// seriesKey identifies a person in a Series: the first 128 bits of the
// keyed serial (collisions among 20 million persons: p < 6e-25).
type seriesKey [16]byte

// Series is a dense serial series: the persons of a centralised linkage
// numbered 1..N in an order derived from the project's order key, so that
// the numbering reveals nothing about birth dates, national IDs or the
// order of the sources. It is read-only once built and then safe for
// concurrent use.
type Series struct {
	numbers map[seriesKey]int64
	ids     map[seriesKey]pseudonym.ID // the national ID of each person, for the serial key file
	// absent are the persons of the previous serial key file who are not
	// in this sample: they keep their numbers in the serial key file (a
	// number is never given to another person) but their rows are not
	// delivered.
	absent map[seriesKey]struct{}
	next   int64
}

// Len returns the number of persons in the series, those of the previous
// serial key file included.
func (s *Series) Len() int { return len(s.numbers) }

// Number returns the person's number, if the person is in the sample.
func (s *Series) Number(ser *pseudonym.Serial) (int64, bool) {
	var k seriesKey
	copy(k[:], ser[:16])
	if _, out := s.absent[k]; out {
		return 0, false
	}
	n, ok := s.numbers[k]
	return n, ok
}

// seriesBuilder collects the persons of a sample before they are numbered.
type seriesBuilder struct {
	persons map[seriesKey]pseudonym.ID
}

func newSeriesBuilder() *seriesBuilder {
	return &seriesBuilder{persons: map[seriesKey]pseudonym.ID{}}
}

func (b *seriesBuilder) add(ser *pseudonym.Serial, id pseudonym.ID) {
	var k seriesKey
	copy(k[:], ser[:16])
	b.persons[k] = id
}

// build numbers the persons. Persons in previous keep their numbers; the
// others get previous.next onwards, in the order of HMAC(order key, key).
// Persons in previous but not in the sample stay in the series, absent.
func (b *seriesBuilder) build(orderKey []byte, previous *Series) *Series {
	mac := hmac.New(sha256.New, orderKey)
	return b.buildRanked(func(k seriesKey) uint64 {
		mac.Reset()
		mac.Write(k[:])
		return binary.BigEndian.Uint64(mac.Sum(nil))
	}, previous)
}

// buildRanked numbers the persons as build does, new persons in the order
// of rank (SPEC.md §7 with the project key, §9.8 with the service), ties
// broken by the key.
func (b *seriesBuilder) buildRanked(rank func(seriesKey) uint64, previous *Series) *Series {
	s := &Series{numbers: map[seriesKey]int64{}, ids: map[seriesKey]pseudonym.ID{}, absent: map[seriesKey]struct{}{}, next: 1}
	if previous != nil {
		for k, n := range previous.numbers {
			s.numbers[k] = n
			s.ids[k] = previous.ids[k]
			if _, in := b.persons[k]; !in {
				s.absent[k] = struct{}{}
			}
		}
		s.next = previous.next
	}
	type ranked struct {
		rank uint64
		key  seriesKey
	}
	var fresh []ranked
	for k, id := range b.persons {
		if _, seen := s.numbers[k]; seen {
			continue
		}
		fresh = append(fresh, ranked{rank(k), k})
		s.ids[k] = id
	}
	sort.Slice(fresh, func(i, j int) bool {
		if fresh[i].rank != fresh[j].rank {
			return fresh[i].rank < fresh[j].rank
		}
		return string(fresh[i].key[:]) < string(fresh[j].key[:])
	})
	for _, f := range fresh {
		s.numbers[f.key] = s.next
		s.next++
	}
	return s
}

// serialKeyHeader starts every serial key file's plaintext.
const serialKeyHeader = "koble-serial-key-file: 1"

// WriteSerialKey writes the series' serial key (national ID <-> number) to
// w, age-encrypted to the recipients: the only file of a centralised
// linkage that holds national IDs, and never in clear. The plaintext is a
// header line, a "project:" line, then "serial,canonical ID" lines in
// serial order.
func (s *Series) WriteSerialKey(w io.Writer, project string, recipients ...age.Recipient) error {
	if len(recipients) == 0 {
		return errors.New("linkage: the serial key file needs at least one recipient")
	}
	enc, err := age.Encrypt(w, recipients...)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(enc)
	fmt.Fprintf(bw, "%s\nproject: %s\n", serialKeyHeader, project)
	type row struct {
		n  int64
		id pseudonym.ID
	}
	rows := make([]row, 0, len(s.numbers))
	for k, n := range s.numbers {
		rows = append(rows, row{n, s.ids[k]})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].n < rows[j].n })
	var buf []byte
	for _, r := range rows {
		buf = strconv.AppendInt(buf[:0], r.n, 10)
		buf = append(buf, ',')
		buf = r.id.AppendCanonical(buf)
		buf = append(buf, '\n')
		bw.Write(buf)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return enc.Close()
}

// ReadSerialKey reads a serial key file written by WriteSerialKey, for the
// next delivery of the same project: persons in it keep their numbers.
// The serials are recomputed with serials, so a key file of another project
// is refused.
func ReadSerialKey(r io.Reader, project string, serials *pseudonym.Serials, identities ...age.Identity) (*Series, error) {
	entries, err := readSerialKeyEntries(r, project, identities...)
	if err != nil {
		return nil, err
	}
	s := &Series{numbers: map[seriesKey]int64{}, ids: map[seriesKey]pseudonym.ID{}, next: 1}
	for _, e := range entries {
		ser := serials.Compute(e.id)
		s.put(SeriesKeyOf(&ser), e)
	}
	return s, nil
}

// numbered is one line of a serial key file: a person's number and ID.
type numbered struct {
	n  int64
	id pseudonym.ID
}

// put adds a person of a previous serial key file under the key k.
func (s *Series) put(k seriesKey, e numbered) {
	s.numbers[k] = e.n
	s.ids[k] = e.id
	if e.n >= s.next {
		s.next = e.n + 1
	}
}

// readSerialKeyEntries decrypts a serial key file and returns its lines,
// refusing a person (a canonical ID) or a number listed twice.
func readSerialKeyEntries(r io.Reader, project string, identities ...age.Identity) ([]numbered, error) {
	dr, err := pseudonym.Decrypt(r, "serial key file", identities...)
	if err != nil {
		return nil, fmt.Errorf("linkage: %w", err)
	}
	sc := bufio.NewScanner(dr)
	sc.Buffer(make([]byte, 4096), 1<<16)
	line := 0
	next := func() (string, bool) {
		if !sc.Scan() {
			return "", false
		}
		line++
		return sc.Text(), true
	}
	if h, _ := next(); h != serialKeyHeader {
		return nil, errors.New("linkage: not a koble serial key file")
	}
	if p, _ := next(); p != "project: "+project {
		return nil, fmt.Errorf("linkage: the serial key file belongs to another project, not %q", project)
	}
	var out []numbered
	persons, numbers := map[string]struct{}{}, map[int64]struct{}{}
	for {
		text, ok := next()
		if !ok {
			break
		}
		num, canon, ok := strings.Cut(text, ",")
		n, err := strconv.ParseInt(num, 10, 64)
		// A number is written in decimal with no sign or leading zero.
		if !ok || err != nil || n < 1 || strconv.FormatInt(n, 10) != num {
			return nil, fmt.Errorf("linkage: serial key file, line %d: malformed", line)
		}
		id, err := ParseStoredID([]byte(canon))
		if err != nil {
			return nil, fmt.Errorf("linkage: serial key file, line %d: %w", line, err)
		}
		c := string(id.AppendCanonical(nil))
		if _, dup := persons[c]; dup {
			return nil, fmt.Errorf("linkage: serial key file, line %d: a person appears twice", line)
		}
		if _, dup := numbers[n]; dup {
			return nil, fmt.Errorf("linkage: serial key file, line %d: a number appears twice", line)
		}
		persons[c], numbers[n] = struct{}{}, struct{}{}
		out = append(out, numbered{n, id})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("linkage: serial key file is damaged or tampered with: %w", err)
	}
	return out, nil
}

// storedIDs is the reference date for canonical IDs read back from a
// koble file (a serial key file, a request): their birth dates were
// checked against the reference date of the run that wrote them, so no
// date is refused as lying in the future.
var storedIDs = pseudonym.FarFuture

// ParseStoredID parses an ID in canonical form ("scheme:digits", as
// [pseudonym.ID.AppendCanonical] writes it) that koble itself stored (a
// serial key file, a sealed intermediate of another engine). Errors never
// quote the input.
func ParseStoredID(canonical []byte) (pseudonym.ID, error) {
	scheme, digits, ok := strings.Cut(string(canonical), ":")
	if !ok {
		return pseudonym.ID{}, errors.New("malformed")
	}
	sch, err := pseudonym.SchemeByCode(scheme)
	if err != nil {
		// Not quoted: a damaged line may hold an identity number.
		return pseudonym.ID{}, errors.New("unknown identity scheme")
	}
	if scheme == "no" {
		sch = pseudonym.Norway{AllowSynthetic: true}
	}
	id, reason := pseudonym.WithReference(sch, storedIDs).Parse([]byte(digits))
	if reason != pseudonym.ReasonNone {
		return pseudonym.ID{}, fmt.Errorf("invalid identity number (%s)", reason)
	}
	return id, nil
}
