package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/koble/koble/linkage"
	"github.com/koble/koble/oprfservice"
	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/pseudonym/oprf"
)

func listen(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }

// freeAddr finds a free loopback port.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// start runs the server and waits for its "ready" line.
func start(cmd *exec.Cmd) error {
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "ready\n" {
		cmd.Process.Kill()
		return fmt.Errorf("the server did not start: %v", err)
	}
	return nil
}

func canonical(ids []string) [][]byte {
	out := make([][]byte, len(ids))
	for i, s := range ids {
		id, _ := pseudonym.Parse(pseudonym.Norway{}, s)
		out[i] = id.AppendCanonical(nil)
	}
	return out
}

// timeHMAC is the reference: local HMAC serials of the same IDs.
func timeHMAC(key *pseudonym.Key, inputs [][]byte) time.Duration {
	ids := make([]pseudonym.ID, len(inputs))
	for i, in := range inputs {
		ids[i], _ = pseudonym.Parse(pseudonym.Norway{}, string(in[3:]))
	}
	s := key.Serials(pseudonym.SerialOptions{})
	t0 := time.Now()
	for _, id := range ids {
		s.Compute(id)
	}
	return time.Since(t0)
}

func newClient(dir, url, name string, pub *oprf.PublicKey, batch, inFlight int) (*oprfservice.Client, error) {
	ca, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca)
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key"))
	if err != nil {
		return nil, err
	}
	return oprfservice.NewClient(oprfservice.ClientOptions{URL: url, Project: "load", PublicKey: pub,
		TLS: &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{cert}}, BatchSize: batch, InFlight: inFlight})
}

