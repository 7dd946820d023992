package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"koble": func() { os.Exit(run(os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr})) },
	})
}

// TestScripts runs the CLI over the txtar scripts in testdata/script.
func TestScripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/script/*.txtar")
	require.NotEmpty(t, files, "no scripts found: did testdata/script move?")
	testscript.Run(t, testscript.Params{
		Dir:  "testdata/script",
		Cmds: scriptCmds,
		Setup: func(e *testscript.Env) error {
			// No passphrase from the developer's environment.
			e.Setenv("KOBLE_PASSPHRASE", "")
			return nil
		},
	})
}
