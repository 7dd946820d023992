package linkage

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/koble/koble/delivery"
	"github.com/koble/koble/formats"
	"github.com/koble/koble/pseudonym"
)

// Linkage through a pseudonymous register (variants c and d):
//
//	sample definer            pseudonym administrator          pseudonymous register
//	(ID, serial) ──request, age→admin──> ID → register pseudonym
//	                                     (pseudonym, serial) ──answer, age→register──> rows of those
//	                 <──unmatched count, age→definer──                                  pseudonyms,
//	                                                                                    labelled with serials
//
// Every file between the parties is age-encrypted to its one reader; its
// header (inside the encryption, so authenticated with it) names the
// project, the plan's fingerprint, the sender's role and the kind of file,
// and a party refuses a file made for another project, plan or party.

// Message kinds and roles.
const (
	KindRequest   = "request"
	KindAnswer    = "answer"
	KindUnmatched = "unmatched"

	RoleDefiner       = "sample-definer"
	RoleAdministrator = "pseudonym-administrator"
)

const messageVersion = "koble-pseudoreg: 1"

// MessageHeader is the authenticated header of a pseudoreg file.
type MessageHeader struct {
	Kind    string
	Project string
	Plan    string // the plan's fingerprint
	From    string // the sender's role
	Created time.Time
	// ID is a fresh random id of each file.
	ID string
	// Request names the request an answer or an unmatched count answers:
	// its id, the SHA-256 of its (encrypted) file, and when it was made.
	Request RequestRef
}

// PlanFingerprint identifies a plan file's exact content (the first 16
// bytes of its SHA-256, hex): a file made under an older plan is refused.
func PlanFingerprint(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return PlanTextFingerprint(b), nil
}

// PlanTextFingerprint is [PlanFingerprint] of a plan file's bytes.
func PlanTextFingerprint(text []byte) string {
	sum := sha256.Sum256(text)
	return hex.EncodeToString(sum[:16])
}

// writeMessage streams a header and "a,b" rows, age-encrypted to the
// recipients, into an atomic file: the plaintext never touches the disk.
func writeMessage(path string, h MessageHeader, rows func(emit func(a, b string) error) error, overwrite bool, recipients ...age.Recipient) error {
	if len(recipients) == 0 {
		return fmt.Errorf("linkage: %s: no recipient to encrypt to", path)
	}
	f, err := formats.CreateAtomic(path, overwrite)
	if err != nil {
		return err
	}
	enc, err := age.Encrypt(f, recipients...)
	if err != nil {
		f.Abort()
		return err
	}
	bw := bufio.NewWriterSize(enc, 1<<16)
	if h.ID == "" {
		if h.ID, err = newMessageID(); err != nil {
			f.Abort()
			return err
		}
	}
	fmt.Fprintf(bw, "%s\nkind: %s\nproject: %s\nplan: %s\nfrom: %s\ncreated: %s\nid: %s\n%s\n", messageVersion, h.Kind, h.Project, h.Plan, h.From,
		h.Created.UTC().Format(time.RFC3339), h.ID, h.Request.headerLines())
	err = rows(func(a, b string) error {
		_, err := fmt.Fprintf(bw, "%s,%s\n", a, b)
		return err
	})
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = enc.Close()
	}
	if err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