// load runs the clients at once; each keeps inFlight batches in flight and
// times every batch.
func load(dir, url string, srv *oprf.Server, inputs [][]byte, clients, ids, batch, inFlight int) ([]time.Duration, time.Duration, [][]checked, error) {
	pub := srv.PublicKey()
	var (
		mu       sync.Mutex
		lat      []time.Duration
		firstErr error
		wg       sync.WaitGroup
		sample   = make([][]checked, clients)
	)
	t0 := time.Now()
	for c := range clients {
		cl, err := newClient(dir, url, fmt.Sprintf("client%d", c), pub, batch, inFlight)
		if err != nil {
			return nil, 0, nil, err
		}
		mine := inputs[c*ids : (c+1)*ids]
		next := make(chan [][]byte)
		go func() {
			for lo := 0; lo < len(mine); lo += batch {
				next <- mine[lo:min(lo+batch, len(mine))]
			}
			close(next)
		}()
		for range inFlight {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for chunk := range next {
					b0 := time.Now()
					got, err := cl.Serials(context.Background(), chunk)
					d := time.Since(b0)
					mu.Lock()
					lat = append(lat, d)
					if err == nil {
						// The first serial of every batch is kept, to be
						// checked against the key holder's after the run.
						sample[c] = append(sample[c], checked{chunk[0], got[0]})
					}
					if err != nil && firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	took := time.Since(t0)
	slices.Sort(lat)
	return lat, took, sample, firstErr
}

// checked is a served serial kept for checking.
type checked struct {
	input  []byte
	serial pseudonym.Serial
}

// verifySample counts the kept serials that differ from the key holder's
// direct evaluation, and the kept serials in all.
func verifySample(srv *oprf.Server, sample [][]checked) (wrong, n int) {
	for _, cs := range sample {
		for _, c := range cs {
			want, err := srv.Serial(c.input)
			if err != nil || want != c.serial {
				wrong++
			}
			n++
		}
	}
	return wrong, n
}

// auditSums reads the audit log's records: the evaluations granted and
// the requests refused with 403, per the log.
func auditSums(path string) (granted, refused int, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var r oprfservice.Record
		if err := json.Unmarshal(line, &r); err != nil {
			return 0, 0, err
		}
		switch r.Status {
		case 200:
			granted += r.Count
		case 403:
			refused++
		}
	}
	return granted, refused, nil
}

// overQuota has client0, whose quota is spent, ask for as many IDs again:
// every batch must be refused (403) and nothing evaluated.
func overQuota(dir, url string, pub *oprf.PublicKey, inputs [][]byte, batch int) (refused, other int) {
	cl, err := newClient(dir, url, "client0", pub, batch, 1)
	if err != nil {
		return 0, 1
	}
	for lo := 0; lo < len(inputs); lo += batch {
		_, err := cl.Serials(context.Background(), inputs[lo:min(lo+batch, len(inputs))])
		var se *oprfservice.ServerError
		if errors.As(err, &se) && se.Status == 403 {
			refused++
		} else {
			other++
		}
	}
	return refused, other
}

// result is what one run measured.
type result struct {
	n                    int
	took, ref            time.Duration
	lat                  []time.Duration
	rss                  int64
	refused, other       int
	serverCPU, clientCPU time.Duration
	wrong, checked       int
	prepWall, prepCPU    time.Duration
}

func report(dir string, r result) error {
	f, err := os.Open(filepath.Join(dir, "audit.jsonl"))
	if err != nil {
		return err
	}
	defer f.Close()
	records, err := oprfservice.VerifyAuditLog(f)
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	lat, n := r.lat, float64(r.n)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	fmt.Printf("| measure | value |\n| --- | --- |\n")
	fmt.Printf("| IDs through the service | %d |\n", r.n)
	fmt.Printf("| wall time, all clients | %.1f s |\n", r.took.Seconds())
	fmt.Printf("| CPU time (user+sys): server / clients | %.1f s / %.1f s (%.0f µs / %.0f µs an ID) |\n",
		r.serverCPU.Seconds(), r.clientCPU.Seconds(), r.serverCPU.Seconds()*1e6/n, r.clientCPU.Seconds()*1e6/n)
	fmt.Printf("| throughput | %.0f IDs/s |\n", n/r.took.Seconds())
	fmt.Printf("| local HMAC serials of the same IDs (reference) | %.3f s, %.0f IDs/s |\n", r.ref.Seconds(), n/r.ref.Seconds())
	fmt.Printf("| ratio OPRF service / local HMAC (time) | %.0fx |\n", r.took.Seconds()/r.ref.Seconds())
	fmt.Printf("| local koble prepare --key of the same rows (CSV, one row an ID, to Parquet), wall / CPU | %.2f s / %.2f s, %.0f rows/s |\n",
		r.prepWall.Seconds(), r.prepCPU.Seconds(), n/r.prepWall.Seconds())
	fmt.Printf("| ratio OPRF service / local prepare (wall time) | %.0fx |\n", r.took.Seconds()/r.prepWall.Seconds())
	fmt.Printf("| batch latency p50 / p99 (%d batches) | %d ms / %d ms |\n", len(lat), pct(0.50).Milliseconds(), pct(0.99).Milliseconds())
	fmt.Printf("| server peak RSS | %.0f MiB |\n", float64(r.rss)/(1<<20))
	fmt.Printf("| 2x quota: further batches refused (403) / other outcome | %d / %d |\n", r.refused, r.other)
	consistent := "one record a request"
	if records != len(lat)+r.refused+r.other {
		consistent = fmt.Sprintf("MISMATCH: %d requests", len(lat)+r.refused+r.other)
	}
	fmt.Printf("| audit log | %d records, chain intact, %s |\n", records, consistent)
	granted, refused, err := auditSums(filepath.Join(dir, "audit.jsonl"))
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	fmt.Printf("| audit log: evaluations granted / IDs served; 403 records / refused batches | %d / %d; %d / %d |\n", granted, r.n, refused, r.refused)
	fmt.Printf("| served serials checked against the key holder's (first of each batch) | %d checked, %d differ |\n", r.checked, r.wrong)
	return nil
}

// timePrepare is the second reference: a local 'koble prepare' with the
// project key (linkage.Prepare: read CSV, HMAC serials, write Parquet) of
// one CSV row per ID, the rows the clients pseudonymised. It returns the
// wall time and the CPU time of this process over the run.
func timePrepare(dir string, key *pseudonym.Key, inputs [][]byte) (wall, cpu time.Duration, err error) {
	in := filepath.Join(dir, "ids.csv")
	var b bytes.Buffer
	b.WriteString("fnr\n")
	for _, c := range inputs {
		b.Write(c[3:]) // "no:" + 11 digits
		b.WriteByte('\n')
	}
	if err := os.WriteFile(in, b.Bytes(), 0o600); err != nil {
		return 0, 0, err
	}
	cpu0, t0 := selfCPU(), time.Now()
	_, err = linkage.Prepare(context.Background(), linkage.PrepareConfig{In: in, Out: filepath.Join(dir, "ids.parquet"), Key: key,
		IDColumn: "fnr", Scheme: pseudonym.Norway{}})
	wall, cpu = time.Since(t0), selfCPU()-cpu0
	os.Remove(in)
	os.Remove(filepath.Join(dir, "ids.parquet"))
	return wall, cpu, err
}
