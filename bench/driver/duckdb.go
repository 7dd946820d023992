package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/refdate"
)

// peer is DuckDB, the register manager's SQL peer, run by node and
// bench/duckdb/job.mjs from a cache folder where npm installed the pinned
// @duckdb/node-api.
type peer struct {
	script string // job.mjs in the cache folder
	pads   map[string]string
}

// peerJob is the JSON job.mjs reads on standard input.
type peerJob struct {
	Job         string   `json:"job"`
	In          string   `json:"in"`
	Out         string   `json:"out"`
	Threads     int      `json:"threads"`
	Format      string   `json:"format"`
	IDType      string   `json:"idType"`
	SerialIpad  string   `json:"serialIpad"`
	SerialOpad  string   `json:"serialOpad"`
	ShiftIpad   string   `json:"shiftIpad"`
	ShiftOpad   string   `json:"shiftOpad"`
	Window      int      `json:"window"`
	Shift       []string `json:"shift"`
	CoarsenYear []string `json:"coarsenYear"`
	Limit       int      `json:"limit,omitempty"`
}

// hmacPads returns the HMAC-SHA256 inner and outer keys of key (shorter
// than a block): the key zero-padded to 64 bytes, XOR 0x36 and 0x5c.
func hmacPads(key []byte) (ipad, opad string) {
	var in, out [64]byte
	copy(in[:], key)
	copy(out[:], key)
	for i := range in {
		in[i] ^= 0x36
		out[i] ^= 0x5c
	}
	return hex.EncodeToString(in[:]), hex.EncodeToString(out[:])
}

// setupPeer installs the pinned DuckDB client into cache (npm ci, once per
// lock file) and copies the job script there.
func setupPeer(cache string, key *pseudonym.Key) (*peer, error) {
	src := filepath.Join("bench", "duckdb")
	lock, err := os.ReadFile(filepath.Join(src, "package-lock.json"))
	if err != nil {
		return nil, fmt.Errorf("run the driver from the repository root (reading %s: %w)", src, err)
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return nil, err
	}
	have, _ := os.ReadFile(filepath.Join(cache, "package-lock.json"))
	_, statErr := os.Stat(filepath.Join(cache, "node_modules", "@duckdb", "node-api"))
	if !bytes.Equal(have, lock) || statErr != nil {
		for _, f := range []string{"package.json", "package-lock.json"} {
			if err := copyFile(filepath.Join(src, f), filepath.Join(cache, f)); err != nil {
				return nil, err
			}
		}
		fmt.Fprintf(os.Stderr, "installing @duckdb/node-api into %s...\n", cache)
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir, cmd.Stdout, cmd.Stderr = cache, os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("npm ci in %s: %w", cache, err)
		}
	}
	script := filepath.Join(cache, "job.mjs")
	if err := copyFile(filepath.Join(src, "job.mjs"), script); err != nil {
		return nil, err
	}
	p := &peer{script: script, pads: map[string]string{}}
	sk, dk := key.SerialKey(), key.DateShiftKey()
	p.pads["si"], p.pads["so"] = hmacPads(sk)
	p.pads["di"], p.pads["do"] = hmacPads(dk)
	clear(sk)
	clear(dk)
	return p, nil
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

// command returns the node process for one job.
func (p *peer) command(j peerJob) (*exec.Cmd, error) {
	j.SerialIpad, j.SerialOpad, j.ShiftIpad, j.ShiftOpad = p.pads["si"], p.pads["so"], p.pads["di"], p.pads["do"]
	in, err := json.Marshal(j)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("node", p.script)
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stderr = os.Stderr
	return cmd, nil
}

// check runs DuckDB's SQL serials and offsets over the first rows of a
// register and compares them with koble's: the hex serial (SPEC.md §4) and
// the date offset (§6) of every ID koble accepts must be equal. It returns
// the number of rows compared.
func (p *peer) check(key *pseudonym.Key, path, format, idType string, window int) (int, error) {
	cmd, err := p.command(peerJob{Job: "check", In: path, Format: format, IDType: idType, Threads: 1, Window: window, Limit: 5000})
	if err != nil {
		return 0, err
	}
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("duckdb check: %w", err)
	}
	serials := key.Serials(pseudonym.SerialOptions{})
	offsets, err := refdate.NewOffsets(key.DateShiftKey(), window, false)
	if err != nil {
		return 0, err
	}
	compared := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var row struct {
			ID     *string `json:"id"`
			Serial *string `json:"serial"`
			Offset *int32  `json:"offset"`
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			return 0, fmt.Errorf("duckdb check: bad output line: %w", err)
		}
		if row.ID == nil {
			continue
		}
		id, reason := parseForCheck(*row.ID, idType)
		if reason != pseudonym.ReasonNone {
			continue
		}
		s := serials.Compute(id)
		want := pseudonym.EncodingHex.Append(nil, s)
		off, err := offsets.Offset(s[:pseudonym.EncodingBase32Bytes])
		if err != nil {
			return 0, err
		}
		if row.Serial == nil || *row.Serial != string(want) || row.Offset == nil || *row.Offset != off {
			// No ID in the message: the row number says where.
			return 0, fmt.Errorf("duckdb check: row %d: DuckDB's serial or offset differs from koble's", compared+1)
		}
		compared++
	}
	if compared < 100 {
		return 0, fmt.Errorf("duckdb check: only %d rows compared", compared)
	}
	return compared, nil
}

func parseForCheck(v, idType string) (pseudonym.ID, pseudonym.Reason) {
	if idType == "int64" {
		var n int64
		if _, err := fmt.Sscan(v, &n); err != nil {
			return pseudonym.ID{}, pseudonym.ReasonNotInteger
		}
		return pseudonym.Norway{}.ParseInt(n)
	}
	return pseudonym.Norway{}.Parse([]byte(strings.Clone(v)))
}
