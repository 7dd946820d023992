package oprfservice

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"mime"
	"net/http"
	"strconv"

	"github.com/koble/koble/pseudonym/oprf"
)

// Mode is the RFC 9497 mode the service answers in.
const Mode = "verifiable"

// EvaluateRequest is the body of POST /v1/evaluate (SPEC.md §9.3).
type EvaluateRequest struct {
	Project string `json:"project"`
	// BlindedElements are serialized elements in standard base64.
	BlindedElements []string `json:"blinded_elements"`
}

// EvaluateResponse is the answer to a granted request. encoding/json
// writes the byte slices in standard base64.
type EvaluateResponse struct {
	Suite             string   `json:"suite"`
	Mode              string   `json:"mode"`
	EvaluatedElements [][]byte `json:"evaluated_elements"`
	Proof             []byte   `json:"proof"`
}

// KeyResponse is the answer to GET /v1/projects/{project}/key.
type KeyResponse struct {
	Suite     string `json:"suite"`
	Mode      string `json:"mode"`
	PublicKey string `json:"public_key"`
}

// ErrorResponse is the body of every refusal.
type ErrorResponse struct {
	Error string `json:"error"`
}

// refusal is an answer other than 200, with its audit outcome.
type refusal struct {
	status  int
	outcome string
	msg     string
	header  http.Header
}

func refuse(status int, outcome, format string, args ...any) *refusal {
	return &refusal{status: status, outcome: outcome, msg: fmt.Sprintf(format, args...)}
}

// evaluate serves POST /v1/evaluate. Every request, granted or refused, is
// one audit record; a granted answer leaves only after its record is
// synced.
func (s *Service) evaluate(w http.ResponseWriter, r *http.Request) {
	start := s.opts.Now()
	s.metrics.begin()
	rec := Record{Client: anonymous}
	resp, ref := s.serveEvaluate(r, &rec)
	rec.Time = s.opts.Now().UTC().Format(auditTime)
	if ref == nil {
		rec.Status, rec.Outcome = http.StatusOK, "ok"
	} else {
		rec.Status, rec.Outcome = ref.status, ref.outcome
	}
	if err := s.log.Append(rec); err != nil {
		if ref == nil {
			s.limits.release(grantKey{rec.Client, rec.Project}, rec.Count)
		}
		resp, ref = nil, refuse(http.StatusInternalServerError, "audit log failed", "the audit log cannot be written: no evaluation is served")
	}
	k := grantKey{rec.Client, rec.Project}
	if ref != nil {
		for name, v := range ref.header {
			w.Header()[name] = v
		}
		writeJSON(w, ref.status, ErrorResponse{Error: ref.msg})
		s.metrics.end(ref.status, k, 0, 0)
		return
	}
	writeJSON(w, http.StatusOK, resp)
	s.metrics.end(http.StatusOK, k, rec.Count, s.opts.Now().Sub(start))
}

