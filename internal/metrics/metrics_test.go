package metrics

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"signet/internal/reqinfo"
)

// everything returns metrics in which every family has a series: a
// request of each kind observed, a commit batch, live sessions counted.
func everything(t *testing.T) *Metrics {
	t.Helper()
	m := New(Config{LiveSessions: func() (int, error) { return 3, nil }})
	m.Start()
	m.Observe(&reqinfo.Record{API: reqinfo.APIS3, Operation: "GetObject", AuthType: reqinfo.AuthPresignedV4,
		AuthOutcome: reqinfo.OutcomeOK, Presigned: true, LimitedBy: "credentials", Remaining: 90 * time.Second}, 200, 10, 4096, time.Millisecond)
	m.Start()
	m.Observe(&reqinfo.Record{API: reqinfo.APIS3, Operation: "GetObject", ErrorCode: "ExpiredToken",
		AuthType: reqinfo.AuthPresignedV4, AuthOutcome: "session_expired"}, 400, 0, 300, time.Millisecond)
	m.ObserveCommitBatch(7)
	return m
}

func gather(t *testing.T, m *Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, f := range fams {
		out[f.GetName()] = f
	}
	return out
}

// series finds the one series of family name whose labels are exactly
// labels ("k=v" pairs).
func series(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels ...string) *dto.Metric {
	t.Helper()
	f := fams[name]
	if f == nil {
		t.Fatalf("no metric %s", name)
	}
	want := strings.Join(labels, ",")
	var seen []string
	for _, m := range f.GetMetric() {
		var got []string
		for _, l := range m.GetLabel() {
			got = append(got, l.GetName()+"="+l.GetValue())
		}
		if strings.Join(got, ",") == want {
			return m
		}
		seen = append(seen, strings.Join(got, ","))
	}
	t.Fatalf("%s has no series {%s}; it has %q", name, want, seen)
	return nil
}

func TestObserveRecordsEveryMetric(t *testing.T) {
	fams := gather(t, everything(t))
	if got := series(t, fams, NameRequests, "api=s3", "code=", "operation=GetObject", "status=200").GetCounter().GetValue(); got != 1 {
		t.Errorf("GetObject 200 = %v, want 1", got)
	}
	if got := series(t, fams, NameRequests, "api=s3", "code=ExpiredToken", "operation=GetObject", "status=400").GetCounter().GetValue(); got != 1 {
		t.Errorf("GetObject 400 ExpiredToken = %v, want 1", got)
	}
	if got := series(t, fams, NameRequestDuration, "api=s3", "operation=GetObject").GetHistogram().GetSampleCount(); got != 2 {
		t.Errorf("latency samples = %v, want 2", got)
	}
	if got := series(t, fams, NameRequestBytes, "api=s3").GetCounter().GetValue(); got != 10 {
		t.Errorf("bytes in = %v, want 10", got)
	}
	if got := series(t, fams, NameResponseBytes, "api=s3").GetCounter().GetValue(); got != 4396 {
		t.Errorf("bytes out = %v, want 4396", got)
	}
	if got := series(t, fams, NameAuth, "outcome=session_expired", "type=presigned-v4").GetCounter().GetValue(); got != 1 {
		t.Errorf("auth session_expired = %v, want 1", got)
	}
	if got := series(t, fams, NamePresigned, "limited_by=credentials").GetCounter().GetValue(); got != 1 {
		t.Errorf("presigned limited by credentials = %v, want 1", got)
	}
	h := series(t, fams, NamePresignedRemain).GetHistogram()
	if h.GetSampleCount() != 1 || h.GetSampleSum() != 90 {
		t.Errorf("remaining life: %d samples summing %v, want 1 of 90", h.GetSampleCount(), h.GetSampleSum())
	}
	if got := series(t, fams, NameInFlight).GetGauge().GetValue(); got != 0 {
		t.Errorf("in flight after two observed requests = %v, want 0", got)
	}
	if got := series(t, fams, NameSessionsLive).GetGauge().GetValue(); got != 3 {
		t.Errorf("live sessions = %v, want 3", got)
	}
	if h := series(t, fams, NameCommitBatchSize).GetHistogram(); h.GetSampleSum() != 7 {
		t.Errorf("commit batch sizes sum to %v, want 7", h.GetSampleSum())
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		if fams[name] == nil {
			t.Errorf("no %s: the Go and process collectors are registered", name)
		}
	}
}

