// Package linkage builds koble's jobs from the other packages: preparing an
// extract, distributed and centralised linkage, the pseudonymous-register
// flow, plans, policy checks and reports, and the ordered parallel executor
// that runs them over Arrow batches.
//
// Data flow one way: formats (read) -> linkage steps -> formats (write).
// linkage is the only package that knows both files and identities; the
// packages below it never import it.
package linkage
