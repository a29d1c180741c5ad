package server_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"signet/internal/adminclient"
	"signet/internal/adminwire"
	"signet/internal/authn"
	"signet/internal/sigprint"
)

// waitUses asks the admin API for the uses of p until there are n (the
// server writes them within its flush interval), bounded so that a use
// never written fails the test rather than hanging it.
func waitUses(t *testing.T, c *adminclient.Client, p sigprint.Print, n int) []adminwire.URLUse {
	t.Helper()
	var got *adminwire.URLUses
	for range 500 {
		var err error
		if got, err = c.URLUses(t.Context(), p, 0); err != nil {
			t.Fatalf("URLUses: %v", err)
		}
		if len(got.Uses) >= n {
			return got.Uses
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%d uses of %s listed, want %d: %+v", len(got.Uses), p, n, got.Uses)
	return nil
}

// TestAccessLogAndUsesOfAPresignedLink: the access line of a presigned
// GET signed by a role session names the session, the link's fingerprint
// (not its signature), when it was signed, its own and effective expiry
// and what limits it, served and refused alike; a header-signed line
// carries none of these fields. Both uses are listed, newest first, with
// the client's address, status, bytes and verdict.
func TestAccessLogAndUsesOfAPresignedLink(t *testing.T) {
	ie := newIdentityEnv(t)
	sess := ie.assume(t, ie.alice, ie.roleARN, "logged", 900)
	u := ie.presign(t, sess.sig(), time.Hour)
	p, ok := authn.PrintOfURL(u)
	if !ok {
		t.Fatal("no fingerprint for a presigned URL")
	}

	served := do(t, ie.httpc, http.MethodGet, u, nil, nil)
	wantOK(t, served, 200, ie.body)
	line := accessLine(t, ie.testEnv, served.header.Get("X-Amz-Request-Id"))
	wantFields(t, line, "auth_type=presigned-v4", "auth_outcome=ok", "session_name=logged", "sig_fingerprint="+p.String(),
		"signed_at="+t0.Format(time.RFC3339), "url_expires="+t0.Add(time.Hour).Format(time.RFC3339),
		"effective_expires="+t0.Add(900*time.Second).Format(time.RFC3339), "limited_by=credentials")
	sig := u[strings.Index(u, "X-Amz-Signature=")+len("X-Amz-Signature="):]
	if strings.Contains(p.String(), sig) || strings.Contains(sig, p.String()) || strings.Contains(ie.logs.String(), sig) {
		t.Errorf("the fingerprint %s is (part of) the signature %s, or the log holds the signature", p, sig)
	}

	ie.fake.Set(t0.Add(901 * time.Second))
	refused := do(t, ie.httpc, http.MethodGet, u, nil, nil)
	wantErr(t, refused, 400, "ExpiredToken")
	line = accessLine(t, ie.testEnv, refused.header.Get("X-Amz-Request-Id"))
	wantFields(t, line, "auth_outcome=session_expired", "error_code=ExpiredToken", "sig_fingerprint="+p.String(),
		"signed_at="+t0.Format(time.RFC3339), "url_expires="+t0.Add(time.Hour).Format(time.RFC3339))

	header := do(t, ie.httpc, http.MethodGet, ie.ts.URL+"/life/cat", nil, nil) // anonymous: refused
	line = accessLine(t, ie.testEnv, header.header.Get("X-Amz-Request-Id"))
	for _, f := range []string{"sig_fingerprint=", "session_name=", "signed_at=", "url_expires=", "effective_expires=", "limited_by="} {
		if strings.Contains(line, " "+f) {
			t.Errorf("a request without a presigned signature logs %s:\n%s", f, line)
		}
	}

	uses := waitUses(t, ie.adminAs(ie.root()), p, 2)
	if len(uses) != 2 {
		t.Fatalf("uses = %+v, want 2", uses)
	}
	last, first := uses[0], uses[1]
	if last.Status != 400 || last.ErrorCode != "ExpiredToken" || last.Outcome != "session_expired" || last.Client != "127.0.0.1" ||
		last.Method != http.MethodGet || last.AccessKeyID != sess.AccessKeyId {
		t.Errorf("the refused use = %+v", last)
	}
	if first.Status != 200 || first.Bytes != int64(len(ie.body)) || first.Outcome != "ok" || first.ErrorCode != "" ||
		first.Operation != "GetObject" || !strings.HasSuffix(first.Principal, ":assumed-role/reader/logged") || first.At.After(last.At) {
		t.Errorf("the served use = %+v", first)
	}

	// The uses are an admin's to read: alice's policies do not allow
	// signet:ListURLUses.
	_, err := ie.adminAs(ie.alice).URLUses(t.Context(), p, 0)
	if err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("alice asking for the uses: %v, want AccessDenied", err)
	}
}

// TestAccessLogOfRefusedForms: a browser form whose signature held but
// whose policy refused a field is logged with its signer and facts (the
// signer, the form's fingerprint, signing time and window) and the
// verdict policy_condition_failed; a form denied by an identity policy
// keeps them with policy_denied. Both are uses of the form.
func TestAccessLogOfRefusedForms(t *testing.T) {
	a := newAdvEnv(t)
	onObj := []string{`{"key": "adv/obj"}`}
	cases := []struct {
		name    string
		form    advForm
		status  int
		outcome string
		who     string
	}{
		{"policy_condition_failed", advForm{c: a.alice, conds: []string{`["starts-with", "$key", "elsewhere/"]`}, fields: [][2]string{{"key", "adv/obj"}}, files: 1, file: "x"},
			403, "policy_condition_failed", ":user/alice"},
		{"policy_denied", advForm{c: a.mallory, conds: onObj, fields: [][2]string{{"key", "adv/obj"}}, files: 1, file: "x"},
			403, "policy_denied", ":user/mallory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body, ct := c.form.body(t)
			sig := body[bytes.Index(body, []byte("x-amz-signature")):]
			sig = sig[bytes.Index(sig, []byte("\r\n\r\n"))+4:]
			sig = sig[:bytes.Index(sig, []byte("\r\n"))]
			p := sigprint.Of(sigprint.V4, string(sig))
			r := a.send(t, advReq{method: http.MethodPost, target: "/adv", header: http.Header{"Content-Type": {ct}}, body: body})
			if r.status != c.status {
				t.Fatalf("status %d, want %d\n%s", r.status, c.status, r)
			}
			line := accessLine(t, a.testEnv, r.header.Get("X-Amz-Request-Id"))
			wantFields(t, line, "auth_type=post", "auth_outcome="+c.outcome, "sig_fingerprint="+p.String(), "signed_at="+t0.Format(time.RFC3339),
				"url_expires="+t0.Add(time.Hour).Format(time.RFC3339), "effective_expires="+t0.Add(time.Hour).Format(time.RFC3339), "limited_by=url")
			if !strings.Contains(line, " principal=arn:aws:iam::") || !strings.Contains(line, c.who+" ") {
				t.Errorf("the line does not name the form's signer %s:\n%s", c.who, line)
			}
			uses := waitUses(t, a.adminAs(a.root()), p, 1)
			if u := uses[0]; u.Status != c.status || u.Outcome != c.outcome || u.Method != http.MethodPost || u.ErrorCode != "AccessDenied" {
				t.Errorf("the form's use = %+v", u)
			}
		})
	}
}
