// Package metrics owns signet's Prometheus registry and every metric in
// it: requests, latency and bytes by API and operation, authentication
// outcomes, presigned requests' remaining life, live sessions, the
// metadata store's group-commit batch sizes, and the Go and process
// collectors. The server's middleware records each answered request from
// its record (internal/reqinfo); /metrics serves the registry.
//
// No label carries a bucket, a key, a principal or an access key: every
// label value comes from a fixed set (the APIs, the handlers' operation
// names, the error tables' codes, HTTP statuses, the auth types and
// outcomes), and each label is capped besides, so that a bug that let a
// request's own text through would still cost a bounded number of series.
package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"signet/internal/reqinfo"
)

// Path is where the separate metrics listener (--metrics-addr) serves
// the metrics; MainPath is where the main listener serves them under
// --metrics-on-main. MainPath is under /_signet/, beside the admin API:
// no bucket can take it, since a bucket name has no underscore.
const (
	Path     = "/metrics"
	MainPath = "/_signet/metrics"
)

// Other is the label value of anything outside a label's known set.
const Other = "other"

// maxValues caps the distinct values of one label. The known sets are
// far smaller (S3 has about 60 operations, IAM about 40 actions); past
// the cap a value counts as Other.
const maxValues = 256

// Names of the metrics, for the docs and the dashboard's test.
const (
	NameRequests          = "signet_requests_total"
	NameRequestDuration   = "signet_request_duration_seconds"
	NameRequestBytes      = "signet_request_bytes_total"
	NameResponseBytes     = "signet_response_bytes_total"
	NameInFlight          = "signet_requests_in_flight"
	NameAuth              = "signet_auth_total"
	NamePresigned         = "signet_presigned_requests_total"
	NamePresignedRemain   = "signet_presigned_remaining_seconds"
	NameSessionsLive      = "signet_sessions_live"
	NameCommitBatchSize   = "signet_meta_commit_batch_size"
	NameSessionsLiveError = "signet_sessions_live_errors_total"
)

// Config says where the gauges computed at scrape time read from.
type Config struct {
	// LiveSessions counts the sessions alive now (neither expired nor
	// terminated); nil leaves signet_sessions_live out.
	LiveSessions func() (int, error)
}

// Metrics is the registry and its metrics. It is safe for concurrent use.
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	bytesIn   *prometheus.CounterVec
	bytesOut  *prometheus.CounterVec
	inFlight  prometheus.Gauge
	auth      *prometheus.CounterVec
	presigned *prometheus.CounterVec
	remaining prometheus.Histogram
	batch     prometheus.Histogram
	liveErrs  prometheus.Counter

	ops, codes capped
}

// New returns the metrics, registered in a registry of their own (never
// the global one, so that two servers in one test process do not share
// counts).
func New(cfg Config) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: NameRequests,
		Help: "Requests answered, by API (s3, iam, sts, admin, other), operation, HTTP status and AWS error code (empty for a success).",
	}, []string{"api", "operation", "status", "code"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    NameRequestDuration,
		Help:    "Time from a request's arrival to the end of its response, by API and operation.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"api", "operation"})
	m.bytesIn = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: NameRequestBytes,
		Help: "Request body bytes read, by API.",
	}, []string{"api"})
	m.bytesOut = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: NameResponseBytes,
		Help: "Response body bytes written, by API.",
	}, []string{"api"})
	m.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: NameInFlight,
		Help: "Requests being served now.",
	})
	m.auth = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: NameAuth,
		Help: "Authentication outcomes, by auth type (header, presigned-v4, presigned-v2, post, anonymous) and outcome (ok, or the reason code of the refusal: url_expired, session_expired, signature_mismatch, policy_denied, ...).",
	}, []string{"type", "outcome"})
	m.presigned = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: NamePresigned,
		Help: "Presigned requests (query string or POST form) that authenticated, by what limits their life: url (their own window) or credentials (the temporary credentials that signed them expire first).",
	}, []string{"limited_by"})
	m.remaining = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: NamePresignedRemain,
		Help: "Remaining life of presigned requests when they were used, in seconds.",
		// One minute to the 7-day cap.
		Buckets: []float64{60, 300, 900, 3600, 4 * 3600, 12 * 3600, 86400, 2 * 86400, 4 * 86400, 7 * 86400},
	})
	m.batch = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    NameCommitBatchSize,
		Help:    "Writes per metadata transaction in the embedded store's group commit.",
		Buckets: prometheus.ExponentialBuckets(1, 2, 10), // 1 to 512, the largest group
	})
	m.liveErrs = prometheus.NewCounter(prometheus.CounterOpts{
		Name: NameSessionsLiveError,
		Help: "Scrapes at which the live sessions could not be counted.",
	})
	m.reg.MustRegister(m.requests, m.duration, m.bytesIn, m.bytesOut, m.inFlight, m.auth,
		m.presigned, m.remaining, m.batch, m.liveErrs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if cfg.LiveSessions != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: NameSessionsLive,
			Help: "STS sessions alive now (neither expired by the lifetime clock nor terminated), counted at scrape time.",
		}, func() float64 {
			n, err := cfg.LiveSessions()
			if err != nil {
				m.liveErrs.Inc()
				return 0
			}
			return float64(n)
		}))
	}
	return m
}

