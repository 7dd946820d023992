package formats

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// arrow-go trusts the vector lengths in an IPC schema's flatbuffer and
// allocates them before checking (a corrupt file can ask for terabytes, and
// the process dies rather than panics). checkSchemaMessage walks the
// flatbuffer of a Schema message (or of the file footer, which holds one)
// and refuses any vector that does not fit in the buffer, before arrow-go
// sees it.

var errCorruptSchema = errors.New("corrupt schema metadata")

type fbuf []byte

func (b fbuf) u32(off int) (int, bool) {
	if off < 0 || off+4 > len(b) {
		return 0, false
	}
	return int(binary.LittleEndian.Uint32(b[off:])), true
}

func (b fbuf) i32(off int) (int, bool) {
	if off < 0 || off+4 > len(b) {
		return 0, false
	}
	return int(int32(binary.LittleEndian.Uint32(b[off:]))), true
}

// field returns the absolute position of a table's slot, 0 if absent.
func (b fbuf) field(table, slot int) (int, bool) {
	soff, ok := b.i32(table)
	if !ok {
		return 0, false
	}
	vt := table - soff
	if vt < 0 || vt+4 > len(b) {
		return 0, false
	}
	vtLen := int(binary.LittleEndian.Uint16(b[vt:]))
	if vtLen < 4 || vt+vtLen > len(b) {
		return 0, false
	}
	at := 4 + 2*slot
	if at+2 > vtLen {
		return 0, true
	}
	rel := int(binary.LittleEndian.Uint16(b[vt+at:]))
	if rel == 0 {
		return 0, true
	}
	return table + rel, table+rel < len(b)
}

// deref follows a uoffset stored at pos.
func (b fbuf) deref(pos int) (int, bool) {
	rel, ok := b.u32(pos)
	if !ok || pos+rel >= len(b) {
		return 0, false
	}
	return pos + rel, true
}

// table returns the table a slot points to (0 if absent).
func (b fbuf) table(table, slot int) (int, bool) {
	pos, ok := b.field(table, slot)
	if !ok || pos == 0 {
		return 0, ok
	}
	return b.deref(pos)
}

// vector returns the start and length of a vector of elemSize-byte
// elements in a slot, checking that it fits.
func (b fbuf) vector(table, slot, elemSize int) (start, n int, ok bool) {
	pos, ok := b.field(table, slot)
	if !ok || pos == 0 {
		return 0, 0, ok
	}
	vec, ok := b.deref(pos)
	if !ok {
		return 0, 0, false
	}
	n, ok = b.u32(vec)
	if !ok || n > (len(b)-vec-4)/elemSize {
		return 0, 0, false
	}
	return vec + 4, n, true
}

// checkTableVector checks a vector of tables with check applied to each.
func (b fbuf) checkTableVector(table, slot int, check func(int) bool) bool {
	start, n, ok := b.vector(table, slot, 4)
	if !ok {
		return false
	}
	for i := 0; i < n; i++ {
		t, ok := b.deref(start + 4*i)
		if !ok || !check(t) {
			return false
		}
	}
	return true
}

func (b fbuf) checkKeyValues(table, slot int) bool {
	return b.checkTableVector(table, slot, func(kv int) bool {
		_, _, ok1 := b.vector(kv, 0, 1)
		_, _, ok2 := b.vector(kv, 1, 1)
		return ok1 && ok2
	})
}

// checkField checks a Field table and its children, to a bounded depth.
func (b fbuf) checkField(f, depth int) bool {
	if depth > 64 {
		return false
	}
	if _, _, ok := b.vector(f, 0, 1); !ok { // name
		return false
	}
	if _, ok := b.table(f, 3); !ok { // type
		return false
	}
	if d, ok := b.table(f, 4); !ok { // dictionary encoding
		return false
	} else if d != 0 {
		if _, ok := b.table(d, 1); !ok { // index type
			return false
		}
	}
	return b.checkTableVector(f, 5, func(c int) bool { return b.checkField(c, depth+1) }) &&
		b.checkKeyValues(f, 6)
}

// checkSchema checks a Schema table.
func (b fbuf) checkSchema(s int) bool {
	if _, _, ok := b.vector(s, 3, 8); !ok { // features
		return false
	}
	return b.checkTableVector(s, 1, func(f int) bool { return b.checkField(f, 0) }) &&
		b.checkKeyValues(s, 2)
}

// checkSchemaMessage checks the flatbuffer of an IPC Message whose header
// is a Schema.
func checkSchemaMessage(meta []byte) error {
	b := fbuf(meta)
	root, ok := b.deref(0)
	if !ok {
		return errCorruptSchema
	}
	hdr, ok := b.table(root, 2)
	if !ok || hdr == 0 || !b.checkSchema(hdr) || !b.checkKeyValues(root, 4) {
		return errCorruptSchema
	}
	return nil
}

// checkFooter checks the flatbuffer of an Arrow file's footer: its schema
// and its block vectors (24-byte structs).
func checkFooter(footer []byte) error {
	b := fbuf(footer)
	root, ok := b.deref(0)
	if !ok {
		return errCorruptSchema
	}
	s, ok := b.table(root, 1)
	if !ok || s == 0 || !b.checkSchema(s) {
		return errCorruptSchema
	}
	if _, _, ok := b.vector(root, 2, 24); !ok {
		return errCorruptSchema
	}
	if _, _, ok := b.vector(root, 3, 24); !ok {
		return errCorruptSchema
	}
	if !b.checkKeyValues(root, 4) {
		return errCorruptSchema
	}
	return nil
}

// checkStreamStart checks the first message of an Arrow stream, given the
// stream's first bytes (at least 8; as many as the message needs).
func checkStreamStart(head []byte) error {
	if len(head) >= 4 && binary.LittleEndian.Uint32(head) == 0xFFFFFFFF {
		head = head[4:]
	}
	if len(head) < 4 {
		return fmt.Errorf("%w: stream too short", errCorruptSchema)
	}
	n := int(int32(binary.LittleEndian.Uint32(head)))
	if n <= 0 || n > len(head)-4 {
		return fmt.Errorf("%w: schema message length %d", errCorruptSchema, n)
	}
	return checkSchemaMessage(head[4 : 4+n])
}
