package oprfservice

import (
	"math"
	"sync"
	"time"
)

// bucket is a token bucket of evaluations: rate tokens a second, up to
// burst.
type bucket struct {
	rate, burst float64
	tokens      float64
	last        time.Time
}

// take removes n tokens if there are enough, and otherwise says how long
// until there will be.
func (b *bucket) take(n int, now time.Time) (ok bool, wait time.Duration) {
	if !b.last.IsZero() {
		b.tokens = math.Min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	if float64(n) <= b.tokens {
		b.tokens -= float64(n)
		return true, 0
	}
	need := (float64(n) - b.tokens) / b.rate
	return false, time.Duration(need * float64(time.Second))
}

// limits holds the rate buckets and the quota reservations of every
// grant. Quota use starts from what the audit log recorded.
type limits struct {
	mu       sync.Mutex
	buckets  map[grantKey]*bucket
	reserved map[grantKey]int64 // granted (logged) plus in flight
}

func newLimits() *limits {
	return &limits{buckets: map[grantKey]*bucket{}, reserved: map[grantKey]int64{}}
}

// admit checks the rate limit, then the quota, for n evaluations under
// grant g, and reserves them. used is the quota use before this request.
func (l *limits) admit(k grantKey, g GrantConfig, n, maxBatch int, logged int64, now time.Time) (rateOK bool, wait time.Duration, quotaOK bool, used int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[k]
	if b == nil {
		burst := math.Max(g.Rate, float64(maxBatch))
		b = &bucket{rate: g.Rate, burst: burst, tokens: burst}
		l.buckets[k] = b
	}
	if _, ok := l.reserved[k]; !ok {
		l.reserved[k] = logged
	}
	used = l.reserved[k]
	if used+int64(n) > g.Quota() {
		return true, 0, false, used
	}
	if ok, wait := b.take(n, now); !ok {
		return false, wait, true, used
	}
	l.reserved[k] += int64(n)
	return true, 0, true, used
}

// release returns a reservation that was not used.
func (l *limits) release(k grantKey, n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reserved[k] -= int64(n)
}

// remaining returns a grant's unused quota.
func (l *limits) remaining(k grantKey, g GrantConfig, logged int64) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	used, ok := l.reserved[k]
	if !ok {
		used = logged
	}
	return g.Quota() - used
}
