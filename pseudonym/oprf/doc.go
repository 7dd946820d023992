// Package oprf computes project serials obliviously, with the verifiable
// oblivious pseudorandom function of RFC 9497 (suite ristretto255-SHA512,
// on github.com/cloudflare/circl/oprf): a source gets the serials of its
// persons without holding the project key, and the key holder, the
// pseudonym administrator, never sees an ID or a serial.
//
//	Source (IDs, project public key)          Administrator (project key)
//	==================================================================
//	r, B = Blind(canonical ID)
//	                         B (blinded element)
//	                     --------------------->
//	                                          Z = k·B, proof that
//	                                          log_G(pkS) = log_B(Z)
//	                          Z, proof
//	                     <---------------------
//	check proof with pkS
//	y = Finalize(ID, r⁻¹·Z)
//	serial = HKDF(y, "koble/v1/oprf-serial")
//
// Batches of any size take one proof ([Client.Blind], [Server.Evaluate],
// [Client.Finalize]). The key holder computes the same serial directly with
// [Server.Serial]. SPEC.md §9 defines every step, with test vectors.
//
// # Keys
//
// Each project has its own OPRF key pair, derived from the project secret:
// seed = HKDF(secret, "koble/v1/oprf"), then RFC 9497 DeriveKeyPair in
// verifiable mode with info "koble/v1/oprf-key". The public key (32 bytes,
// hex) is published with the project, and every source pins it: an answer
// whose proof does not verify against it is refused ([ErrProof]). A per-
// project key in verifiable mode was chosen over partial-oblivious mode
// with the project as public input because koble already has one secret per
// project: a compromise of one project's key then exposes that project
// only, and the construction is the one the most deployed implementations
// (Privacy Pass) and independent RFC 9497 clients support.
//
// OPRF serials differ from the HMAC serials of the same project key (both
// are pseudorandom functions of the canonical ID under different keys): a
// project uses one or the other for all its sources. They are
// [pseudonym.Serial] values and encode as those (base32, int64, hex), so
// date offsets and dense series work on them unchanged.
//
// # Threat model
//
// What the source learns: the serials of the IDs it submits, and nothing
// about the key. It cannot compute a serial offline; every serial costs an
// evaluation at the administrator's service, which counts it. The source
// that shifts dates needs the date-shift purpose key alone (exported by the
// administrator with `koble key export --purpose dates`); HKDF is one-way,
// so it does not give the OPRF key or the serial key.
//
// What the administrator learns: who asked, for which project, how many
// elements and when (its audit log holds exactly that). Blinded elements
// are uniformly random group elements, independent of the IDs, so it
// learns no ID and no serial. It holds the key, so it could compute the
// serial of any ID it knows: it must not also receive the deliveries.
//
// What a network attacker learns: with TLS 1.3, batch sizes and timing.
// Without TLS it would see blinded and evaluated elements, which carry no
// information about the IDs. An attacker who answers in the server's place
// is caught by the proof, provided the source pinned the public key from a
// trusted channel (not from the server itself).
//
// Why the quota bounds enumeration: anyone who holds an HMAC project key
// can compute the serial of each of the roughly 3·10⁷ valid Norwegian
// fødselsnummer of a century in minutes and re-identify a whole delivery
// by dictionary. Through the service, every evaluation counts against a
// quota per client and project: the approved cohort times the deliveries,
// with a margin (for example 1.2 × cohort per delivery). For a cohort of
// 100,000 persons and one delivery, a source that spends its whole quota
// on guessed IDs learns at most 120,000 serials: 0.4 % of the 3·10⁷ valid
// IDs, and it has then no evaluations left for its own delivery, which
// makes the misuse visible. Covering the space would take 250 times the
// quota, and every batch sits in a hash-chained audit log.
//
// Key rotation: an OPRF key cannot translate old serials into new ones
// without the IDs (the function is one-way and oblivious), so rotating a
// project's key means a new project key, a new public key published to
// every source, and a new delivery from every source; the researcher then
// gets serials that do not link to the old ones. What can rotate freely is
// the transport: TLS certificates and client tokens.
package oprf
