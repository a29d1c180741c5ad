package server_test

// Adversarial section: encoded routing parameters (issue 13, finding 1).
// What is routed must be exactly what was signed. Every S3 sub-resource
// SigV2 signs and every response-* override, its name percent-encoded in
// every way, is appended to a request signed without it, under SigV2 query
// auth, SigV2 header auth, SigV4 query auth and SigV4 header auth: each
// must be refused with 403 SignatureDoesNotMatch, never routed unsigned,
// and the dry run that `signet inspect` and the explain API use must say
// the same.

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"signet/internal/adminwire"
	"signet/internal/secret"
	"signet/internal/sigv2"
)

// routingNames are the query names the router or the response-header
// overrides act on and that SigV2 signs: its sub-resources and the six
// response-* overrides.
var routingNames = []string{
	"accelerate", "acl", "analytics", "cors", "defaultObjectAcl", "delete", "encryption",
	"inventory", "legal-hold", "lifecycle", "location", "logging", "metrics", "notification",
	"object-lock", "partNumber", "policy", "replication", "requestPayment", "restore",
	"retention", "select", "select-type", "storageClass", "tagging", "torrent", "uploadId",
	"uploads", "versionId", "versioning", "versions", "website",
	"response-cache-control", "response-content-disposition", "response-content-encoding",
	"response-content-language", "response-content-type", "response-expires",
}

