package linkage

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/koble/koble/formats"
	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/refdate"
)

// plan is the validated shape of a prepare run: the input and output
// schemas, each output column's role, and the steps that make them.
type plan struct {
	cfg    *PrepareConfig
	in     *arrow.Schema
	out    *arrow.Schema
	idCol  int
	cols   []outColumn
	guard  []int // output columns the leak guard scans
	serial arrow.DataType
	// firsts are the PersonFirst groups: the columns, and after the first
	// pass each person's earliest day among them, keyed by serial prefix.
	firsts []personFirst
	// sliceKept: the output is CSV, which is encoded row by row, so the
	// rows kept are delivered as slices of the batch rather than copied.
	sliceKept bool
	// steps run on every batch in order; checks then run over the rows
	// delivered.
	steps, checks []step
	// textDates are the shifted date text columns of a CSV output, each
	// set once a value not written as YYYY-MM-DD is delivered (see
	// isoDateText).
	textDates map[string]*atomic.Bool
}

type personFirst struct {
	cols  []int
	first map[uint64]int32
}

// DefaultSerialColumn is the name of the serial column unless told.
const DefaultSerialColumn = "lnr"

// column roles in the output.
type role uint8

const (
	rolePass role = iota
	roleSerial
	roleShift
	roleRelative
	roleCoarsen
)

type outColumn struct {
	field     arrow.Field
	in        int // input column index
	role      role
	typed     bool  // roleShift: date text delivered as date32
	ref       int   // reference column index for roleRelative, or -1
	first     []int // PersonFirst columns for roleRelative
	group     int   // index into plan.firsts for PersonFirst
	precision refdate.Precision
}

// columns finds a config's columns in the input schema.
type columns struct {
	file  string
	index map[string]int
	names []string
}

func newColumns(file string, in *arrow.Schema) *columns {
	c := &columns{file: file, index: map[string]int{}, names: make([]string, in.NumFields())}
	for i, f := range in.Fields() {
		c.index[f.Name] = i
		c.names[i] = f.Name
	}
	return c
}

// need returns the index of col, named as what in the error if missing.
func (c *columns) need(what, col string) (int, error) {
	i, ok := c.index[col]
	if !ok {
		return 0, fmt.Errorf("linkage: %s: %s column %q: %w (it has %s)", c.file, what, col, formats.ErrMissingColumn, formats.ColumnList(c.names))
	}
	return i, nil
}

// roles says what happens to each input column, refusing a column given
// two jobs.
type roles struct {
	cols     *columns
	handled  map[int]string
	shift    map[int]bool
	kept     map[int]bool // dates delivered unshifted on purpose
	refs     map[int]bool // reference dates of relative dates, of any type
	relative map[int]relSpec
	coarsen  map[int]refdate.Precision
}

type relSpec struct {
	ref   int
	first []int
	group int
}

func (r *roles) mark(i int, how string) error {
	if prev, ok := r.handled[i]; ok {
		return fmt.Errorf("linkage: column %q is both %s and %s", r.cols.names[i], prev, how)
	}
	r.handled[i] = how
	return nil
}

// date finds a date column that is to be given role how ("" for a
// reference, which may serve several columns).
func (r *roles) date(in *arrow.Schema, what, col, how string) (int, error) {
	i, err := r.cols.need(what, col)
	if err != nil {
		return 0, err
	}
	if err := checkDateType(r.cols.file, in.Field(i)); err != nil {
		return 0, err
	}
	if how != "" {
		if err := r.mark(i, how); err != nil {
			return 0, err
		}
	}
	return i, nil
}

func (cfg *PrepareConfig) newPlan(in *arrow.Schema) (*plan, error) {
	p := &plan{cfg: cfg, in: in}
	cols := newColumns(cfg.In, in)
	var err error
	if p.idCol, err = cols.need("ID", cfg.IDColumn); err != nil {
		return nil, err
	}
	if len(cfg.Keep) > 0 && len(cfg.Drop) > 0 {
		return nil, errors.New("linkage: give columns to keep or to drop, not both")
	}
	r := &roles{cols: cols, handled: map[int]string{}, shift: map[int]bool{}, kept: map[int]bool{}, refs: map[int]bool{}, relative: map[int]relSpec{}, coarsen: map[int]refdate.Precision{}}
	r.mark(p.idCol, "the ID column")
	if err := p.dateRoles(r); err != nil {
		return nil, err
	}
	proj, err := cfg.projection(cols)
	if err != nil {
		return nil, err
	}
	serialName := cfg.SerialColumn
	if serialName == "" {
		serialName = DefaultSerialColumn
	}
	if j, clash := cols.index[serialName]; clash && j != p.idCol && proj.delivers(j) {
		return nil, fmt.Errorf("linkage: %s already has a column %q; name the serial column otherwise", cfg.In, serialName)
	}
	p.serial = arrow.BinaryTypes.String
	if cfg.Pseudonyms != nil && (cfg.SerialEncoding != pseudonym.EncodingBase32 || cfg.Series != nil) {
		return nil, errors.New("linkage: a pseudonymous register's extract delivers base32 project serials only")
	}
	if cfg.SerialEncoding == pseudonym.EncodingInt64 || cfg.Series != nil {
		p.serial = arrow.PrimitiveTypes.Int64
	}
	if err := p.outColumns(r, proj, serialName); err != nil {
		return nil, err
	}
	p.buildSteps()
	return p, nil
}

