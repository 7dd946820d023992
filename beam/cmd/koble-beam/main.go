// Command koble-beam runs a koble linkage plan as an Apache Beam pipeline:
// on Dataflow, Flink or Spark, or locally on the in-process Prism runner.
//
//	go run ./beam/cmd/koble-beam --plan plan.toml --runner prism \
//	    --key project.key --identity worker.identity
//
// It delivers what 'koble link PLAN' delivers (see beam/README.md): one
// file per input shard and source, the quarantine files, the serial key
// file of a centralised plan, each source's report and the link report.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	// The file systems paths may name besides local files.
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/gcs"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/s3"

	// The runners --runner may name.
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/dataflow"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/flink"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/spark"

	"github.com/koble/koble/beam/jobs"
	"github.com/koble/koble/pseudonym"
)

type inputs map[string]string

func (i inputs) String() string { return fmt.Sprint(map[string]string(i)) }

func (i inputs) Set(v string) error {
	name, glob, ok := strings.Cut(v, "=")
	if !ok || name == "" || glob == "" {
		return errors.New("want SOURCE=GLOB, such as patient=gs://bucket/npr/*.parquet")
	}
	i[name] = glob
	return nil
}

var (
	planFile  = flag.String("plan", "", "the plan file (TOML), as for koble link (required)")
	keyFile   = flag.String("key", "", "the project key file, readable by the workers (default: the plan's key)")
	identity  = flag.String("identity", "", "an age identity file that opens the key file, readable by the workers (required)")
	output    = flag.String("output", "", "the output folder (default: the plan's output.dir); gs:// and s3:// work")
	previous  = flag.String("previous-serial-key", "", "the previous serial key file (default: the plan's output.previous_serial_key)")
	refDate   = flag.String("reference-date", "", "the reference date YYYY-MM-DD (default: the plan's, else today)")
	workers   = flag.Int("prepare-workers", 1, "goroutines per shard being prepared")
	sourceIns = inputs{}
)

func main() {
	flag.Var(sourceIns, "input", "SOURCE=GLOB: read a source's shards from GLOB instead of the plan's path (repeatable)")
	flag.Parse()
	beam.Init()
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "koble-beam: error:", pseudonym.Redact(strings.TrimPrefix(err.Error(), "koble-beam: ")))
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	if *planFile == "" || *identity == "" {
		fmt.Fprintln(os.Stderr, "koble-beam: error: --plan and --identity are required")
		flag.Usage()
		os.Exit(2)
	}
	job, plan, err := jobs.NewJob(*planFile, jobs.Keys{KeyFile: *keyFile, IdentityFile: *identity})
	if err != nil {
		return err
	}
	if job.Keys.KeyFile == "" {
		job.Keys.KeyFile = plan.KeyPath()
	}
	if *refDate != "" {
		d, err := pseudonym.ParseDate(*refDate)
		if err != nil {
			return fmt.Errorf("--reference-date %q: want YYYY-MM-DD", *refDate)
		}
		job.ReferenceDate = d.String()
		plan.SetReferenceDate(d)
	}
	job.Inputs, job.Output, job.PreviousSerialKey, job.Workers, job.Tool = sourceIns, *output, *previous, *workers, "koble-beam"
	p, s := beam.NewPipelineWithRoot()
	if err := jobs.Link(s, job, plan); err != nil {
		return err
	}
	return beamx.Run(ctx, p)
}
