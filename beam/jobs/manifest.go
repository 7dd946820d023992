package jobs

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"

	"github.com/koble/koble/delivery"
	"github.com/koble/koble/linkage"
)

// deliveryOut is a Beam run's delivery as 'koble link' makes it: the
// files moved or written into the output folder, each with its manifest
// entry, the data package of the data files, and the manifest, written
// last through Beam's file systems (so that 'koble verify' checks a Beam
// delivery as any other). A delivery without its manifest is incomplete.
type deliveryOut struct {
	dir, manifest string
	files         []delivery.File
	pkg           *linkage.DataPackage
}

func newDeliveryOut(dir, project string) *deliveryOut {
	return &deliveryOut{dir: dir, manifest: join(dir, project+delivery.ManifestSuffix), pkg: linkage.NewDataPackage(project)}
}

// move moves a staged file into place and lists it.
func (d *deliveryOut) move(ctx context.Context, st staged) error {
	if err := rename(ctx, st.From, st.To); err != nil {
		return err
	}
	st.File.Name = base(st.To)
	d.files = append(d.files, st.File)
	return nil
}

// write writes a file of the delivery and lists it.
func (d *deliveryOut) write(ctx context.Context, name, role string, data []byte) error {
	w, err := createStaged(ctx, join(d.dir, name))
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	f, cerr := w.close()
	if err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	f.Name, f.Role = name, role
	d.files = append(d.files, f)
	return nil
}

// writeReport writes a report as every report of koble is written.
func (d *deliveryOut) writeReport(ctx context.Context, name, role string, v any) error {
	var b bytes.Buffer
	if err := linkage.EncodeReport(&b, v); err != nil {
		return err
	}
	return d.write(ctx, name, role, b.Bytes())
}

// commit writes the data package, the loading snippets of CSV files and
// last the manifest.
func (d *deliveryOut) commit(ctx context.Context, h delivery.Header) error {
	files, err := d.pkg.Files(base(d.manifest))
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := d.write(ctx, f.Name, f.Role, f.Data); err != nil {
			return err
		}
	}
	var id [6]byte
	if _, err := rand.Read(id[:]); err != nil {
		return err
	}
	m := &delivery.Manifest{Version: delivery.ManifestVersion, Transaction: "koble-beam-" + hex.EncodeToString(id[:]), Tool: h.Tool,
		Project: h.Project, KeyFingerprint: h.KeyFingerprint, PlanFingerprint: h.PlanFingerprint, ReferenceDate: h.ReferenceDate, Files: d.files}
	raw, err := m.Marshal()
	if err != nil {
		return err
	}
	return writeFile(ctx, d.manifest, raw)
}

// tool is what the outputs say made them.
func tool(t string) string {
	if t == "" {
		return "koble-beam devel"
	}
	return t
}
