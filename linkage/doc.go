// Package linkage builds koble's jobs from the other packages: preparing an
// extract, distributed and centralised linkage, the pseudonymous-register
// flow, plans, policy checks and reports, and the ordered parallel executor
// that runs them over Arrow batches.
//
// Data flow one way: formats (read) -> linkage steps -> formats (write).
// linkage is the only package that knows both files and identities; the
// packages below it never import it.
//
// # Which type for which job
//
//   - One extract from one file: [Prepare] with a [PrepareConfig];
//     [PrepareDelivery] writes it as a transaction with its manifest.
//   - A whole plan (distributed or centralised): [LoadPlan], then [Link].
//   - The pseudonymous register's flow: [Request], [Translate], [Extract].
//   - Another engine running prepare's work batch by batch: [NewPipeline],
//     [Pipeline.Fork], [PipelineWorker.Transform], [Tally.Merge] and
//     [Pipeline.Report].
//   - Serials from elsewhere than the project key: a [SerialSource] in
//     [PrepareConfig].Source.
//
// # The prepare pipeline
//
// A prepare run is a short pipeline of steps over each input batch, in
// the order of the files that hold them:
//
//	prepare.go       Prepare: reader -> runOrdered (executor.go) -> sink -> writers
//	prepareplan.go   the plan: the config checked against the input schema,
//	                 each output column's role, the list of steps
//	step_keep.go     keep/drop projection: which columns are delivered
//	step.go          the step interface, the batch, transform = loop over steps
//	  serialsource.go  where serials come from: project key, pseudonym map, ...
//	  step_serial.go   serials of the ID column; quarantine "id-..."; series numbers
//	  step_shift.go    date offsets per person, then each shifted column
//	  step_relative.go days since a reference column or the person's first date
//	  step_coarsen.go  dates at year, year-month or ISO-week precision
//	  step_pass.go     columns delivered as they are
//	quarantine.go    shared end of a batch: rows kept, rows quarantined, the file
//	  step_persons.go  persons of the delivered rows, for the report
//	  step_guard.go    the leak guard over the delivered columns
//	report.go        the report and the output's metadata
//	pipeline.go      the same steps for another engine, batch by batch
//
// Each step reads input columns, produces one output column (or state the
// later steps read: serials, offsets) and marks rows for quarantine with a
// reason; a row keeps the first reason it gets, so the order above decides
// which reason a row with several problems reports.
package linkage
