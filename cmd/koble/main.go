// Command koble links national health registers privately: project-specific
// serial numbers in place of national IDs, interval-preserving date shifts,
// and streaming Arrow, Parquet and CSV at register scale.
//
// Run `koble --help` for the commands.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}))
}
