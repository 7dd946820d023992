package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"time"

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
func load(dir, url string, pub *oprf.PublicKey, inputs [][]byte, clients, ids, batch, inFlight int) ([]time.Duration, time.Duration, error) {
	var (
		mu       sync.Mutex
		lat      []time.Duration
		firstErr error
		wg       sync.WaitGroup
	)
	t0 := time.Now()
	for c := range clients {
		cl, err := newClient(dir, url, fmt.Sprintf("client%d", c), pub, batch, inFlight)
		if err != nil {
			return nil, 0, err
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
					_, err := cl.Serials(context.Background(), chunk)
					d := time.Since(b0)
					mu.Lock()
					lat = append(lat, d)
					if err != nil && firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	slices.Sort(lat)
	return lat, time.Since(t0), firstErr
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
	fmt.Printf("| batch latency p50 / p99 (%d batches) | %d ms / %d ms |\n", len(lat), pct(0.50).Milliseconds(), pct(0.99).Milliseconds())
	fmt.Printf("| server peak RSS | %.0f MiB |\n", float64(r.rss)/(1<<20))
	fmt.Printf("| 2x quota: further batches refused (403) / other outcome | %d / %d |\n", r.refused, r.other)
	consistent := "one record a request"
	if records != len(lat)+r.refused+r.other {
		consistent = fmt.Sprintf("MISMATCH: %d requests", len(lat)+r.refused+r.other)
	}
	fmt.Printf("| audit log | %d records, chain intact, %s |\n", records, consistent)
	return nil
}
