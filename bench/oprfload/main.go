// Command oprfload is the load test of the oblivious-serial service on the
// loopback interface: it starts `koble serve`'s service in a child process
// (so that its peak RSS is its own), runs -clients concurrent clients that
// each get the serials of -ids distinct IDs, and reports throughput beside
// local HMAC serials of the same IDs (the reference, measured in the same
// run), batch latency (p50, p99), the server's peak RSS, and what happens
// when a client asks for twice its quota. A second reference is a local
// 'koble prepare' with the key of the same rows (one CSV row an ID).
//
//	go run ./bench/oprfload -clients 4 -ids 1000000
//
// Batch latency is measured by the client around one request: blinding,
// the round trip with the server's evaluation and proof, verification and
// unblinding.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/koble/koble/internal/testids"
	"github.com/koble/koble/oprfservice"
	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/pseudonym/oprf"
)

func main() {
	clients := flag.Int("clients", 4, "concurrent clients")
	ids := flag.Int("ids", 1_000_000, "distinct IDs per client")
	batch := flag.Int("batch", 1000, "IDs per request")
	inFlight := flag.Int("inflight", 4, "requests in flight per client")
	serve := flag.String("serve", "", "internal: serve this configuration (secret in SECRET_HEX)")
	flag.Parse()
	var err error
	if *serve != "" {
		err = runServer(*serve)
	} else {
		err = drive(*clients, *ids, *batch, *inFlight)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "oprfload:", err)
		os.Exit(1)
	}
}

// runServer is the child: the service on the configuration, until SIGTERM.
func runServer(config string) error {
	cfg, err := oprfservice.LoadConfig(config)
	if err != nil {
		return err
	}
	secret, err := hex.DecodeString(os.Getenv("SECRET_HEX"))
	if err != nil {
		return err
	}
	key, err := pseudonym.NewKey("load", secret, time.Unix(0, 0))
	if err != nil {
		return err
	}
	svc, err := oprfservice.New(cfg, map[string]*pseudonym.Key{"load": key}, oprfservice.Options{})
	key.Close()
	if err != nil {
		return err
	}
	defer svc.Close()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	ln, err := listen(cfg.Listen)
	if err != nil {
		return err
	}
	fmt.Println("ready")
	return svc.Serve(ctx, ln)
}

// setup writes the PKI, the configuration (each client's quota is exactly
// its IDs) and returns the server's command and the project secret.
func setup(dir string, clients, ids, batch int) (*exec.Cmd, []byte, string, error) {
	names := make([]string, clients)
	var conf strings.Builder
	for i := range names {
		names[i] = fmt.Sprintf("client%d", i)
	}
	if err := oprfservice.WriteTestPKI(dir, []string{"127.0.0.1"}, names, time.Now()); err != nil {
		return nil, nil, "", err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, nil, "", err
	}
	fmt.Fprintf(&conf, "listen = %q\ntls_cert = \"server.crt\"\ntls_key = \"server.key\"\nclient_ca = \"ca.crt\"\naudit_log = \"audit.jsonl\"\nmax_batch = %d\n\n[[project]]\nname = \"load\"\nkey_file = \"unused\"\n", addr, batch)
	for _, n := range names {
		fmt.Fprintf(&conf, "\n[[client]]\nname = %q\n  [[client.grant]]\n  project = \"load\"\n  cohort = %d\n  deliveries = 1\n  rate = 1e9\n", n, ids)
	}
	config := filepath.Join(dir, "serve.toml")
	if err := os.WriteFile(config, []byte(conf.String()), 0o644); err != nil {
		return nil, nil, "", err
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	cmd := exec.Command(os.Args[0], "-serve", config)
	cmd.Env = append(os.Environ(), "SECRET_HEX="+hex.EncodeToString(secret))
	cmd.Stderr = os.Stderr
	return cmd, secret, "https://" + addr, nil
}

func drive(clients, ids, batch, inFlight int) error {
	dir, err := os.MkdirTemp("", "oprfload-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	server, secret, url, err := setup(dir, clients, ids, batch)
	if err != nil {
		return err
	}
	if err := start(server); err != nil {
		return err
	}
	all := testids.Norwegian(clients*ids + ids)
	key, err := pseudonym.NewKey("load", secret, time.Unix(0, 0))
	if err != nil {
		return err
	}
	defer key.Close()
	srv, err := oprf.NewServer(key)
	if err != nil {
		return err
	}
	inputs := canonical(all)
	fmt.Printf("%d clients x %d distinct IDs, batches of %d, %d in flight per client, GOMAXPROCS of the machine\n\n", clients, ids, batch, inFlight)

	ref := timeHMAC(key, inputs[:clients*ids])
	prepWall, prepCPU, err := timePrepare(dir, key, inputs[:clients*ids])
	if err != nil {
		server.Process.Kill()
		return fmt.Errorf("local prepare: %w", err)
	}
	cpu0 := selfCPU()
	lat, took, sample, err := load(dir, url, srv, inputs, clients, ids, batch, inFlight)
	clientCPU := selfCPU() - cpu0
	if err != nil {
		server.Process.Kill()
		return err
	}
	refused, over := overQuota(dir, url, srv.PublicKey(), inputs[clients*ids:], batch)
	server.Process.Signal(syscall.SIGTERM)
	if err := server.Wait(); err != nil {
		return fmt.Errorf("server: %w", err)
	}
	ru := server.ProcessState.SysUsage().(*syscall.Rusage)
	res := result{n: clients * ids, took: took, ref: ref, lat: lat, rss: ru.Maxrss * 1024, refused: refused, other: over,
		serverCPU: rusageCPU(ru), clientCPU: clientCPU}
	res.wrong, res.checked = verifySample(srv, sample)
	res.prepWall, res.prepCPU = prepWall, prepCPU
	return report(dir, res)
}

// selfCPU is the CPU time (user and system) of this process so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return rusageCPU(&ru)
}

func rusageCPU(ru *syscall.Rusage) time.Duration {
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
