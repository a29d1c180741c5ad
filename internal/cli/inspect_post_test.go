package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"signet/internal/presign"
	"signet/internal/secret"
	"signet/internal/sigv4"
)

// signPostForm signs a form as presign --post does and writes its --json
// to a file, returning the file and the result.
func signPostForm(t *testing.T, id presign.Identity, at time.Time, endpoint string, req presign.PostRequest) (string, *presign.PostResult) {
	t.Helper()
	ep, err := presign.ParseEndpoint(endpoint, "test")
	if err != nil {
		t.Fatal(err)
	}
	res, err := presign.SignPost(req, &presign.Resolved{Endpoint: ep, Region: "us-east-1", Identity: id}, at)
	if err != nil {
		t.Fatal(err)
	}
	return writePostJSON(t, res), res
}

func runInspectIn(now time.Time, stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(Env{Ctx: context.Background(), Args: append([]string{"inspect"}, args...), Stdin: strings.NewReader(stdin),
		Stdout: &out, Stderr: &errb, Getenv: os.Getenv, Now: func() time.Time { return now }})
	return code, out.String(), errb.String()
}

// TestInspectPostGolden explains POST forms offline: valid, expired,
// signed by a session (an upper bound only), read from stdin, given as
// fields with one no condition covers, and refused flags.
func TestInspectPostGolden(t *testing.T) {
	alice := presign.Identity{AccessKeyID: psAliceKey, SecretAccessKey: secret.New(psAliceSecret), Source: "test"}
	role := presign.Identity{AccessKeyID: psRoleKey, SecretAccessKey: secret.New(psRoleSecret), SessionToken: psRoleToken, Source: "test"}
	upload := presign.PostRequest{Bucket: "uploads", Key: "incoming/", ExpiresIn: time.Hour, ContentType: "image/png",
		Length: &presign.LengthRange{Min: 1, Max: 10 << 20}}
	cases := []struct {
		name  string
		id    presign.Identity
		after time.Duration
		args  func(file string, res *presign.PostResult) []string
		stdin bool
	}{
		{name: "valid", id: alice, after: 10 * time.Minute, args: func(f string, _ *presign.PostResult) []string { return []string{"--post-json", f} }},
		{name: "valid_json", id: alice, after: 10 * time.Minute, args: func(f string, _ *presign.PostResult) []string { return []string{"--post-json", f, "--json"} }},
		{name: "expired", id: alice, after: 2 * time.Hour, args: func(f string, _ *presign.PostResult) []string { return []string{"--post-json", f} }},
		{name: "session_offline", id: role, after: 10 * time.Minute, args: func(f string, _ *presign.PostResult) []string { return []string{"--post-json", f, "--offline"} }},
		{name: "session_offline_json", id: role, after: 10 * time.Minute, args: func(f string, _ *presign.PostResult) []string {
			return []string{"--post-json", f, "--offline", "--json"}
		}},
		{name: "stdin", id: alice, after: time.Minute, stdin: true, args: func(string, *presign.PostResult) []string { return []string{"--post-json", "-"} }},
		{name: "fields_extra", id: alice, after: time.Minute, args: func(_ string, res *presign.PostResult) []string {
			args := []string{res.URL}
			for _, f := range res.Fields {
				v := f.Value
				if f.Name == "Content-Type" {
					v = "text/html"
				}
				args = append(args, "--field", f.Name+"="+v)
			}
			return append(args, "--field", "x-amz-meta-extra=1")
		}},
		{name: "post_json_and_url", id: alice, args: func(f string, _ *presign.PostResult) []string {
			return []string{"--post-json", f, "http://127.0.0.1:9000/uploads"}
		}},
		{name: "post_with_method", id: alice, args: func(f string, _ *presign.PostResult) []string { return []string{"--post-json", f, "--method", "PUT"} }},
		{name: "field_no_url", id: alice, args: func(string, *presign.PostResult) []string { return []string{"--field", "key=a"} }},
		{name: "not_a_form", id: alice, args: func(string, *presign.PostResult) []string {
			return []string{"http://127.0.0.1:9000/uploads", "--field", "key=a"}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			isolateInspect(t)
			file, res := signPostForm(t, c.id, psNow, psEndpoint, upload)
			args := c.args(file, res)
			stdin := ""
			if c.stdin {
				b, _ := os.ReadFile(file)
				stdin = string(b)
			}
			code, stdout, stderr := runInspectIn(psNow.Add(c.after), stdin, args...)
			var b strings.Builder
			shown := strings.ReplaceAll(psShellJoin(args), file, "form.json")
			fmt.Fprintf(&b, "$ signet inspect %s\nnow %s\nexit %s\n-- stdout --\n%s-- stderr --\n%s",
				shown, psNow.Add(c.after).Format(time.RFC3339), strconv.Itoa(code), stdout, stderr)
			if strings.Contains(stdout+stderr, psRoleToken) {
				t.Error("a session token was printed")
			}
			compareGolden(t, filepath.Join("testdata", "inspect_post_"+c.name+".golden"), b.String())
		})
	}
}

