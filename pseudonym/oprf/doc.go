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
// evaluation at the administrator's service, which counts it and logs who
// asked, for which project, how many and when. The source that shifts
// dates needs the date-shift purpose key alone (exported by the
// administrator with `koble key export --purpose dates`); HKDF is one-way,
// so it does not give the OPRF key or the serial key. A centralised linker
// or a sample definer using the service (SPEC.md §9.8, §9.9) is a source
// in this sense: it learns the serials, and for a dense series the ranks
// ([Output.Rank]), of the sample's persons, whose IDs it holds anyway, and
// nothing else. A source that also obtained a delivery (it is not meant
// to: deliveries go to the researcher) re-identifies its own persons in
// it, as with any pseudonym; the service only stops it from computing the
// serials of persons it does not submit.
//
// What the administrator learns: who asked, for which project, how many
// elements and when (its audit log holds exactly that). Blinded elements
// are uniformly random group elements, independent of the IDs, so it
// learns no ID and no serial. It holds the key, so it could compute the
// serial of any ID it knows: it must not also receive the deliveries. In
// the pseudonymous-register flow it translates IDs to register pseudonyms,
// so it reads the request's IDs (SPEC.md §8); their serials add nothing to
// what its key already gives it.
//
// What a network attacker learns: with TLS 1.3, batch sizes and timing,
// and so roughly how many persons a source's delivery has. Without TLS it
// would see blinded and evaluated elements, which carry no information
// about the IDs; it could not use the answers either, since unblinding
// needs the source's blinds. An attacker who answers in the server's place
// is caught by the proof, provided the source pinned the public key from a
// trusted channel (not from the server itself). It can deny service, which
// the source reports as an error with nothing delivered.
//
// Why the quota bounds enumeration: anyone who holds an HMAC project key
// can compute the serial of every valid Norwegian ID offline, in minutes,
// and re-identify a whole delivery by dictionary. The space is not large:
// for the birth dates of one century (1925-2024, 36,525 days) there are
// 16,904,133 valid fødselsnummer (on average 463 a day: the individual
// numbers 000-999 that the birth year allows, 500 or 600 of them, less the
// 17% whose first or second check digit would be 10) and as many
// D-numbers (day + 40), 3.4·10⁷ in all. Through the service, every
// evaluation counts against a quota per client and project: the approved
// cohort times the margin times the deliveries. For a cohort of 100,000
// persons, one delivery and a margin of 1.2, a source that spends its
// whole quota of 120,000 on guessed IDs learns at most 120,000 serials:
// 0.7% of the fødselsnummer of a century (0.35% with D-numbers), and it
// has then nothing left for its own delivery, which makes the misuse
// visible. Covering the fødselsnummer alone would take 141 such quotas,
// each in a hash-chained audit log. Several clients' quotas add up if
// they collude; the administrator grants each client its own cohort.
//
// What the quota does not bound: a targeted guess. Whoever knows a
// person's birth date needs at most about 463 evaluations (about 232 if
// the sex is known too, from the parity of the third individual digit) to
// find that person's serial, so the margin of 20,000 spare evaluations in
// the example above could single out some 40-85 persons of known birth
// date, in a delivery the attacker holds. Keep margins small, compare each
// client's spending with its cohort in the audit log, and keep deliveries
// away from the sources: the service removes the offline dictionary, not
// the need to keep deliveries and keys apart.
//
// Key rotation: an OPRF key cannot translate old serials into new ones
// without the IDs (the function is one-way and oblivious), so rotating a
// project's key means a new project secret and key file at the service, a
// new public key published to every source through a trusted channel and
// pinned there, a new date-key file for each source (the date-shift key
// derives from the same secret, so every shifted date moves), and a new
// delivery from every source; the researcher's old and new serials and
// dates do not link. Dense series survive: a serial key file holds IDs,
// not serials, so the next centralised run with the new key keeps every
// person's number (SPEC.md §9.8). The audit log has no key and continues.
// What rotates freely is the transport: TLS certificates, client
// certificates and tokens.
package oprf
