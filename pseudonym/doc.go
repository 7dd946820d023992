// Package pseudonym turns national identity numbers into project-specific
// serial numbers, and holds the keys that do it.
//
// It owns the national ID schemes (parse, validate, canonical form), the
// project key hierarchy and its encrypted key files, keyed serials
// (HMAC-SHA256), their encodings for delivery, and the cache that makes a
// repeated person cost no hash. It knows nothing of files or formats:
// callers hand it bytes, Arrow columns, readers and writers. SPEC.md at the
// repository root defines every construction, with test vectors.
//
// # Schemes
//
// A [Scheme] parses one country's numbers: [Norway] (fødselsnummer,
// D-, H- and FH-numbers, synthetic test numbers, the 2032 rule), [Sweden],
// [Denmark] and [Finland]. Parsing a number from bytes allocates nothing;
// an invalid number gets a [Reason], never an error that quotes it.
//
// # Key management
//
// A project has one random 32-byte secret ([GenerateKey]), stored in a key
// file encrypted with age to a passphrase or to recipients
// ([WriteKeyFile], [ReadKeyFile]). Purpose keys derive from it with
// HKDF-SHA256 under versioned labels, so no key serves two purposes:
//
//	project secret ──HKDF "koble/v1/serial"──────> serial key (HMAC)
//	               ──HKDF "koble/v1/dateshift"───> date-shift key (package refdate)
//	               ──HKDF "koble/v1/order"───────> dense-series ordering key
//	               ──HKDF "koble/v1/fingerprint"─> key fingerprint (safe to share)
//	               ──HKDF "koble/v1/oprf"────────> OPRF key seed (package pseudonym/oprf)
//
// # Serials
//
// A person's serial is HMAC-SHA256(serial key, canonical ID), so the same
// person has the same serial in every source of a project, and serials of
// two projects cannot be linked without both keys. [Serials] computes them
// one at a time or one Arrow column at a time, with an optional bounded
// [Cache]; [Encoding] writes them for delivery.
//
// # Security considerations
//
// Never log, print or return an [ID]: its String method is redacted, and
// errors carry a [Reason] only. The [ID.Compact] form and the [Cache] hold
// identity numbers and belong in memory only.
package pseudonym