// serveEvaluate checks the request step by step and evaluates it, filling
// in the audit record's client, project and count as they become known.
func (s *Service) serveEvaluate(r *http.Request, rec *Record) (*EvaluateResponse, *refusal) {
	if r.Method != http.MethodPost {
		ref := refuse(http.StatusMethodNotAllowed, "wrong method", "use POST")
		ref.header = http.Header{"Allow": {"POST"}}
		return nil, ref
	}
	now := s.opts.Now()
	client, err := s.auth.authenticate(r, now)
	if err != nil {
		return nil, refuse(http.StatusUnauthorized, "unauthenticated", "%v", err)
	}
	rec.Client = client.Name
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return nil, refuse(http.StatusUnsupportedMediaType, "wrong content type", "send Content-Type: application/json")
	}
	req, ref := s.decodeRequest(r, rec)
	if ref != nil {
		return nil, ref
	}
	srv := s.projects[req.Project]
	if srv == nil {
		return nil, refuse(http.StatusNotFound, "unknown project", "unknown project %q", req.Project)
	}
	k := grantKey{client.Name, req.Project}
	grant, ok := s.grants[k]
	if !ok {
		return nil, refuse(http.StatusForbidden, "no grant", "client %q has no grant for project %q", client.Name, req.Project)
	}
	n := len(req.BlindedElements)
	switch {
	case n == 0:
		return nil, refuse(http.StatusBadRequest, "empty batch", "blinded_elements is empty")
	case n > s.cfg.MaxBatch:
		return nil, refuse(http.StatusRequestEntityTooLarge, "batch too large", "%d elements: the batch maximum is %d", n, s.cfg.MaxBatch)
	}
	blinded := make([][]byte, n)
	for i, e := range req.BlindedElements {
		if blinded[i], err = base64.StdEncoding.Strict().DecodeString(e); err != nil {
			return nil, refuse(http.StatusBadRequest, "malformed element", "element %d is not standard base64", i)
		}
	}
	rateOK, wait, quotaOK, used := s.limits.admit(k, grant, n, s.cfg.MaxBatch, s.log.Usage(k.client, k.project), now)
	if !quotaOK {
		return nil, refuse(http.StatusForbidden, "quota exceeded", "quota exceeded: %d of %d evaluations used for project %q, this batch asks for %d more", used, grant.Quota(), req.Project, n)
	}
	if !rateOK {
		secs := int(math.Ceil(wait.Seconds()))
		ref := refuse(http.StatusTooManyRequests, "rate limited", "rate limit of %g evaluations a second: retry after %d s", grant.Rate, secs)
		ref.header = http.Header{"Retry-After": {strconv.Itoa(secs)}}
		return nil, ref
	}
	evaluated, proof, err := srv.Evaluate(blinded)
	if err != nil {
		s.limits.release(k, n)
		var ee *oprf.ElementError
		if errors.As(err, &ee) {
			return nil, refuse(http.StatusBadRequest, "malformed element", "element %d is %v", ee.Index, ee.Err)
		}
		return nil, refuse(http.StatusInternalServerError, "evaluation failed", "evaluation failed")
	}
	return &EvaluateResponse{Suite: oprf.SuiteID, Mode: Mode, EvaluatedElements: evaluated, Proof: proof}, nil
}

// decodeRequest reads the JSON body within the size the batch maximum
// allows, refusing unknown fields.
func (s *Service) decodeRequest(r *http.Request, rec *Record) (*EvaluateRequest, *refusal) {
	limit := int64(s.cfg.MaxBatch)*48 + 4096
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, limit))
	dec.DisallowUnknownFields()
	var req EvaluateRequest
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, refuse(http.StatusRequestEntityTooLarge, "body too large", "the body exceeds %d bytes (the batch maximum is %d elements)", limit, s.cfg.MaxBatch)
		}
		return nil, refuse(http.StatusBadRequest, "malformed body", "the body is not an evaluate request: %v", err)
	}
	if len(req.Project) > 200 {
		req.Project = req.Project[:200]
	}
	rec.Project, rec.Count = req.Project, len(req.BlindedElements)
	return &req, nil
}

// publicKey serves GET /v1/projects/{project}/key to authenticated clients.
func (s *Service) publicKey(w http.ResponseWriter, r *http.Request) {
	if _, err := s.auth.authenticate(r, s.opts.Now()); err != nil {
		writeJSON(w, http.StatusUnauthorized, ErrorResponse{Error: err.Error()})
		return
	}
	pk := s.PublicKey(r.PathValue("project"))
	if pk == nil {
		writeJSON(w, http.StatusNotFound, ErrorResponse{Error: fmt.Sprintf("unknown project %q", r.PathValue("project"))})
		return
	}
	writeJSON(w, http.StatusOK, KeyResponse{Suite: oprf.SuiteID, Mode: Mode, PublicKey: pk.String()})
}

func (s *Service) writeMetrics(w http.ResponseWriter, _ *http.Request) {
	remaining := map[grantKey]int64{}
	for k, g := range s.grants {
		remaining[k] = s.limits.remaining(k, g, s.log.Usage(k.client, k.project))
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	s.metrics.write(w, remaining)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
