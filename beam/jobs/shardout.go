package jobs

import (
	"bytes"
	"context"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/koble/koble/delivery"
	"github.com/koble/koble/formats"
	"github.com/koble/koble/linkage"
)

// shardOutputs are a shard's delivery and quarantine file, written to
// the staging folder through Beam's file systems as the batches come.
type shardOutputs struct {
	job            Job
	plan           *linkage.Plan
	sh             shard
	data, quar     *stagedWriter
	delivered      formats.Writer
	quarantine     *linkage.QuarantineWriter
	format         formats.Format
	writeOptions   formats.WriteOptions
	dataTo, quarTo string
}

func createShardOutputs(ctx context.Context, job Job, p *linkage.Plan, pl *linkage.Pipeline, sh shard) (*shardOutputs, error) {
	stage, out := job.staging(p), job.output(p)
	name := sh.name(outExt(p))
	o := &shardOutputs{job: job, plan: p, sh: sh, writeOptions: pl.WriteOptions(), dataTo: join(out, name), quarTo: join(out, sh.quarantineName())}
	o.format = o.writeOptions.Format
	if o.format == formats.FormatUnknown {
		o.format, _ = formats.FormatFromPath(name)
		o.writeOptions.Format = o.format
	}
	var err error
	if o.data, err = createStaged(ctx, join(stage, name)); err != nil {
		return nil, err
	}
	if o.delivered, err = formats.NewWriter(o.data, name, pl.Schema(), o.writeOptions); err != nil {
		o.abort()
		return nil, err
	}
	if o.quar, err = createStaged(ctx, join(stage, sh.quarantineName())); err != nil {
		o.abort()
		return nil, err
	}
	if o.quarantine, err = pl.NewQuarantineWriter(o.quar, sh.quarantineName()); err != nil {
		o.abort()
		return nil, err
	}
	return o, nil
}

// write writes a transformed batch's delivered and quarantined rows.
func (o *shardOutputs) write(res *linkage.PipelineBatch) error {
	for _, d := range res.Delivered {
		if d.NumRows() > 0 {
			if err := o.delivered.Write(d); err != nil {
				return err
			}
		}
	}
	return o.quarantine.Write(res)
}

// close finishes both files and returns them as staged files with their
// manifest entries, the delivery first; counts is the shard's tally.
func (o *shardOutputs) close(pl *linkage.Pipeline, counts *linkage.Tally) ([]staged, error) {
	if err := o.delivered.Close(); err != nil {
		return nil, err
	}
	o.delivered = nil
	if err := o.quarantine.Close(); err != nil {
		return nil, err
	}
	o.quarantine = nil
	data, err := o.data.close()
	if err != nil {
		return nil, err
	}
	quar, err := o.quar.close()
	if err != nil {
		return nil, err
	}
	o.data, o.quar = nil, nil
	desc, err := describeData(pl.Schema(), o.format, o.writeOptions, counts.RowsWritten)
	if err != nil {
		return nil, err
	}
	desc.Role, desc.Size, desc.SHA256 = delivery.RoleData, data.Size, data.SHA256
	quar.Role = delivery.RoleQuarantine
	return []staged{{From: data.Name, To: o.dataTo, File: desc}, {From: quar.Name, To: o.quarTo, File: quar}}, nil
}

// abort stops whatever is still open; the staging folder is left to the
// run's retry or its failure.
func (o *shardOutputs) abort() {
	if o.delivered != nil {
		o.delivered.Abort()
	}
	for _, s := range []*stagedWriter{o.data, o.quar} {
		if s != nil {
			s.close()
		}
	}
}

// encodeSchema and decodeSchema carry an Arrow schema between workers as
// an Arrow IPC stream with no batch.
func encodeSchema(s *arrow.Schema) ([]byte, error) {
	var b bytes.Buffer
	w := ipc.NewWriter(&b, ipc.WithSchema(s))
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func decodeSchema(b []byte) (*arrow.Schema, error) {
	r, err := ipc.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer r.Release()
	return r.Schema(), nil
}

// describeData is the manifest entry of a data file of that schema,
// format and rows, as [delivery.DataFile] makes it from the file: here
// from an empty file of the same schema and options (the header or
// footer a reader sees), so that the delivered file is not read again.
func describeData(schema *arrow.Schema, format formats.Format, wo formats.WriteOptions, rows int64) (delivery.File, error) {
	dir, err := os.MkdirTemp("", "koble-beam-schema-")
	if err != nil {
		return delivery.File{}, err
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "empty."+format.String())
	wo.Overwrite = false
	w, err := formats.Create(tmp, schema, wo)
	if err != nil {
		return delivery.File{}, err
	}
	if err := w.Close(); err != nil {
		return delivery.File{}, err
	}
	return delivery.DataFile(tmp, format, wo, rows)
}

// seriesCache decodes the series side input once per DoFn instance.
type seriesCache struct {
	series *linkage.Series
	done   bool
}

// get returns the series enc encodes, or nil for an empty side input
// (distributed linkage).
func (c *seriesCache) get(enc []byte) (*linkage.Series, error) {
	if !c.done && len(enc) > 0 {
		c.series = new(linkage.Series)
		if err := c.series.UnmarshalBinary(enc); err != nil {
			return nil, err
		}
	}
	c.done = true
	return c.series, nil
}
