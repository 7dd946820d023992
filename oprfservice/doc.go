// Package oprfservice is the pseudonym administrator's oblivious-serial
// service (`koble serve`) and its client: sources obtain project serials
// through RFC 9497's verifiable OPRF (package [oprf]) without holding the
// project key, and the administrator never sees an ID or a serial.
//
//	source (IDs, pinned pkS)                 koble serve (project keys)
//	     | POST /v1/evaluate {project, blinded elements}   |
//	     | ----------------- HTTPS, TLS 1.3, mTLS/token ---> | authenticate, grant,
//	     |                                                   | batch size, quota, rate
//	     | <------------ {evaluated elements, proof} ------- | audit log (hash chain)
//	check proof, unblind, serial = HKDF(output)
//
// SPEC.md §9 fixes the wire format, the refusals and their HTTP statuses,
// and the audit log's chain, so that any RFC 9497 client can use the
// service.
//
// # Service
//
// [LoadConfig] reads the TOML configuration (projects and their key files,
// clients with their grants: cohort, deliveries, margin and rate), [New]
// derives each project's OPRF key and opens the [AuditLog], and
// [Service.Serve] answers until its context ends, then drains requests in
// flight. Every evaluate request, granted or refused, is one audit record:
// who, which project, how many, when, the status; never an ID, an element
// or a credential. Quotas are counted from the log, so a restart continues
// both. [VerifyAuditLog] checks a log's chain (`koble audit verify`).
// [WriteTestPKI] makes a self-signed setup for trials.
//
// # Client
//
// [Client] splits a column of canonical IDs into batches, keeps several
// requests in flight, retries transient failures (network errors, 429,
// 502-504) with backoff and fresh blinds, and checks every answer's proof
// against the public key the administrator published. A refusal for
// credentials, grant or quota is a [*ServerError] at once, with no serial.
//
// # Cost
//
// The protocol is public-key cryptography: ristretto255 scalar
// multiplications on both sides, about 0.7 ms of CPU per ID for blinding,
// evaluation with proof, verification and unblinding together, against
// well under a microsecond for an HMAC serial. A source therefore asks
// once per distinct person (see the per-run cache of the prepare source).
//
// See package [oprf] for the threat model.
package oprfservice
