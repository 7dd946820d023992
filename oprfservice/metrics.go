package oprfservice

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// latencyBuckets are the upper bounds, in seconds, of the batch latency
// histogram.
var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// metrics are the service's counters, written in the Prometheus text
// exposition format (version 0.0.4) by hand.
type metrics struct {
	mu          sync.Mutex
	requests    map[int]int64      // by HTTP status
	evaluations map[grantKey]int64 // granted elements
	inFlight    int64
	latency     []int64 // cumulative counts per bucket, +Inf last
	latencySum  float64
	latencyN    int64
}

func newMetrics() *metrics {
	return &metrics{requests: map[int]int64{}, evaluations: map[grantKey]int64{}, latency: make([]int64, len(latencyBuckets)+1)}
}

func (m *metrics) begin() {
	m.mu.Lock()
	m.inFlight++
	m.mu.Unlock()
}

// end records a finished evaluate request.
func (m *metrics) end(status int, k grantKey, n int, took time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.inFlight--
	m.requests[status]++
	if status != 200 {
		return
	}
	m.evaluations[k] += int64(n)
	s := took.Seconds()
	for i, b := range latencyBuckets {
		if s <= b {
			m.latency[i]++
		}
	}
	m.latency[len(latencyBuckets)]++
	m.latencySum += s
	m.latencyN++
}

// write writes every metric, with the unused quota of each grant.
func (m *metrics) write(w io.Writer, remaining map[grantKey]int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	b.WriteString("# HELP koble_oprf_requests_total Evaluate requests by HTTP status.\n# TYPE koble_oprf_requests_total counter\n")
	statuses := make([]int, 0, len(m.requests))
	for s := range m.requests {
		statuses = append(statuses, s)
	}
	sort.Ints(statuses)
	for _, s := range statuses {
		fmt.Fprintf(&b, "koble_oprf_requests_total{status=\"%d\"} %d\n", s, m.requests[s])
	}
	b.WriteString("# HELP koble_oprf_evaluations_total Elements evaluated, by client and project.\n# TYPE koble_oprf_evaluations_total counter\n")
	for _, k := range sortedKeys(m.evaluations) {
		fmt.Fprintf(&b, "koble_oprf_evaluations_total{client=%s,project=%s} %d\n", label(k.client), label(k.project), m.evaluations[k])
	}
	b.WriteString("# HELP koble_oprf_quota_remaining Evaluations left in each grant's quota.\n# TYPE koble_oprf_quota_remaining gauge\n")
	for _, k := range sortedKeys(remaining) {
		fmt.Fprintf(&b, "koble_oprf_quota_remaining{client=%s,project=%s} %d\n", label(k.client), label(k.project), remaining[k])
	}
	fmt.Fprintf(&b, "# HELP koble_oprf_in_flight Evaluate requests being served.\n# TYPE koble_oprf_in_flight gauge\nkoble_oprf_in_flight %d\n", m.inFlight)
	b.WriteString("# HELP koble_oprf_batch_seconds Time to serve a granted batch.\n# TYPE koble_oprf_batch_seconds histogram\n")
	for i, le := range latencyBuckets {
		fmt.Fprintf(&b, "koble_oprf_batch_seconds_bucket{le=\"%s\"} %d\n", strconv.FormatFloat(le, 'g', -1, 64), m.latency[i])
	}
	fmt.Fprintf(&b, "koble_oprf_batch_seconds_bucket{le=\"+Inf\"} %d\nkoble_oprf_batch_seconds_sum %g\nkoble_oprf_batch_seconds_count %d\n",
		m.latency[len(latencyBuckets)], m.latencySum, m.latencyN)
	io.WriteString(w, b.String())
}

func sortedKeys(m map[grantKey]int64) []grantKey {
	keys := make([]grantKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].client != keys[j].client {
			return keys[i].client < keys[j].client
		}
		return keys[i].project < keys[j].project
	})
	return keys
}

// label quotes a label value (Prometheus escapes backslash, quote, newline).
func label(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