// readMessage decrypts a pseudoreg file, checks its header against want
// (kind, project, plan and sender must match) and calls row for each line.
func readMessage(path string, want MessageHeader, identities []age.Identity, row func(a, b string) error) (MessageHeader, error) {
	var h MessageHeader
	f, err := os.Open(path)
	if err != nil {
		return h, fmt.Errorf("linkage: %w", err)
	}
	defer f.Close()
	dr, err := pseudonym.Decrypt(f, "pseudoreg file", identities...)
	if err != nil {
		return h, fmt.Errorf("linkage: %s: %w", path, err)
	}
	sc := bufio.NewScanner(dr)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	fields := map[string]string{}
	line := 0
	for sc.Scan() {
		line++
		t := sc.Text()
		if line == 1 {
			if t != messageVersion {
				return h, fmt.Errorf("linkage: %s: not a koble pseudoreg file", path)
			}
			continue
		}
		if t == "" {
			break
		}
		k, v, ok := strings.Cut(t, ": ")
		if !ok {
			return h, fmt.Errorf("linkage: %s: malformed header", path)
		}
		fields[k] = v
	}
	if err := sc.Err(); err != nil || line == 0 {
		return h, damaged(path, err)
	}
	h = MessageHeader{Kind: fields["kind"], Project: fields["project"], Plan: fields["plan"], From: fields["from"], ID: fields["id"]}
	h.Created, _ = time.Parse(time.RFC3339, fields["created"])
	h.Request = parseRequestRef(fields)
	switch {
	case h.Kind == "":
		return h, fmt.Errorf("linkage: %s: its header names no kind of file: damaged or not made by koble", path)
	case h.Kind != want.Kind:
		return h, fmt.Errorf("linkage: %s is a %s file, not a %s file", path, h.Kind, want.Kind)
	case h.Project != want.Project:
		return h, fmt.Errorf("linkage: %s was made for project %q, not %q: refused", path, h.Project, want.Project)
	case h.Plan != want.Plan:
		return h, fmt.Errorf("linkage: %s was made under another version of the plan (fingerprint %s, this plan %s): refused", path, h.Plan, want.Plan)
	case want.From != "" && h.From != want.From:
		return h, fmt.Errorf("linkage: %s comes from %q, not %q: refused", path, h.From, want.From)
	}
	for sc.Scan() {
		line++
		a, b, ok := strings.Cut(sc.Text(), ",")
		if !ok {
			return h, fmt.Errorf("linkage: %s, line %d: malformed", path, line)
		}
		if err := row(a, b); err != nil {
			return h, err
		}
	}
	if err := sc.Err(); err != nil {
		return h, damaged(path, err)
	}
	return h, nil
}

// RequestConfig makes the sample definer's request.
type RequestConfig struct {
	Plan     *Plan
	PlanFile string
	Key      *pseudonym.Key // the project key
	// Evaluator, with a plan whose [serials] source is "oprf", gets the
	// sample's serials from the service instead of Key, which is then nil
	// (SPEC.md §9.9).
	Evaluator Evaluator
	// Administrator is the pseudonym administrator's recipient.
	Administrator []age.Recipient
	Out           string
	Overwrite     bool
}

// Request turns the plan's sample into an encrypted request of (national
// ID, project serial) pairs for the administrator. It returns the number of
// persons.
func Request(ctx context.Context, cfg RequestConfig) (int, error) {
	p := cfg.Plan
	if p.Sample == nil {
		return 0, fmt.Errorf("linkage: plan %s has no [sample] to request", p.file)
	}
	fp, err := PlanFingerprint(cfg.PlanFile)
	if err != nil {
		return 0, err
	}
	persons, err := p.requestPersons(ctx, cfg)
	if err != nil {
		return 0, err
	}
	h := MessageHeader{Kind: KindRequest, Project: p.Project, Plan: fp, From: RoleDefiner, Created: clock()}
	var buf []byte
	err = writeMessage(cfg.Out, h, func(emit func(a, b string) error) error {
		for _, person := range persons {
			buf = person.id.AppendCanonical(buf[:0])
			if err := emit(string(buf), person.serial.String()); err != nil {
				return err
			}
		}
		return nil
	}, cfg.Overwrite, cfg.Administrator...)
	return len(persons), err
}