func TestLiveSessionsErrorCounted(t *testing.T) {
	m := New(Config{LiveSessions: func() (int, error) { return 0, fmt.Errorf("store closed") }})
	// The gauge and the counter are collected concurrently, so a
	// scrape's own failure shows by the next one.
	gather(t, m)
	fams := gather(t, m)
	if got := series(t, fams, NameSessionsLiveError).GetCounter().GetValue(); got < 1 {
		t.Errorf("errors after two failed counts = %v, want at least 1", got)
	}
	if got := series(t, fams, NameSessionsLive).GetGauge().GetValue(); got != 0 {
		t.Errorf("live sessions when they cannot be counted = %v, want 0", got)
	}
}

// Label values come from fixed sets, and whatever is not in them is
// "other": a request's own text never becomes a series, and the number of
// operations and codes is capped even if a handler let one through.
func TestLabelsStayBounded(t *testing.T) {
	m := New(Config{})
	for i := range 3 * maxValues {
		m.Start()
		m.Observe(&reqinfo.Record{
			API: fmt.Sprintf("api%d", i), Operation: fmt.Sprintf("Op%d", i), ErrorCode: fmt.Sprintf("Code%d", i),
			AuthType: fmt.Sprintf("type%d", i), AuthOutcome: fmt.Sprintf("Outcome %d", i),
			Presigned: true, LimitedBy: fmt.Sprintf("limit%d", i),
		}, 100+i, 0, 0, 0)
	}
	m.Start()
	m.Observe(&reqinfo.Record{API: reqinfo.APIS3, Operation: "bucket/key with spaces", ErrorCode: "<xml>"}, 200, 0, 0, 0)
	fams := gather(t, m)
	values := map[string]map[string]bool{}
	for _, f := range fams {
		if !strings.HasPrefix(f.GetName(), "signet_") {
			continue
		}
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				if values[l.GetName()] == nil {
					values[l.GetName()] = map[string]bool{}
				}
				values[l.GetName()][l.GetValue()] = true
			}
		}
	}
	limits := map[string]int{"api": 5, "type": 6, "limited_by": 3, "outcome": 1, "status": 501, "operation": maxValues + 2, "code": maxValues + 2}
	for label, vals := range values {
		if len(vals) > limits[label] {
			t.Errorf("label %s has %d values, want at most %d", label, len(vals), limits[label])
		}
	}
	for _, label := range []string{"api", "operation", "code", "type", "limited_by", "outcome"} {
		if !values[label][Other] {
			t.Errorf("label %s never says %q for values outside its set", label, Other)
		}
	}
	if values["operation"]["bucket/key with spaces"] || values["code"]["<xml>"] {
		t.Errorf("a value that is not a plain name became a label: %v %v", values["operation"], values["code"])
	}
}

// exprName matches the metric names a PromQL expression uses.
var exprName = regexp.MustCompile(`\b(signet|go|process)_[a-z0-9_]+`)

// The sample dashboard in contrib/grafana uses only metrics that exist,
// and shows at least requests, latency, authentication outcomes and the
// remaining life of presigned requests.
func TestGrafanaDashboardUsesRegisteredMetrics(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "contrib", "grafana", "signet.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("contrib/grafana/signet.json is not JSON: %v", err)
	}
	var exprs []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "expr" {
					exprs = append(exprs, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	if len(exprs) == 0 {
		t.Fatal("the dashboard has no expr fields")
	}
	fams := gather(t, everything(t))
	used := map[string]bool{}
	for _, e := range exprs {
		for _, name := range exprName.FindAllString(e, -1) {
			base := name
			if fams[name] == nil {
				for _, suffix := range []string{"_bucket", "_sum", "_count"} {
					if b, ok := strings.CutSuffix(name, suffix); ok && fams[b] != nil && fams[b].GetType() == dto.MetricType_HISTOGRAM {
						base = b
					}
				}
			}
			if fams[base] == nil {
				t.Errorf("the dashboard's %q uses %s, which the registry does not have", e, name)
			}
			used[base] = true
		}
	}
	for _, want := range []string{NameRequests, NameRequestDuration, NameAuth, NamePresignedRemain} {
		if !used[want] {
			t.Errorf("the dashboard does not show %s", want)
		}
	}
}