// Registry is the registry the metrics are in.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Start counts a request in flight; Done (from Observe) ends it.
func (m *Metrics) Start() { m.inFlight.Inc() }

// Observe records an answered request from its record: its status, body
// bytes read and written, and how long it took.
func (m *Metrics) Observe(rec *reqinfo.Record, status int, bytesIn, bytesOut int64, took time.Duration) {
	m.inFlight.Dec()
	api := apiLabel(rec.API)
	op := m.ops.label(rec.Operation)
	m.requests.WithLabelValues(api, op, statusLabel(status), m.codes.label(rec.ErrorCode)).Inc()
	m.duration.WithLabelValues(api, op).Observe(took.Seconds())
	if bytesIn > 0 {
		m.bytesIn.WithLabelValues(api).Add(float64(bytesIn))
	}
	if bytesOut > 0 {
		m.bytesOut.WithLabelValues(api).Add(float64(bytesOut))
	}
	if rec.AuthType != "" {
		m.auth.WithLabelValues(authTypeLabel(rec.AuthType), outcomeLabel(rec.AuthOutcome)).Inc()
	}
	if rec.Presigned {
		m.presigned.WithLabelValues(limitLabel(rec.LimitedBy)).Inc()
		m.remaining.Observe(rec.Remaining.Seconds())
	}
}

// ObserveCommitBatch records one metadata transaction of n grouped writes.
func (m *Metrics) ObserveCommitBatch(n int) { m.batch.Observe(float64(n)) }

func apiLabel(api string) string {
	switch api {
	case reqinfo.APIS3, reqinfo.APIIAM, reqinfo.APISTS, reqinfo.APIAdmin:
		return api
	}
	return Other
}

func authTypeLabel(t string) string {
	switch t {
	case reqinfo.AuthHeader, reqinfo.AuthPresignedV4, reqinfo.AuthPresignedV2, reqinfo.AuthPOST, reqinfo.AuthAnonymous:
		return t
	}
	return Other
}

// outcomeLabel passes the outcomes reqinfo produces: ok, the reason codes
// and its own few, all lower-case words joined by underscores.
func outcomeLabel(o string) string {
	if o == "" || len(o) > 40 {
		return Other
	}
	for i := 0; i < len(o); i++ {
		if c := o[i]; (c < 'a' || c > 'z') && c != '_' {
			return Other
		}
	}
	return o
}

func limitLabel(l string) string {
	switch l {
	case "url", "credentials":
		return l
	}
	return Other
}

// statusLabel is the status as three digits; anything else (a handler
// that wrote nothing counts as 200, as net/http sends) is Other.
func statusLabel(s int) string {
	if s == 0 {
		s = http.StatusOK
	}
	if s < 100 || s > 599 {
		return Other
	}
	return strconv.Itoa(s)
}

// capped admits at most maxValues distinct values of one label; later
// ones, and any that is not a plain name, are Other. "" stays "" (no
// operation known, no error code).
type capped struct {
	mu   sync.RWMutex
	seen map[string]struct{}
}

func (c *capped) label(v string) string {
	if v == "" {
		return ""
	}
	c.mu.RLock()
	_, ok := c.seen[v]
	c.mu.RUnlock()
	if ok {
		return v
	}
	if !plainName(v) {
		return Other
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.seen[v]; ok {
		return v
	}
	if len(c.seen) >= maxValues {
		return Other
	}
	if c.seen == nil {
		c.seen = make(map[string]struct{})
	}
	c.seen[v] = struct{}{}
	return v
}

// plainName: AWS's operation names and error codes are ASCII letters and
// digits (and the odd period, as in AccessDenied's cousins), at most 64.
func plainName(v string) bool {
	if len(v) > 64 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '.' {
			return false
		}
	}
	return true
}
