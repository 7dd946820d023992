package main

import (
	"github.com/koble/koble/delivery"
)

// sayStale reports the files of interrupted runs a transaction removed.
func sayStale(g *globals, tx *delivery.Tx) {
	for _, s := range tx.Stale {
		g.say("koble: removed %s, left by an interrupted run", s)
	}
}

// sayManifest prints where the manifest is and its SHA-256, to be sent to
// the recipient by another channel.
func sayManifest(g *globals, path string) {
	if sum, err := delivery.FileSHA256(path); err == nil {
		g.say("koble: manifest %s, sha256 %s (send it by another channel for 'koble verify --manifest-sha256')", path, sum)
	}
}
