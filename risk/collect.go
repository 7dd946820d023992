package risk

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// DefaultK is the threshold unless told otherwise: every person must share
// the quasi-identifiers with at least 4 others.
const DefaultK = 5

// KPresets are the thresholds a plan names by preset.
var KPresets = []int{3, 5, 10}

// DefaultBound is the most distinct quasi-identifier combinations kept per
// person unless told otherwise.
const DefaultBound = 64

// Config says what to measure. Fields are fixed before the first call of
// [Collector.Add].
type Config struct {
	// Person is the column that names the person (the project serial).
	Person string
	// QI are the quasi-identifier columns, in report order.
	QI []string
	// Mode combines a person's values over their rows (Combination if
	// zero).
	Mode Mode
	// K is the threshold: a person is at risk in a class of fewer than K
	// persons (DefaultK if zero).
	K int
	// Sensitive, if set, is a column whose l-diversity is measured.
	Sensitive string
	// Bound limits what is kept per person (DefaultBound if zero; at most
	// 128): in mode every the distinct combinations, in mode combination
	// the distinct values over all columns, Bound a column (at most 254 in
	// all). Persons past it are counted apart, as at risk.
	Bound int
	// Ladders are the generalisation ladders by QI name; a QI without one
	// gets [GuessLadder]'s.
	Ladders map[string]Ladder
	// Frame, if not nil, gives population counts per combination.
	Frame *Frame
	// PopulationSize, if positive, is the number of persons in the
	// population the delivery is drawn from (for the estimator when there
	// is no frame). Zero assumes the delivery is the whole population.
	PopulationSize int64
	// MaxSearch bounds the generalisations tried for suggestions (200 if
	// zero; negative: none).
	MaxSearch int
	// TempDir is where what is kept per person goes once it outgrows
	// memory (os.TempDir if empty). The files are removed by
	// [Collector.Result] and [Collector.Close].
	TempDir string

	tapeLimit int // bytes a tape keeps in memory (tapeMemory if zero)
}

// ErrConfig is wrapped by errors in a Config.
var ErrConfig = errors.New("risk: invalid configuration")

func (c *Config) normalise() error {
	if c.Person == "" {
		return fmt.Errorf("%w: no person column", ErrConfig)
	}
	if len(c.QI) == 0 {
		return fmt.Errorf("%w: no quasi-identifier columns", ErrConfig)
	}
	seen := map[string]bool{c.Person: true}
	for _, q := range c.QI {
		if seen[q] {
			return fmt.Errorf("%w: column %q named twice (person and quasi-identifiers must differ)", ErrConfig, q)
		}
		seen[q] = true
	}
	if c.Sensitive != "" && seen[c.Sensitive] {
		return fmt.Errorf("%w: sensitive column %q is also the person or a quasi-identifier", ErrConfig, c.Sensitive)
	}
	if c.K == 0 {
		c.K = DefaultK
	}
	if c.K < 2 {
		return fmt.Errorf("%w: k = %d: want 2 or more", ErrConfig, c.K)
	}
	if c.Bound == 0 {
		c.Bound = DefaultBound
	}
	if c.Bound < 1 || c.Bound > 128 {
		return fmt.Errorf("%w: bound %d: want 1 to 128 combinations per person", ErrConfig, c.Bound)
	}
	if c.Mode == First {
		c.Bound = 1
	}
	if c.MaxSearch == 0 {
		c.MaxSearch = 200
	}
	if c.tapeLimit == 0 {
		c.tapeLimit = tapeMemory
	}
	if c.PopulationSize < 0 {
		return fmt.Errorf("%w: population size %d is negative", ErrConfig, c.PopulationSize)
	}
	if c.Frame != nil && !slices.Equal(c.Frame.qi, c.QI) {
		return fmt.Errorf("%w: the population frame's columns %s are not the quasi-identifiers %s", ErrConfig, strings.Join(c.Frame.qi, ", "), strings.Join(c.QI, ", "))
	}
	for q := range c.Ladders {
		if !seen[q] || q == c.Person {
			return fmt.Errorf("%w: ladder for %q, which is not a quasi-identifier", ErrConfig, q)
		}
	}
	return nil
}

// Collector gathers, batch by batch, each person's distinct combinations
// of quasi-identifier values. Memory grows with the number of persons
// (about 14 bytes each while reading) and the distinct values, not with
// rows; what each person shows goes to temporary files past a few tens of
// megabytes (see [spill]). A Collector is used from one goroutine; call
// [Collector.Close] when giving up before [Collector.Result].
type Collector struct {
	cfg     Config
	cols    []string // QIs, then the sensitive column if any
	dicts   []*dict
	persons *keyTable
	store   *spill
	tuples  *tupleTable
	rows    int64
	noPers  int64
	seen    []bool // by column: some batch had it
	ladders []Ladder
	levels  map[levelKey]*levelMap
	// keepTapes keeps what was kept per person past Result, for tests
	// that measure again; Close removes it.
	keepTapes bool

	// scratch, per batch
	ids  [][]uint32
	keys []uint64
	ok   []bool
	tup  []uint32
}

