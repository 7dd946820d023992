// Package delivery makes the files of one delivery appear together or not
// at all, and describes them in a manifest that a recipient can check.
//
// # Transactions
//
// A [Tx] collects the files of one delivery (data, quarantine, reports,
// key files). Each is written under a temporary name of koble's own
// making in its target's folder ([Tx.Add] returns it), synced, and at
// [Tx.Commit] renamed into place; the manifest is written last, as the
// commit marker:
//
//	write .koble-tx.ID.NAME ... ──> sync ──> journal ──> rename all ──> manifest ──> drop journal
//
// A delivery without its manifest is incomplete by definition. A run that
// fails removes everything it wrote, including files already renamed; a
// run killed outright leaves temporary files and a journal, which the next
// [Begin] in the same folder reports and removes (the journal lists the
// files renamed before the manifest was written, so they go too).
//
// # Manifest
//
// The manifest (NAME.manifest.json, JSON) lists every file with its size,
// SHA-256, rows and schema, and what was done to it; the project key's
// fingerprint, the plan's fingerprint and the koble version. It carries
// its own SHA-256 ("manifest_sha256", computed with that field set to
// zeros), so that any change to it is seen; a deliberate edit that also
// recomputes it is caught by comparing the manifest's SHA-256, which
// koble prints, with one sent by another channel. [Verify] checks a
// delivery against its manifest.
//
// # Encrypted deliveries
//
// With [Tx.Encrypt], the whole delivery is written as one tar archive
// encrypted with age (NAME.tar.age) instead of files: one file to move,
// the names and number of the files inside hidden, and the stock age and
// tar tools open it.
//
// This package knows nothing of national IDs or linkage: package linkage
// fills the manifest's descriptions.
package delivery
