package inspect

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"signet/internal/adminwire"
	"signet/internal/secret"
	"signet/internal/sigv2"
)

// TestJudgeBoundaries checks one second either side of each deadline:
// valid from X-Amz-Date inclusive to the window's end exclusive, as the
// server judges.
func TestJudgeBoundaries(t *testing.T) {
	u := mustParse(t, presign(t, "GET", "http://localhost:9000/b/k", longTerm, time.Hour, nil))
	end := signedAt.Add(time.Hour)
	cases := []struct {
		now    time.Time
		reason string
		window string
	}{
		{signedAt.Add(-5 * time.Minute), adminwire.ReasonNotYetValid, "not yet valid (signed 5m in the future)"},
		{signedAt.Add(-time.Second), adminwire.ReasonNotYetValid, "not yet valid (signed 1s in the future)"},
		{signedAt, adminwire.ReasonValid, "valid for 1h"},
		{end.Add(-time.Second), adminwire.ReasonValid, "valid for 1s"},
		{end.Add(-time.Millisecond), adminwire.ReasonValid, "valid for less than a second"},
		{end, adminwire.ReasonURLExpired, "expired 0s ago"},
		{end.Add(2*24*time.Hour + 4*time.Hour + 59*time.Minute), adminwire.ReasonURLExpired, "expired 2d4h59m ago"},
	}
	for _, c := range cases {
		j := Judge(u, c.now)
		wantVerdict := adminwire.VerdictInvalid
		if c.reason == adminwire.ReasonValid {
			wantVerdict = adminwire.VerdictValid
		}
		if j.Reason != c.reason || j.Verdict != wantVerdict || j.Window != c.window {
			t.Errorf("at %s: %s %s %q; want %s %q", c.now, j.Verdict, j.Reason, j.Window, c.reason, c.window)
		}
	}
}

func TestJudgeSevenDayCap(t *testing.T) {
	at := signedAt.Add(time.Minute)
	for _, c := range []struct {
		expires string
		reason  string
	}{
		{"604800", adminwire.ReasonValid},
		{"604801", adminwire.ReasonExpiresOverLimit},
		{"99999999999999999999999", adminwire.ReasonExpiresOverLimit},
	} {
		raw := presign(t, "GET", "http://localhost:9000/b/k", longTerm, time.Hour, nil)
		u := mustParse(t, strings.Replace(raw, "X-Amz-Expires=3600", "X-Amz-Expires="+c.expires, 1))
		// Refused whatever the time, even before it was signed.
		for _, now := range []time.Time{signedAt.Add(-time.Hour), at} {
			if j := Judge(u, now); j.Reason != c.reason && !(c.reason == adminwire.ReasonValid && now.Before(signedAt)) {
				t.Errorf("X-Amz-Expires=%s at %s: %s, want %s", c.expires, now, j.Reason, c.reason)
			}
		}
	}
}

func TestJudgeSigV2(t *testing.T) {
	expires := signedAt.Add(30 * 24 * time.Hour) // SigV2 has no 7-day cap
	raw, err := sigv2.Presign(sigv2.PresignInput{
		Method: "GET", URL: "http://localhost:9000/b/k", AccessKeyID: "AKIAIOSFODNN7EXAMPLE",
		SecretAccessKey: secret.New("secret"), Expires: expires,
	})
	if err != nil {
		t.Fatal(err)
	}
	u := mustParse(t, raw)
	if j := Judge(u, signedAt); j.Reason != adminwire.ReasonValid || j.Window != "valid for 30d" {
		t.Errorf("before: %+v", j)
	}
	// An Expires in the past is simply expired; SigV2 has no signing time,
	// so it is never "not yet valid".
	past := strings.Replace(raw, "Expires="+strconv.FormatInt(expires.Unix(), 10), "Expires=1000000000", 1)
	u = mustParse(t, past)
	if j := Judge(u, signedAt); j.Reason != adminwire.ReasonURLExpired || !strings.HasPrefix(j.Message, "The URL's Expires time 2001-09-09T01:46:40Z passed 4274d22h13m20s ago; presign a new URL.") {
		t.Errorf("past: %+v", j)
	}
}

func TestFirstDifference(t *testing.T) {
	cases := []struct {
		a, b string
		want Difference
	}{
		{"GET\n/k\nhost:a", "GET\n/k\nhost:a", Difference{}},
		{"GET\n/k\nhost:a", "GET\n/k\nhost:b", Difference{Line: 3, Col: 5, A: "host:a", B: "host:b"}},
		{"PUT\n/k", "GET\n/k", Difference{Line: 1, Col: 0, A: "PUT", B: "GET"}},
		{"GET\n/k", "GET\n/k\nextra", Difference{Line: 3, Col: 0, A: "", B: "extra"}},
		{"GET\n/k\n", "GET\n/k", Difference{Line: 3, Col: 0, A: "", B: ""}},
	}
	for _, c := range cases {
		if got := FirstDifference(c.a, c.b); got != c.want {
			t.Errorf("FirstDifference(%q, %q) = %+v, want %+v", c.a, c.b, got, c.want)
		}
	}
}

// TestReportNeverPrintsToken renders every form of report for URLs with a
// session token and looks for the token in the output.
func TestReportNeverPrintsToken(t *testing.T) {
	token := temporary.SessionToken
	v4 := presign(t, "GET", "http://localhost:9000/b/k", temporary, time.Hour, nil)
	v2, err := sigv2.Presign(sigv2.PresignInput{
		Method: "GET", URL: "http://localhost:9000/b/k?x-amz-security-token=" + strings.ReplaceAll(token, "+", "%2B"),
		AccessKeyID: "ASIAX", SecretAccessKey: secret.New("s"), Expires: signedAt,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{v4, v2, v4 + "&X-Amz-Security-Token=" + token} {
		r := New(raw, signedAt, "GET", nil)
		r.ServerEndpoint = "http://localhost:9000"
		creq := r.Rebuilt.Text()
		r.Server = &adminwire.Explanation{
			Verdict: "invalid", Reason: adminwire.ReasonSignatureMismatch, Now: signedAt, Message: "token " + token,
			Signature: &adminwire.SignatureCheck{CanonicalRequest: creq, SignedCanonicalRequest: creq + "x", StringToSign: creq, Hint: "x-amz-security-token:" + token},
		}
		var text, js bytes.Buffer
		if err := r.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		if err := r.WriteJSON(&js); err != nil {
			t.Fatal(err)
		}
		for _, enc := range []string{token, strings.ReplaceAll(token, "+", "%2B"), strings.ReplaceAll(strings.ReplaceAll(token, "+", "%2B"), "/", "%2F")} {
			if strings.Contains(text.String(), enc) || strings.Contains(js.String(), enc) {
				t.Errorf("%s: token printed\n%s\n%s", raw, text.String(), js.String())
			}
		}
		if !json.Valid(js.Bytes()) {
			t.Errorf("invalid JSON %s", js.String())
		}
	}
}
