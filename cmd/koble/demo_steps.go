package main

import (
	"fmt"

	"github.com/koble/koble/bench/synth"
)

// runDemoSteps runs the steps after generation. It grows as koble does.
func runDemoSteps(g *globals, dir, data string, m *synth.Manifest) error {
	fmt.Fprintf(g.env.stdout, "\nlook at: %s\n", data)
	return nil
}
