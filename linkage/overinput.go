package linkage

import (
	"fmt"
	"path/filepath"

	"github.com/koble/koble/delivery"
)

// refuseOverInputs refuses a plan whose outputs would replace one of its
// inputs (a source's data, the key file, the previous serial key file, the
// plan itself), or whose output folder is a source's data folder.
func (p *Plan) refuseOverInputs() error {
	outDir := p.path(p.Output.Dir)
	var ins []delivery.Named
	for i, s := range p.Sources {
		in := p.path(s.Path)
		if delivery.SameFolder(filepath.Dir(in), outDir) {
			return fmt.Errorf("linkage: plan %s: output.dir %s is the folder of source %q's data: deliveries go to a folder of their own; set [output] dir", p.file, outDir, s.Name)
		}
		ins = append(ins, delivery.Named{Path: in, Flag: fmt.Sprintf("source %d (%q) path", i+1, s.Name)})
	}
	ins = append(ins, delivery.Named{Path: p.KeyPath(), Flag: "key"}, delivery.Named{Path: p.file, Flag: "the plan"})
	if p.Output.PreviousSerialKey != "" {
		ins = append(ins, delivery.Named{Path: p.PreviousSerialKeyPath(), Flag: "output.previous_serial_key"})
	}
	var outs []delivery.Named
	for _, s := range p.Sources {
		for _, o := range []string{p.DeliveryPath(s.Name), filepath.Join(outDir, s.Name+".report.json"), filepath.Join(outDir, s.Name+".quarantine.csv")} {
			outs = append(outs, delivery.Named{Path: o, Flag: "output.dir"})
		}
	}
	outs = append(outs, delivery.Named{Path: p.SerialKeyPath(), Flag: "output.dir"})
	return delivery.RefuseInputs(ins, outs)
}