// New returns a collector for cfg.
func New(cfg Config) (*Collector, error) {
	if err := cfg.normalise(); err != nil {
		return nil, err
	}
	c := &Collector{cfg: cfg, persons: newKeyTable()}
	c.cols = append(c.cols, cfg.QI...)
	if cfg.Sensitive != "" {
		c.cols = append(c.cols, cfg.Sensitive)
	}
	bound := cfg.Bound
	if cfg.Mode == Combination {
		bound = min(maxEntries, bound*len(c.cols))
	}
	c.store = newSpill(bound, cfg.TempDir, cfg.tapeLimit)
	for range c.cols {
		c.dicts = append(c.dicts, newDict())
	}
	c.tuples = newTupleTable(len(c.cols))
	c.ids = make([][]uint32, len(c.cols))
	c.tup = make([]uint32, len(c.cols))
	c.seen = make([]bool, len(c.cols))
	return c, nil
}

// Add counts a batch, which must have the person column, every
// quasi-identifier and the sensitive column if one is named. The batch is
// not retained.
func (c *Collector) Add(batch arrow.RecordBatch) error {
	return c.add(batch, true)
}

// AddSource counts a batch of one source of a joined view (deliveries the
// researcher can join on the serial): the quasi-identifiers and sensitive
// column it lacks are left to other sources (a source with none of them
// still adds its persons, with no values). Only the combination mode
// joins sources, since the other modes combine values row by row.
func (c *Collector) AddSource(batch arrow.RecordBatch) error {
	if c.cfg.Mode != Combination {
		return fmt.Errorf("%w: a joined view of several sources needs mode combination, not %s", ErrConfig, c.cfg.Mode)
	}
	return c.add(batch, false)
}

func (c *Collector) add(batch arrow.RecordBatch, needAll bool) error {
	sc := batch.Schema()
	pi := sc.FieldIndices(c.cfg.Person)
	if len(pi) == 0 {
		return fmt.Errorf("risk: no person column %q (columns: %s)", c.cfg.Person, columnList(sc))
	}
	n := int(batch.NumRows())
	c.keys = grow(c.keys, n)
	c.ok = grow(c.ok, n)
	personKeys(batch.Column(pi[0]), c.keys, c.ok)
	present := 0
	for j, name := range c.cols {
		c.ids[j] = grow(c.ids[j], n)
		fi := sc.FieldIndices(name)
		if len(fi) == 0 {
			if needAll {
				return fmt.Errorf("risk: no column %q (columns: %s)", name, columnList(sc))
			}
			for i := range c.ids[j] {
				c.ids[j][i] = absentID
			}
			continue
		}
		present++
		c.seen[j] = true
		c.dicts[j].fill(batch.Column(fi[0]), c.ids[j])
	}
	if present == 0 && needAll {
		return fmt.Errorf("risk: the batch has none of the columns %s", strings.Join(c.cols, ", "))
	}
	c.rows += int64(n)
	if c.cfg.Mode == Combination {
		for j, d := range c.dicts {
			if len(d.vals) > maxValues {
				return fmt.Errorf("risk: column %q has more than %d different values: it cannot be a quasi-identifier", c.cols[j], maxValues)
			}
		}
		return c.addValues(n)
	}
	return c.addTuples(n)
}

// maxEntries is the most entries kept per person.
const maxEntries = 254

// In mode combination a person's entries are (column, value id) pairs,
// the column in the top bits.
const (
	colShift  = 27
	maxValues = 1 << colShift
	valueMask = maxValues - 1
)

// addValues records each row's values per column (mode combination): a
// person's entries are the distinct values of each column over their rows.
func (c *Collector) addValues(n int) error {
	have, last, p := false, uint64(0), uint32(0)
	for i := range n {
		if !c.ok[i] {
			c.noPers++
			continue
		}
		same := have && c.keys[i] == last
		if !same {
			p, _ = c.person(c.keys[i])
			have, last = true, c.keys[i]
		}
		for j, ids := range c.ids {
			v := ids[i]
			if v == absentID || (same && v == c.tup[j]) {
				continue // absent, or as on the person's previous row
			}
			if err := c.store.add(p, uint32(j)<<colShift|v); err != nil {
				return err
			}
		}
		for j, ids := range c.ids {
			c.tup[j] = ids[i]
		}
	}
	return nil
}

// addTuples records each row's combination of values (modes first and
// every; mode first only the person's first row).
func (c *Collector) addTuples(n int) error {
	have, last, p, prev := false, uint64(0), uint32(0), noClass
	for i := range n {
		if !c.ok[i] {
			c.noPers++
			continue
		}
		same := have && c.keys[i] == last
		added := false
		if !same {
			p, added = c.person(c.keys[i])
			have, last = true, c.keys[i]
		}
		if c.cfg.Mode == First && !added {
			continue
		}
		for j := range c.tup {
			c.tup[j] = c.ids[j][i]
		}
		t := c.tuples.id(c.tup)
		if same && t == prev {
			continue // as on the person's previous row
		}
		prev = t
		if err := c.store.add(p, t); err != nil {
			return err
		}
	}
	return nil
}

// person returns the index of the person with key k, adding the person if
// new; added tells which.
func (c *Collector) person(k uint64) (uint32, bool) {
	id, added := c.persons.id(k)
	if added {
		c.store.addPerson()
	}
	return id, added
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

func columnList(sc *arrow.Schema) string {
	names := make([]string, sc.NumFields())
	for i, f := range sc.Fields() {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}