// dateRoles finds the shifted, relative and coarsened date columns.
func (p *plan) dateRoles(r *roles) error {
	cfg := p.cfg
	for _, c := range cfg.Shift {
		i, err := r.date(p.in, "date", c, "shifted")
		if err != nil {
			return err
		}
		r.shift[i] = true
	}
	if len(cfg.Unshifted) > 0 && len(cfg.Shift) == 0 {
		return errors.New("linkage: dates to deliver unshifted are listed, but no date is shifted")
	}
	for _, c := range cfg.Unshifted {
		i, err := r.date(p.in, "unshifted date", c, "delivered unshifted")
		if err != nil {
			return err
		}
		r.kept[i] = true
	}
	for _, rel := range cfg.Relative {
		spec, err := p.relativeSpec(r, rel)
		if err != nil {
			return err
		}
		for _, c := range rel.Columns {
			i, err := r.date(p.in, "date", c, "relative")
			if err != nil {
				return err
			}
			r.relative[i] = spec
		}
	}
	for _, c := range cfg.Coarsen {
		i, err := r.date(p.in, "date", c.Column, "coarsened")
		if err != nil {
			return err
		}
		r.coarsen[i] = c.Precision
	}
	return nil
}

// relativeSpec finds a relative date's reference: a column, or a new
// PersonFirst group.
func (p *plan) relativeSpec(r *roles, rel Relative) (relSpec, error) {
	spec := relSpec{ref: -1}
	switch {
	case rel.Reference != "" && len(rel.PersonFirst) > 0:
		return spec, errors.New("linkage: a relative date counts from a Reference column or from PersonFirst, not both")
	case rel.Reference != "":
		ref, err := r.date(p.in, "reference date", rel.Reference, "")
		if err != nil {
			return spec, err
		}
		spec.ref = ref
		r.refs[ref] = true
	case len(rel.PersonFirst) > 0:
		if p.cfg.In == "-" {
			return spec, errors.New("linkage: a person's earliest date needs two passes over the input: give a file, not standard input")
		}
		for _, c := range rel.PersonFirst {
			i, err := r.date(p.in, "reference date", c, "")
			if err != nil {
				return spec, err
			}
			spec.first = append(spec.first, i)
			r.refs[i] = true
		}
		spec.group = len(p.firsts)
		p.firsts = append(p.firsts, personFirst{cols: spec.first})
	default:
		return spec, errors.New("linkage: a relative date needs a reference")
	}
	return spec, nil
}

// outColumns lays out the output: the serial at the ID column's place,
// the other delivered columns in input order with their roles; columns
// passed through go to the leak guard unless allowed.
func (p *plan) outColumns(r *roles, proj projection, serialName string) error {
	var fields []arrow.Field
	var loose []string // dates that would go out unshifted beside shifted ones
	for i, f := range p.in.Fields() {
		oc := outColumn{in: i, field: f}
		switch {
		case i == p.idCol:
			oc.role = roleSerial
			oc.field = arrow.Field{Name: serialName, Type: p.serial, Nullable: false}
		case !proj.delivers(i):
			continue
		case r.shift[i]:
			oc.role = roleShift
			if p.typedDates(f) {
				oc.typed = true
				oc.field = arrow.Field{Name: f.Name, Type: arrow.FixedWidthTypes.Date32, Nullable: true}
			}
		case r.coarsen[i] != 0:
			oc.role, oc.precision = roleCoarsen, r.coarsen[i]
			oc.field = arrow.Field{Name: f.Name, Type: refdate.CoarsenType(r.coarsen[i]), Nullable: true}
		default:
			if spec, ok := r.relative[i]; ok {
				oc.role, oc.ref, oc.first, oc.group = roleRelative, spec.ref, spec.first, spec.group
				oc.field = arrow.Field{Name: f.Name, Type: arrow.PrimitiveTypes.Int32, Nullable: true}
			}
		}
		if oc.role == rolePass && len(p.cfg.Shift) > 0 && (isDate(f.Type) || r.refs[i]) && !r.kept[i] {
			loose = append(loose, f.Name)
		}
		if oc.role == rolePass && !proj.allow[f.Name] {
			if sensitiveName(f.Name) {
				return &LeakError{File: p.cfg.In, Column: f.Name, Name: true}
			}
			p.guard = append(p.guard, len(p.cols))
		}
		p.cols = append(p.cols, oc)
		fields = append(fields, oc.field)
	}
	if len(loose) > 0 {
		return &UnshiftedDateError{File: p.cfg.In, Columns: loose, Shifted: p.cfg.Shift}
	}
	p.out = arrow.NewSchema(fields, nil)
	return nil
}

// buildSteps lists the plan's steps: the serials, the date offsets if
// any column is shifted, one step per output column in order, then the
// person statistics and the leak guard over the rows delivered.
func (p *plan) buildSteps() {
	p.steps = []step{serialStep{p}}
	if len(p.cfg.Shift) > 0 {
		p.steps = append(p.steps, offsetsStep{p})
	}
	for k, oc := range p.cols {
		var s step
		switch oc.role {
		case rolePass:
			s = passStep{p: p, k: k, in: oc.in}
		case roleSerial:
			s = serialColumn{p: p, k: k}
		case roleShift:
			s = p.newShiftStep(k, oc)
		case roleRelative:
			s = relativeStep{p: p, k: k, oc: oc}
		case roleCoarsen:
			s = coarsenStep{p: p, k: k, oc: oc}
		}
		p.steps = append(p.steps, s)
	}
	p.checks = []step{personsStep{}, guardStep{p}}
}

func checkDateType(file string, f arrow.Field) error {
	switch f.Type.ID() {
	case arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP, arrow.STRING:
		return nil
	}
	return fmt.Errorf("linkage: %s: column %q is %s, not a date (want a date, timestamp or date strings)", file, f.Name, f.Type)
}