// encodings spells name so that it still decodes to name: first byte
// escaped (upper- and lower-case hex), last byte escaped, every byte
// escaped, each '-' escaped.
func encodings(name string) []string {
	esc := func(b byte, hex string) string { return "%" + string(hex[b>>4]) + string(hex[b&15]) }
	const up, lo = "0123456789ABCDEF", "0123456789abcdef"
	var all strings.Builder
	for i := 0; i < len(name); i++ {
		all.WriteString(esc(name[i], up))
	}
	out := []string{
		esc(name[0], up) + name[1:],
		esc(name[0], lo) + name[1:],
		name[:len(name)-1] + esc(name[len(name)-1], up),
		all.String(),
	}
	if strings.Contains(name, "-") {
		out = append(out, strings.ReplaceAll(name, "-", "%2D"))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// routingValue is a value that makes the appended parameter do harm.
func routingValue(a *advEnv, name string) string {
	switch {
	case strings.HasPrefix(name, "response-"):
		return "text%2Fhtml"
	case name == "uploadId":
		return a.upload
	case name == "partNumber":
		return "1"
	}
	return ""
}

// signedBase is a request signed without the appended parameter, ready
// to have it appended to its target.
type signedBase struct {
	mech string
	req  advReq
	// url is the presigned URL (query auth only), for the dry run.
	url bool
}

// routingBases signs method tgt (with body) in the four mechanisms.
func routingBases(t *testing.T, a *advEnv, method, tgt string, body []byte) []signedBase {
	t.Helper()
	v2q, err := sigv2.Presign(sigv2.PresignInput{
		Method: method, URL: "http://" + a.host + tgt, AccessKeyID: a.akid, SecretAccessKey: secret.New(a.sec),
		Expires: a.fake.Now().Add(time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	hr := httpReq(method, a.host, tgt, body)
	if err := sigv2.SignHeader(hr, a.akid, secret.New(a.sec), a.fake.Now(), ""); err != nil {
		t.Fatal(err)
	}
	return []signedBase{
		{mech: "SigV2 query", req: advReq{method: method, target: target(v2q), body: body}, url: true},
		{mech: "SigV2 header", req: advReq{method: method, target: tgt, header: hr.Header, body: body}},
		{mech: "SigV4 query", req: advReq{method: method, target: a.presign(t, method, tgt, a.root(), time.Hour), body: body}, url: true},
		{mech: "SigV4 header", req: a.rootHeader(t, method, tgt, nil, body)},
	}
}

func appendQuery(tgt, pair string) string {
	if strings.Contains(tgt, "?") {
		return tgt + "&" + pair
	}
	return tgt + "?" + pair
}

// TestAdversarialEncodedRouting is the section's matrix: every routing
// name, every encoding, every mechanism, on a listing link, a download
// link, an upload link and a bucket DELETE link.
func TestAdversarialEncodedRouting(t *testing.T) {
	a := newAdvEnv(t)
	a.intact(t)
	bases := []struct {
		method, tgt string
		body        []byte
	}{
		{http.MethodGet, "/adv2", nil},
		{http.MethodGet, "/adv/obj", nil},
		{http.MethodPut, "/adv/obj", []byte("overwritten")},
		{http.MethodDelete, "/adv2", nil},
	}
	sent, refused := 0, 0
	for _, b := range bases {
		a.fake.Set(t0)
		for _, base := range routingBases(t, a, b.method, b.tgt, b.body) {
			for _, name := range routingNames {
				for _, enc := range encodings(name) {
					pair := enc + "=" + routingValue(a, name)
					req := base.req
					req.target = appendQuery(req.target, pair)
					r := a.send(t, req)
					sent++
					code, _ := errorCode(r.body)
					if r.status != http.StatusForbidden || code != "SignatureDoesNotMatch" {
						t.Errorf("%s %s %s + %q: %d %s, want 403 SignatureDoesNotMatch (routed unsigned?)", base.mech, b.method, b.tgt, pair, r.status, code)
						continue
					}
					refused++
				}
			}
		}
	}
	a.intact(t)
	// adv2's bucket policy, which the DELETE ?policy rows aimed at, is still there.
	if r := a.send(t, a.rootHeader(t, http.MethodGet, "/adv2?policy", nil, nil)); r.status != 200 {
		t.Fatalf("adv2's bucket policy: %d\n%s", r.status, r)
	}
	t.Logf("%d requests with an encoded routing parameter appended, %d refused with SignatureDoesNotMatch", sent, refused)
}

// TestAdversarialDroppedSignedParameter: a signed response-* override
// resent in a spelling the router drops (a raw ';', a '+' for a signed
// "%2B") must not be served without it, or with another value.
func TestAdversarialDroppedSignedParameter(t *testing.T) {
	a := newAdvEnv(t)
	for _, c := range []struct{ signed, sent string }{
		{"response-content-disposition=attachment%3Bfilename%3Dx.html", "response-content-disposition=attachment;filename=x.html"},
		{"response-content-type=text%2Fplain%3Bcharset%3Dutf-8", "response-content-type=text/plain;charset=utf-8"},
		{"response-content-type=a%2Bb", "response-content-type=a+b"},
	} {
		for _, base := range routingBases(t, a, http.MethodGet, "/adv/obj?"+c.signed, nil) {
			ok := a.send(t, base.req)
			if ok.status != 200 {
				t.Fatalf("%s: the signed request itself: %d\n%s", base.mech, ok.status, ok)
			}
			req := base.req
			req.target = strings.Replace(req.target, c.signed, c.sent, 1)
			if req.target == base.req.target {
				t.Fatalf("%s: %q not found in %q", base.mech, c.signed, base.req.target)
			}
			r := a.send(t, req)
			if code, _ := errorCode(r.body); r.status != http.StatusForbidden || code != "SignatureDoesNotMatch" {
				t.Errorf("%s: signed %q, sent %q: %d %s (Content-Type %q, Content-Disposition %q), want 403 SignatureDoesNotMatch",
					base.mech, c.signed, c.sent, r.status, code, r.header.Get("Content-Type"), r.header.Get("Content-Disposition"))
			}
		}
	}
	a.intact(t)
}

// TestAdversarialEncodedRoutingDryRun: the explain API (the dry run that
// `signet inspect` asks the server for) judges an appended encoded
// sub-resource as the server does: a signature mismatch, not a valid URL.
func TestAdversarialEncodedRoutingDryRun(t *testing.T) {
	a := newAdvEnv(t)
	for _, c := range []struct{ tgt, pair string }{
		{"/adv2", "%70olicy"},
		{"/adv2", "%75ploads"},
		{"/adv/obj", "response%2Dcontent-type=text%2Fhtml"},
		{"/adv/obj", "%75ploadId=" + url.QueryEscape(a.upload) + "&%70artNumber=1"},
	} {
		for _, base := range routingBases(t, a, http.MethodGet, c.tgt, nil) {
			if !base.url {
				continue
			}
			u := "http://" + a.host + appendQuery(base.req.target, c.pair)
			ex := a.explain(t, adminwire.ExplainRequest{URL: u})
			checkExplanation(t, ex, adminwire.ReasonSignatureMismatch, "SignatureDoesNotMatch")
		}
	}
}
