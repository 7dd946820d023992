// Package jobs runs koble's linkage jobs as Apache Beam pipelines, so
// that a plan that outgrows one machine runs on Dataflow, Flink or Spark
// (or locally on the in-process Prism runner) with the same result as
// 'koble link' on one machine. It calls package linkage for every step;
// nothing of koble's constructions is copied here.
//
// # Distributed linkage
//
// [Prepare] per source: each input shard (a Parquet, CSV or Arrow file,
// found by a glob through Beam's file systems: local paths, gs://,
// s3://) is read by one worker and streamed batch by batch through
// koble's prepare pipeline ([linkage.Pipeline]), its rows written to one
// output shard as they come; the shards' [linkage.Tally] values are
// merged by a CombineFn, and the final step makes the source's report
// from the merged tally ([linkage.Pipeline.Report]).
//
// # Centralised linkage
//
//	shards of sample source A ──▶ sampleFn ─┐  (series key, sealed ID,
//	shards of sample source B ──▶ sampleFn ─┤   source bit) per person
//	                                        ▼
//	                  CombinePerKey(series key): the sources of a person
//	                                        ▼
//	                  ruleFn: union, intersection or one source
//	                                        ▼
//	     seriesFn (one worker): the dense series 1..N in the order of the
//	     project's order key, the serial key file (age-encrypted)
//	                                        ▼ series (side input)
//	shards of every source ──▶ prepareFn ──▶ delivery shards + tallies
//	                                        ▼
//	                  finishFn: reports, files moved into place
//
// # National IDs on the cluster
//
// An ID is read only by the worker that reads its shard. It is turned
// into the keyed serial there, before anything is shuffled: what crosses
// workers is shard names, series keys (keyed hashes), sample IDs sealed
// with AES-GCM under the project's seal key (SPEC.md §7.1; opened only by
// the step that writes the serial key file), the encoded series, and
// tallies of counts and hashed serials. Counters count rows and shards.
// Workers open the project key themselves from the files [Keys] names;
// the secret is never part of the pipeline's graph.
//
// # Outputs
//
// Shards and quarantine files are written to a staging folder and moved
// into the output folder only when every step has succeeded; then the
// reports, the link report, the data package (and loading snippets of
// CSV deliveries) are written and, last, the manifest of 'koble link'
// (package delivery), so that 'koble verify' checks a Beam delivery as
// any other.
package jobs