// TestInspectPostAsksTheServer: with an endpoint, inspect has the server
// judge the form, as it does a URL: a form signed by a role session is
// valid while the session lasts, and session_expired after, whatever its
// policy says.
func TestInspectPostAsksTheServer(t *testing.T) {
	w := newInspectWorld(t)
	c := w.assume("ci", 3600)
	id := presign.Identity{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, Source: "test"}
	file, _ := signPostForm(t, id, w.fake.Now(), w.ts.URL, presign.PostRequest{Bucket: "photos", Key: "uploads/", ExpiresIn: 12 * time.Hour})

	code, stdout, stderr := runInspectAt(w.fake.Now().Add(10*time.Minute), "--post-json", file, "--json")
	var got struct {
		Verdict, Reason    string
		EffectiveExpiresAt *time.Time `json:"effective_expires_at"`
		Server             *struct{ Reason, Action string }
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("exit %d: %v\n%s%s", code, err, stdout, stderr)
	}
	end := w.fake.Now().Add(time.Hour)
	if code != 0 || got.Verdict != "valid" || got.Server == nil || got.Server.Action != "s3:PutObject" ||
		got.EffectiveExpiresAt == nil || !got.EffectiveExpiresAt.Equal(end) {
		t.Errorf("while the session lasts: exit %d %+v\n%s", code, got, stderr)
	}

	w.fake.Advance(2 * time.Hour)
	code, stdout, stderr = runInspectAt(w.fake.Now(), "--post-json", file)
	if code != inspectNotValid || !strings.Contains(stdout, "verdict         invalid, session_expired") ||
		!strings.Contains(stdout, "error           400 ExpiredToken") {
		t.Errorf("after the session: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, s := range []string{c.SessionToken, sigv4.URIEncode(c.SessionToken, true), c.SecretAccessKey.Reveal()} {
		if strings.Contains(stdout+stderr, s) {
			t.Error("a session token or secret was printed")
		}
	}
}

var (
	shortPolicy    = regexp.MustCompile(`policy: \S+… ?\S+ \(\d+ characters\)`)
	shortSignature = regexp.MustCompile(`signature: \S+…\S+ \(\d+ characters\)`)
)

// TestInspectPostServerGolden: the server's explanation of POST forms
// made by presign --post, for each reason only a form has and the form
// variants of the others, in testdata/inspect_post_server_<name>.golden.
func TestInspectPostServerGolden(t *testing.T) {
	hour := time.Hour
	for _, c := range []struct {
		name  string
		setup func(w *inspectWorld) (id presign.Identity, req presign.PostRequest, fields func(presign.Fields) presign.Fields, after time.Duration)
	}{
		{"valid", func(w *inspectWorld) (presign.Identity, presign.PostRequest, func(presign.Fields) presign.Fields, time.Duration) {
			return aliceIdentity(w), presign.PostRequest{Bucket: "photos", Key: "uploads/", ExpiresIn: hour}, nil, 10 * time.Minute
		}},
		{"policy_expired", func(w *inspectWorld) (presign.Identity, presign.PostRequest, func(presign.Fields) presign.Fields, time.Duration) {
			return aliceIdentity(w), presign.PostRequest{Bucket: "photos", Key: "uploads/", ExpiresIn: hour}, nil, 2 * hour
		}},
		{"policy_condition_failed", func(w *inspectWorld) (presign.Identity, presign.PostRequest, func(presign.Fields) presign.Fields, time.Duration) {
			change := func(f presign.Fields) presign.Fields {
				for i := range f {
					if f[i].Name == "key" {
						f[i].Value = "elsewhere/cat.jpg"
					}
				}
				return f
			}
			return aliceIdentity(w), presign.PostRequest{Bucket: "photos", Key: "uploads/", ExpiresIn: hour}, change, time.Minute
		}},
		{"session_expired", func(w *inspectWorld) (presign.Identity, presign.PostRequest, func(presign.Fields) presign.Fields, time.Duration) {
			s := w.assume("uploader", 3600)
			id := presign.Identity{AccessKeyID: s.AccessKeyID, SecretAccessKey: s.SecretAccessKey, SessionToken: s.SessionToken, Source: "test"}
			return id, presign.PostRequest{Bucket: "photos", Key: "uploads/", ExpiresIn: 12 * hour}, nil, 90 * time.Minute
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newInspectWorld(t)
			id, req, change, after := c.setup(w)
			_, res := signPostForm(t, id, w.fake.Now(), w.ts.URL, req)
			if change != nil {
				res.Fields = change(res.Fields)
			}
			file := writePostJSON(t, res)
			w.fake.Advance(after)
			w.calls.take()
			code, stdout, stderr := runInspectAt(w.fake.Now(), "--post-json", file)
			var b strings.Builder
			fmt.Fprintf(&b, "$ signet inspect --post-json form.json\nnow %s\nexit %d\n-- requests --\n", w.fake.Now().Format(time.RFC3339), code)
			for _, r := range w.calls.take() {
				b.WriteString(r + "\n")
			}
			b.WriteString("-- stdout --\n" + stdout + "-- stderr --\n" + stderr)
			got := shortPolicy.ReplaceAllString(b.String(), "policy: POLICY…POLICY")
			got = shortSignature.ReplaceAllString(got, "signature: SIGNATUR…SIGNATUR")
			got = w.stable(got, "")
			compareGolden(t, filepath.Join("testdata", "inspect_post_server_"+c.name+".golden"), got)
			for _, tok := range append(w.tokens, id.SessionToken) {
				if tok != "" && strings.Contains(stdout+stderr, tok) {
					t.Error("a session token was printed")
				}
			}
		})
	}
}

func aliceIdentity(w *inspectWorld) presign.Identity {
	return presign.Identity{AccessKeyID: w.alice.AccessKeyID, SecretAccessKey: w.alice.SecretAccessKey, Source: "test"}
}

// writePostJSON writes res as presign --post --json prints it.
func writePostJSON(t *testing.T, res *presign.PostResult) string {
	t.Helper()
	b, err := json.MarshalIndent(postJSONOf(res), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "form.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}
