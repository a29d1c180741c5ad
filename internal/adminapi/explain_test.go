package adminapi_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"signet/internal/adminapi"
	"signet/internal/adminwire"
	"signet/internal/explain"
)

// fakeExplainer records what it is asked and answers with out or err.
type fakeExplainer struct {
	got   []adminwire.ExplainRequest
	out   *adminwire.Explanation
	err   error
	calls int
}

func (f *fakeExplainer) Explain(_ context.Context, req adminwire.ExplainRequest) (*adminwire.Explanation, error) {
	f.calls++
	f.got = append(f.got, req)
	return f.out, f.err
}

func (f *fixture) withExplainer(t testing.TB, e adminapi.Explainer) {
	f.api = mustNew(t, adminapi.Config{Clock: f.clk, Store: f.store, Authz: f.authz, Explainer: e})
}

func TestExplainRoute(t *testing.T) {
	const body = `{"url":"https://s3.example.com/life/cat?X-Amz-Signature=00","method":"PUT","headers":{"Host":["proxy.internal"]}}`
	f := newFixture(t, false)
	ex := &fakeExplainer{out: &adminwire.Explanation{Verdict: adminwire.VerdictInvalid, Reason: adminwire.ReasonURLExpired, Message: "gone"}}
	f.withExplainer(t, ex)
	got := decode[adminwire.Explanation](t, f.do(t, "POST", "explain", body))
	if got.Reason != adminwire.ReasonURLExpired || got.Message != "gone" {
		t.Errorf("explanation %+v", got)
	}
	want := adminwire.ExplainRequest{URL: "https://s3.example.com/life/cat?X-Amz-Signature=00", Method: "PUT",
		Headers: map[string][]string{"Host": {"proxy.internal"}}}
	if len(ex.got) != 1 || !reflect.DeepEqual(ex.got[0], want) {
		t.Errorf("explainer asked %+v, want %+v", ex.got, want)
	}
	if !slices.Equal(f.authz.calls, []string{"signet:ExplainURL *"}) {
		t.Errorf("authorizer calls %v", f.authz.calls)
	}
}

func TestExplainRouteRefusals(t *testing.T) {
	valid := `{"url":"http://127.0.0.1:9000/b/k?X-Amz-Signature=00"}`
	tests := []struct {
		name    string
		deny    bool
		body    string
		err     error // the explainer's
		none    bool  // no explainer configured
		status  int
		code    string
		message string // a fragment
		asked   bool   // whether the explainer is reached
	}{
		{name: "not allowed", deny: true, body: valid, status: 403, code: "AccessDenied", message: "signet:ExplainURL"},
		{name: "not JSON", body: `url=http://x/`, status: 400, code: "InvalidRequest", message: `{"url": `},
		{name: "no url", body: `{}`, status: 400, code: "InvalidRequest", message: "no url"},
		{name: "not http", body: `{"url":"ftp://host/b/k"}`, status: 400, code: "InvalidRequest", message: "http:// or https://"},
		{name: "no host", body: `{"url":"/b/k?X-Amz-Signature=00"}`, status: 400, code: "InvalidRequest", message: "with a host"},
		{name: "bad method", body: `{"url":"http://h/b/k","method":"GET /"}`, status: 400, code: "InvalidRequest", message: "not an HTTP method"},
		{name: "bad header name", body: `{"url":"http://h/b/k","headers":{"Bad Name":["x"]}}`, status: 400, code: "InvalidRequest", message: "header name"},
		{name: "too large", body: `{"url":"http://h/b/k?` + strings.Repeat("a", adminapi.MaxExplainBody) + `"}`, status: 413, code: "InvalidRequest", message: "64 KiB"},
		{name: "explainer refuses the request", body: valid, err: &explain.RequestError{Message: "the URL's path cannot be sent"},
			status: 400, code: "InvalidRequest", message: "the URL's path cannot be sent", asked: true},
		{name: "explainer fails", body: valid, err: errors.New("disk on fire"), status: 500, code: "InternalError", message: "req-42", asked: true},
		{name: "no explainer", none: true, body: valid, status: 501, code: "NotImplemented", message: "does not explain"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, false)
			ex := &fakeExplainer{err: tc.err}
			if tc.none {
				f.withExplainer(t, nil)
			} else {
				f.withExplainer(t, ex)
			}
			f.authz.deny["signet:ExplainURL"] = tc.deny
			w := f.do(t, "POST", "explain", tc.body)
			e := wantError(t, w, tc.status, tc.code)
			if !strings.Contains(e.Error.Message, tc.message) {
				t.Errorf("message %q lacks %q", e.Error.Message, tc.message)
			}
			if strings.Contains(w.Body.String(), "fire") {
				t.Errorf("an internal error leaked: %s", w.Body)
			}
			if (ex.calls > 0) != tc.asked {
				t.Errorf("explainer called %d times, want called: %v", ex.calls, tc.asked)
			}
		})
	}
	// Only POST explains.
	f := newFixture(t, false)
	f.withExplainer(t, &fakeExplainer{})
	wantError(t, f.do(t, http.MethodGet, "explain", ""), http.StatusNotFound, "NotFound")
}