// requestPersons returns the sample's persons with their project serials,
// by serial: computed with the project key, or obtained from the service.
func (p *Plan) requestPersons(ctx context.Context, cfg RequestConfig) ([]obliviousPerson, error) {
	if err := p.checkKeyHolder(cfg.Key != nil); err != nil {
		return nil, err
	}
	var out []obliviousPerson
	switch {
	case cfg.Key != nil:
		b, err := p.buildSample(ctx, cfg.Key)
		if err != nil {
			return nil, err
		}
		serials := cfg.Key.Serials(pseudonym.SerialOptions{})
		for _, id := range b.persons {
			out = append(out, obliviousPerson{id: id, serial: serials.Compute(id)})
		}
	case cfg.Evaluator != nil:
		sample, err := p.obliviousSample(ctx, cfg.Evaluator)
		if err != nil {
			return nil, err
		}
		for _, person := range sample {
			out = append(out, person)
		}
	default:
		return nil, errors.New("linkage: the request needs the project key or the oblivious-serial service")
	}
	sort.Slice(out, func(i, j int) bool { return string(out[i].serial[:]) < string(out[j].serial[:]) })
	return out, nil
}

// TranslateConfig is the administrator's translation.
type TranslateConfig struct {
	Request     string
	Project     string
	Plan        string // fingerprint
	Identities  []age.Identity
	RegisterKey *pseudonym.Key // the pseudonymous register's key
	Register    []age.Recipient
	Definer     []age.Recipient
	Out         string // the answer, for the register
	Unmatched   string // the count of untranslatable IDs, for the definer
	Overwrite   bool
	// MaxAge refuses a request older than this ([DefaultMaxAge] if zero).
	MaxAge time.Duration
}

// TranslateReport counts a translation; it never lists an ID.
type TranslateReport struct {
	Requested    int `json:"requested"`
	Translated   int `json:"translated"`
	Untranslated int `json:"untranslated"`
}

