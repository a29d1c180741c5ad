package e2e

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"signet/internal/authn"
)

// usesOut is `signet admin url uses --json`'s output.
type usesOut struct {
	Fingerprint string `json:"fingerprint"`
	Uses        []struct {
		At        time.Time `json:"at"`
		Client    string    `json:"client"`
		Method    string    `json:"method"`
		Status    int       `json:"status"`
		Bytes     int64     `json:"bytes"`
		Outcome   string    `json:"outcome"`
		ErrorCode string    `json:"error_code"`
		Principal string    `json:"principal"`
	} `json:"uses"`
}

// urlUses runs `signet admin url uses URL --json` until it lists n uses:
// the server writes a use within its flush interval, so the test asks
// again (for at most 10 s) rather than sleep a fixed time.
func (w *identityWorld) urlUses(t *testing.T, u string, n int) usesOut {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := w.root.admin(t, w.p, "url", "uses", u, "--json")
		var out usesOut
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatalf("url uses --json: %v\n%s", err, r)
		}
		if len(out.Uses) >= n || !time.Now().Before(deadline) {
			if len(out.Uses) != n {
				t.Fatalf("url uses lists %d uses, want %d:\n%s", len(out.Uses), n, r)
			}
			return out
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestURLUsesFromThreeClients is the test: a link signed by a
// role session is downloaded from three client addresses (loopback
// aliases: Linux routes all of 127/8 to lo) and `signet admin url uses`
// lists the three, with their addresses, status and bytes; after the
// session ends a fourth try is refused, and is listed first with its
// status and error code. The access log line of a download names the
// signer, the key, the session, the fingerprint the uses were found by,
// the signing time, both expiries and what limits the link.
func TestURLUsesFromThreeClients(t *testing.T) {
	t.Parallel()
	w := newIdentityWorld(t)
	sess, leaker := w.assume(t, "leaker") // a 1-hour session
	u := leaker.presignAt(t, w.p, "s3://life/yawning-cat.jpg", "--expires-in", "7200")
	clients := []string{"127.0.0.2", "127.0.0.3", "127.0.0.4"}
	for _, ip := range clients {
		r := w.root.curl(t, u, "--interface", ip)
		if r.status != 200 || string(r.body) != string(w.body) {
			t.Fatalf("download from %s: status %d, %d bytes\n%s", ip, r.status, len(r.body), r)
		}
	}

	uses := w.urlUses(t, u, 3)
	want, ok := authn.PrintOfURL(u)
	if !ok || uses.Fingerprint != want.String() {
		t.Errorf("url uses asked for fingerprint %q, the URL's is %q", uses.Fingerprint, want)
	}
	var got []string
	for _, x := range uses.Uses {
		got = append(got, x.Client)
		if x.Status != 200 || x.Bytes != int64(len(w.body)) || x.Outcome != "ok" || x.Method != "GET" ||
			!strings.HasSuffix(x.Principal, ":assumed-role/reader/leaker") {
			t.Errorf("use from %s: %+v, want 200 GET ok with the object's %d bytes, signed by the session", x.Client, x, len(w.body))
		}
	}
	slices.Reverse(got) // most recent first
	if !slices.Equal(got, clients) {
		t.Errorf("uses came from %v, want %v in that order", got, clients)
	}
	text := w.root.admin(t, w.p, "url", "uses", u)
	for _, ip := range clients {
		if !strings.Contains(text.stdout, ip) {
			t.Errorf("url uses' table does not name %s:\n%s", ip, text)
		}
	}

	// The session ends: the link is refused, and that use is listed too.
	w.advance(t, "1h0m1s")
	w.wantError(t, u, 400, "ExpiredToken", "")
	uses = w.urlUses(t, u, 4)
	if last := uses.Uses[0]; last.Status != 400 || last.ErrorCode != "ExpiredToken" || last.Outcome != "session_expired" || last.Client != "127.0.0.1" {
		t.Errorf("the refused use: %+v, want 400 ExpiredToken session_expired from 127.0.0.1", last)
	}

	line := downloadLine(t, w.p, uses.Fingerprint)
	for k, v := range map[string]string{
		"principal":     strings.Replace(strings.Replace(w.roleARN, ":iam:", ":sts:", 1), ":role/", ":assumed-role/", 1) + "/leaker",
		"access_key_id": sess.Credentials.AccessKeyId, "session_name": "leaker", "auth_type": "presigned-v4",
		"auth_outcome": "ok", "limited_by": "credentials", "sig_fingerprint": uses.Fingerprint,
	} {
		if line[k] != v {
			t.Errorf("access log %s = %v, want %q", k, line[k], v)
		}
	}
	signed, err1 := time.Parse(time.RFC3339, str(line["signed_at"]))
	urlEnd, err2 := time.Parse(time.RFC3339, str(line["url_expires"]))
	effective, err3 := time.Parse(time.RFC3339, str(line["effective_expires"]))
	sessEnd, err4 := time.Parse(time.RFC3339, sess.Credentials.Expiration)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
		t.Fatalf("access log times: %v %v %v %v\n%v", err1, err2, err3, err4, line)
	}
	if !urlEnd.Equal(signed.Add(7200*time.Second)) || !effective.Equal(sessEnd) {
		t.Errorf("signed_at %s, url_expires %s, effective_expires %s; want the URL's window 7200 s and the session's end %s",
			signed, urlEnd, effective, sessEnd)
	}
}

func str(v any) string { s, _ := v.(string); return s }

// downloadLine is the access log line of a served download of the link
// with fingerprint fp.
func downloadLine(t *testing.T, p *signetProc, fp string) map[string]any {
	t.Helper()
	for _, l := range strings.Split(p.stderr.String(), "\n") {
		if !strings.Contains(l, `"msg":"request"`) || !strings.Contains(l, fp) {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("access log line is not JSON: %v\n%s", err, l)
		}
		if m["status"] == float64(200) {
			return m
		}
	}
	t.Fatalf("no access log line of a served download with sig_fingerprint %s in:\n%s", fp, p.stderr.String())
	return nil
}
