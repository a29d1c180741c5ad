package server_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"signet/internal/adminwire"
)

// Hostile requests against a revoked presigned URL: the URL altered,
// encoded, duplicated, oversized, sent with another method, and expired.
// None may be served; the ones that still carry the URL's own signature
// are refused as revoked (or, past its window, as expired); the objects
// keep their bytes.
func TestAdversarialRevokedURL(t *testing.T) {
	a := newAdvEnv(t)
	tgt := a.presign(t, http.MethodGet, "/adv/obj", a.alice, time.Hour)
	sibling := a.presign(t, http.MethodGet, "/adv/obj", a.alice, 2*time.Hour)
	if _, err := a.adminAs(a.root()).RevokeURL(t.Context(), adminwire.RevokeURLRequest{
		ExplainRequest: adminwire.ExplainRequest{URL: "http://" + a.host + tgt}, Reason: "adversarial"}); err != nil {
		t.Fatalf("RevokeURL: %v", err)
	}
	sig := regexp.MustCompile(`X-Amz-Signature=([0-9a-f]{64})`).FindStringSubmatch(tgt)[1]
	get := func(target string) advReq { return advReq{method: http.MethodGet, target: target} }
	revoked := func(t *testing.T, r rawResp) {
		t.Helper()
		if r.status != 403 || !strings.Contains(string(r.body), "This presigned URL has been revoked.") {
			t.Fatalf("%s = %d %s, want 403 revoked", r.req, r.status, r.body)
		}
	}
	refused := func(t *testing.T, r rawResp) {
		t.Helper()
		if r.status < 400 {
			t.Fatalf("%s = %d %s: served", r.req, r.status, abbreviate(string(r.body)))
		}
	}
	base, query, _ := strings.Cut(tgt, "?")
	params := strings.Split(query, "&")
	reversed := make([]string, len(params))
	for i, p := range params {
		reversed[len(params)-1-i] = p
	}
	var encoded strings.Builder
	for i := 0; i < len(sig); i++ {
		encoded.WriteString("%" + strings.ToUpper(hexByte(sig[i])))
	}
	rows := []struct {
		name  string
		req   advReq
		check func(*testing.T, rawResp)
	}{
		{"as revoked", get(tgt), revoked},
		{"query re-ordered", get(base + "?" + strings.Join(reversed, "&")), revoked},
		{"signature percent-encoded byte by byte", get(strings.Replace(tgt, sig, encoded.String(), 1)), revoked},
		{"signature upper-cased", get(strings.Replace(tgt, sig, strings.ToUpper(sig), 1)), refused},
		{"signature duplicated, revoked one first", get(tgt + "&X-Amz-Signature=" + strings.Repeat("0", 64)), refused},
		{"signature duplicated, revoked one second", get(strings.Replace(tgt, "X-Amz-Signature="+sig, "X-Amz-Signature="+strings.Repeat("0", 64)+"&X-Amz-Signature="+sig, 1)), refused},
		{"signature oversized", get(strings.Replace(tgt, sig, sig+strings.Repeat("a", 8192), 1)), refused},
		{"signature cut short", get(strings.Replace(tgt, sig, sig[:63], 1)), refused},
		{"another method", advReq{method: http.MethodHead, target: tgt}, refused},
		{"another object", get(strings.Replace(tgt, "/adv/obj", "/adv/other", 1)), refused},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			row.check(t, a.send(t, row.req))
			a.intact(t)
		})
	}
	if r := a.send(t, get(sibling)); r.status != 200 {
		t.Fatalf("the sibling URL of the same signer = %d %s", r.status, r.body)
	}
	// Past its window the URL says it expired, as it would have anyway.
	a.fake.Advance(time.Hour)
	if r := a.send(t, get(tgt)); r.status != 403 || !strings.Contains(string(r.body), "Request has expired") {
		t.Fatalf("the revoked URL past its window = %d %s", r.status, r.body)
	}
}

func hexByte(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}