// Translate maps each requested national ID to the register's pseudonym
// (the serial under the register's key: the same derivation prepare applies
// when the register's data are pseudonymised) and writes the answer of
// (pseudonym, project serial) pairs for the register, and the count of IDs
// it could not translate for the definer, both encrypted.
func Translate(cfg TranslateConfig) (*TranslateReport, error) {
	rep := &TranslateReport{}
	regSerials := cfg.RegisterKey.Serials(pseudonym.SerialOptions{})
	type pair struct{ pseudonym, serial string }
	var pairs []pair
	var untranslated int
	reqSum, err := requestHash(cfg.Request)
	if err != nil {
		return nil, err
	}
	reqHeader, err := readMessage(cfg.Request, MessageHeader{Kind: KindRequest, Project: cfg.Project, Plan: cfg.Plan, From: RoleDefiner}, cfg.Identities, func(canon, serial string) error {
		rep.Requested++
		scheme, digits, ok := strings.Cut(canon, ":")
		sch, err := pseudonym.SchemeByCode(scheme)
		if !ok || err != nil {
			untranslated++
			return nil
		}
		id, reason := pseudonym.WithReference(sch, storedIDs).Parse([]byte(digits))
		if reason != pseudonym.ReasonNone {
			untranslated++
			return nil
		}
		pairs = append(pairs, pair{regSerials.Compute(id).String(), serial})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if cfg.MaxAge == 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	if err := checkAge(cfg.Request, "it was made", reqHeader.Created, cfg.MaxAge); err != nil {
		return nil, err
	}
	rep.Translated, rep.Untranslated = len(pairs), untranslated
	sort.Slice(pairs, func(i, j int) bool { return pairs[i].pseudonym < pairs[j].pseudonym })
	h := MessageHeader{Kind: KindAnswer, Project: cfg.Project, Plan: cfg.Plan, From: RoleAdministrator, Created: clock(),
		Request: RequestRef{ID: reqHeader.ID, SHA256: reqSum, Created: reqHeader.Created}}
	if err := writeMessage(cfg.Out, h, func(emit func(a, b string) error) error {
		for _, p := range pairs {
			if err := emit(p.pseudonym, p.serial); err != nil {
				return err
			}
		}
		return nil
	}, cfg.Overwrite, cfg.Register...); err != nil {
		return nil, err
	}
	if cfg.Unmatched != "" {
		h.Kind, h.ID = KindUnmatched, ""
		if err := writeMessage(cfg.Unmatched, h, func(emit func(a, b string) error) error {
			return emit("untranslated", strconv.Itoa(untranslated))
		}, cfg.Overwrite, cfg.Definer...); err != nil {
			os.Remove(cfg.Out)
			return nil, err
		}
	}
	return rep, nil
}

// ReadUnmatched returns the count of untranslated IDs the administrator
// reported to the sample definer for the request at the path request; a
// count for another request, or for a request older than maxAge, is
// refused.
func ReadUnmatched(path, project, plan, request string, maxAge time.Duration, identities []age.Identity) (int, error) {
	n := -1
	h, err := readMessage(path, MessageHeader{Kind: KindUnmatched, Project: project, Plan: plan, From: RoleAdministrator}, identities, func(a, b string) error {
		if a == "untranslated" {
			v, err := strconv.Atoi(b)
			if err != nil {
				return fmt.Errorf("linkage: %s: malformed count", path)
			}
			n = v
		}
		return nil
	})
	if err == nil && n < 0 {
		err = fmt.Errorf("linkage: %s: no count", path)
	}
	if err == nil {
		err = checkAnswers(path, request, h, maxAge)
	}
	return n, err
}

// PseudonymMap maps register pseudonyms to project serials, for the
// register's extract. It is read-only once made and safe for concurrent use.
type PseudonymMap struct {
	serials map[string][pseudonym.EncodingBase32Bytes]byte
}

// ReadAnswer reads the administrator's answer into a PseudonymMap. An
// answer to another request than the one at the path request, or to a
// request older than maxAge, is refused.
func ReadAnswer(path, project, plan, request string, maxAge time.Duration, identities []age.Identity) (*PseudonymMap, error) {
	m := &PseudonymMap{serials: map[string][pseudonym.EncodingBase32Bytes]byte{}}
	line := 0
	h, err := readMessage(path, MessageHeader{Kind: KindAnswer, Project: project, Plan: plan, From: RoleAdministrator}, identities, func(ps, serial string) error {
		line++
		b, ok := pseudonym.DecodeBase32Serial(serial)
		if !ok {
			return fmt.Errorf("linkage: %s, pair %d: not a base32 serial", path, line)
		}
		m.serials[ps] = b
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := checkAnswers(path, request, h, maxAge); err != nil {
		return nil, err
	}
	return m, nil
}

// Len returns the number of pseudonyms in the map.
func (m *PseudonymMap) Len() int { return len(m.serials) }

// lookup fills sers with the serials of the pseudonyms in col (the first
// 10 bytes; the rest zero); a pseudonym not in the map is skipped, a null
// or empty one quarantined.
func (m *PseudonymMap) lookup(col arrow.Array, sers []pseudonym.Serial, reasons []pseudonym.Reason, skip []bool) error {
	c, ok := col.(*array.String)
	if !ok {
		return fmt.Errorf("a pseudonym column must hold strings, not %s", col.DataType())
	}
	for i := 0; i < c.Len(); i++ {
		sers[i] = pseudonym.Serial{}
		reasons[i] = pseudonym.ReasonNone
		skip[i] = false
		if c.IsNull(i) || c.Value(i) == "" {
			reasons[i] = pseudonym.ReasonEmpty
			continue
		}
		s, found := m.serials[strings.TrimSpace(c.Value(i))]
		if !found {
			skip[i] = true
			continue
		}
		copy(sers[i][:], s[:])
	}
	return nil
}

// ExtractConfig is the pseudonymous register's extract.
type ExtractConfig struct {
	Plan     *Plan
	PlanFile string
	Source   string // the plan's pseudonymous source
	Answer   string
	// Request is the request file the answer must answer (encrypted to
	// the administrator: the register only hashes it).
	Request    string
	Identities []age.Identity // the register's
	Key        *pseudonym.Key // the project key, for date shifts
	// DateKey shifts the dates instead of Key, with a plan whose
	// [serials] source is "oprf": the register holds no project key.
	DateKey   *pseudonym.DateKey
	Workers   int
	Overwrite bool
	Tool      string
	// Encrypt, if not empty, writes the delivery as one encrypted archive.
	Encrypt []age.Recipient
	// Risk, if not nil, checks the disclosure risk of the extract before it
	// is written ([Plan.RiskCheck] makes it from the plan's [risk]
	// section): the quasi-identifiers the extract holds, per person; the
	// others are measured by the runs that deliver them.
	Risk *RiskCheck
	// Progress, if not nil, is called after each batch written, with the
	// source's name as the step.
	Progress func(Progress)
}

// Extract streams the register's data, keeps the rows whose pseudonym is
// in the administrator's answer, replaces the pseudonym with the project
// serial, applies the plan's date handling (offsets from the project
// serial, so they agree with every other source) and writes the delivery
// with its report and quarantine, as one transaction with its manifest
// (see [PrepareDelivery]).
func Extract(ctx context.Context, cfg ExtractConfig) (*Report, *Delivered, error) {
	p := cfg.Plan
	var src *SourcePlan
	for i := range p.Sources {
		if p.Sources[i].Name == cfg.Source {
			src = &p.Sources[i]
		}
	}
	if src == nil {
		return nil, nil, fmt.Errorf("linkage: source %q: %w", cfg.Source, errNoSuchSource)
	}
	if p.regs[src.Name].Kind != Pseudonymous {
		return nil, nil, fmt.Errorf("linkage: source %q is not a pseudonymous register", cfg.Source)
	}
	if err := p.checkKeyHolder(cfg.Key != nil); err != nil {
		return nil, nil, err
	}
	fp, err := PlanFingerprint(cfg.PlanFile)
	if err != nil {
		return nil, nil, err
	}
	if cfg.Request == "" {
		return nil, nil, fmt.Errorf("linkage: extract needs the request the answer %s answers (--request FILE)", cfg.Answer)
	}
	m, err := ReadAnswer(cfg.Answer, p.Project, fp, cfg.Request, p.MaxAge(), cfg.Identities)
	if err != nil {
		return nil, nil, err
	}
	if err := p.checkInputs(src.Name); err != nil {
		return nil, nil, err
	}
	if err := p.refuseOverInputs(); err != nil {
		return nil, nil, err
	}
	out := p.DeliveryPath(src.Name)
	if err := os.MkdirAll(p.path(p.Output.Dir), 0o755); err != nil {
		return nil, nil, fmt.Errorf("linkage: plan %s: output.dir: %w", p.file, err)
	}
	pc, err := p.prepareConfig(*src, out, LinkOptions{Key: cfg.Key, DateKey: cfg.DateKey, Workers: cfg.Workers, Overwrite: cfg.Overwrite, Tool: cfg.Tool, Progress: cfg.Progress})
	if err != nil {
		return nil, nil, err
	}
	pc.Pseudonyms = m
	pc.ReportPath = strings.TrimSuffix(out, formatExt[p.outFormat()]) + ".report.json"
	pc.QuarantinePath = strings.TrimSuffix(out, formatExt[p.outFormat()]) + ".quarantine.csv"
	manifest := p.manifestPath(src.Name)
	return PrepareDelivery(ctx, pc, Delivery{Manifest: manifest, Encrypt: cfg.Encrypt,
		PlanFingerprint: fp, Source: src.Name, Register: p.regs[src.Name].Name,
		Risk: cfg.Risk, RiskReport: strings.TrimSuffix(manifest, delivery.ManifestSuffix) + ".risk.json", PartialRisk: true})
}
