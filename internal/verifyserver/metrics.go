package verifyserver

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// durationBuckets are the upper bounds, in seconds, of the request
// duration histogram.
var durationBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// metrics are the figures GET /metrics exposes in the Prometheus text
// format (version 0.0.4).
type metrics struct {
	mu       sync.Mutex
	requests map[requestKey]uint64
	// buckets[i] counts requests of at most durationBuckets[i] seconds
	// (not cumulated; cumulated when written).
	buckets  []uint64
	count    uint64
	sum      float64
	inFlight atomic.Int64

	reloads, reloadErrors atomic.Uint64
}

type requestKey struct {
	code       int
	indication string // "" when no report was given
}

func newMetrics() *metrics {
	return &metrics{requests: map[requestKey]uint64{}, buckets: make([]uint64, len(durationBuckets))}
}

// observe counts one request to /v1/verify.
func (m *metrics) observe(code int, indication string, d time.Duration) {
	sec := d.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[requestKey{code, indication}]++
	m.count++
	m.sum += sec
	for i, b := range durationBuckets {
		if sec <= b {
			m.buckets[i]++
			break
		}
	}
}

// write writes every figure in the text format.
func (m *metrics) write(w io.Writer, ready bool, loaded time.Time) {
	m.mu.Lock()
	keys := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].code != keys[j].code {
			return keys[i].code < keys[j].code
		}
		return keys[i].indication < keys[j].indication
	})
	counts := make([]uint64, len(keys))
	for i, k := range keys {
		counts[i] = m.requests[k]
	}
	buckets := append([]uint64(nil), m.buckets...)
	count, sum := m.count, m.sum
	m.mu.Unlock()

	fmt.Fprintln(w, "# HELP zavera_verify_requests_total Requests to /v1/verify by HTTP status code and the signature's indication (none when no report was given).")
	fmt.Fprintln(w, "# TYPE zavera_verify_requests_total counter")
	for i, k := range keys {
		ind := k.indication
		if ind == "" {
			ind = "none"
		}
		fmt.Fprintf(w, "zavera_verify_requests_total{code=\"%d\",indication=\"%s\"} %d\n", k.code, ind, counts[i])
	}
	fmt.Fprintln(w, "# HELP zavera_verify_request_duration_seconds Time from a request's arrival to its answer.")
	fmt.Fprintln(w, "# TYPE zavera_verify_request_duration_seconds histogram")
	var cum uint64
	for i, b := range durationBuckets {
		cum += buckets[i]
		fmt.Fprintf(w, "zavera_verify_request_duration_seconds_bucket{le=\"%s\"} %d\n", formatFloat(b), cum)
	}
	fmt.Fprintf(w, "zavera_verify_request_duration_seconds_bucket{le=\"+Inf\"} %d\n", count)
	fmt.Fprintf(w, "zavera_verify_request_duration_seconds_sum %s\n", formatFloat(sum))
	fmt.Fprintf(w, "zavera_verify_request_duration_seconds_count %d\n", count)
	fmt.Fprintln(w, "# HELP zavera_verify_in_flight Verifications running now, including those whose request has timed out.")
	fmt.Fprintln(w, "# TYPE zavera_verify_in_flight gauge")
	fmt.Fprintf(w, "zavera_verify_in_flight %d\n", m.inFlight.Load())
	fmt.Fprintln(w, "# HELP zavera_verify_ready 1 once trust material is loaded.")
	fmt.Fprintln(w, "# TYPE zavera_verify_ready gauge")
	fmt.Fprintf(w, "zavera_verify_ready %d\n", b2i(ready))
	fmt.Fprintln(w, "# HELP zavera_verify_trust_loaded_timestamp_seconds When the trust material in use was loaded.")
	fmt.Fprintln(w, "# TYPE zavera_verify_trust_loaded_timestamp_seconds gauge")
	ts := 0.0
	if !loaded.IsZero() {
		ts = float64(loaded.UnixNano()) / 1e9
	}
	fmt.Fprintf(w, "zavera_verify_trust_loaded_timestamp_seconds %s\n", formatFloat(ts))
	fmt.Fprintln(w, "# HELP zavera_verify_trust_reloads_total Loads of the trust material by outcome.")
	fmt.Fprintln(w, "# TYPE zavera_verify_trust_reloads_total counter")
	fmt.Fprintf(w, "zavera_verify_trust_reloads_total{result=\"ok\"} %d\n", m.reloads.Load())
	fmt.Fprintf(w, "zavera_verify_trust_reloads_total{result=\"error\"} %d\n", m.reloadErrors.Load())
}

func formatFloat(f float64) string {
	if math.IsInf(f, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
