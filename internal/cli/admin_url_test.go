package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestAdminURLRevoke runs `signet admin url revoke` and `url revocations`
// against the fake admin server: what each sends (the URL as given, the
// form's fields, the signer and the time), what it prints, and the
// usage errors that send nothing. Golden files:
// testdata/admin_url_revoke_*.golden.
func TestAdminURLRevoke(t *testing.T) {
	const (
		urlEntry = `{"id":"url:2f7b75fe056b8719f74ab29c23a6aa55","fingerprint":"2f7b75fe056b8719f74ab29c23a6aa55","until":"2026-12-04T11:44:22Z","revoked_at":"2026-11-27T12:00:00Z",` +
			`"revoked_by":"arn:aws:iam::000000000000:root","reason":"posted in ticket 4711","access_key_id":"AKIAIOSFODNN7EXAMPLE","principal":"arn:aws:iam::000000000000:user/alice","method":"GET","bucket":"photos","key":"yawning-cat.jpg"}`
		twinEntry = `{"id":"url:9ab0c1d2e3f405162738495a6b7c8d9e","fingerprint":"9ab0c1d2e3f405162738495a6b7c8d9e","until":"2026-12-04T11:44:22Z","revoked_at":"2026-11-27T12:00:00Z",` +
			`"revoked_by":"arn:aws:iam::000000000000:root","reason":"posted in ticket 4711","twin_of":"2f7b75fe056b8719f74ab29c23a6aa55"}`
		ruleEntry = `{"id":"signer:user:alice@1796300000","signed_by":"user:alice","before":"2026-11-27T10:00:00Z","until":"2026-12-04T10:00:00Z","revoked_at":"2026-11-27T12:00:00Z",` +
			`"revoked_by":"arn:aws:iam::000000000000:root","reason":"laptop stolen"}`
	)
	list := func(entries ...string) string {
		return `{"revocations":[` + strings.Join(entries, ",") + `],"limit":100000}`
	}
	routes := map[string]adminCanned{
		"POST /_signet/admin/v1/urls/revoke":        {body: list(urlEntry, twinEntry)},
		"POST /_signet/admin/v1/urls/revoke-signer": {body: list(ruleEntry)},
		"GET /_signet/admin/v1/urls/revocations":    {body: list(urlEntry, twinEntry, ruleEntry)},
	}
	dir := t.TempDir()
	formJSON := `{"url":"http://localhost:9000/uploads","fields":{"key":"incoming/${filename}","x-amz-algorithm":"AWS4-HMAC-SHA256","x-amz-credential":"AKIAIOSFODNN7EXAMPLE/20261127/us-east-1/s3/aws4_request","x-amz-date":"20261127T114422Z","policy":"eyJ9","x-amz-signature":"` + usesFormSig + `"}}`
	if err := os.WriteFile(filepath.Join(dir, "form.json"), []byte(formJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	testdata, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	cases := []struct {
		name   string
		args   []string
		routes map[string]adminCanned
	}{
		{name: "url", args: []string{"url", "revoke", usesURL, "--reason", "posted in ticket 4711"}},
		{name: "url_json_method", args: []string{"url", "revoke", usesURL, "--method", "get", "--json"}},
		{name: "form", args: []string{"url", "revoke", "--post-json", "form.json"}},
		{name: "signer", args: []string{"url", "revoke", "--signed-by", "arn:aws:iam::000000000000:user/alice", "--before", "2026-11-27T10:00:00Z", "--reason", "laptop stolen"}},
		{name: "signer_now", args: []string{"url", "revoke", "--signed-by", "user:alice"}},
		{name: "list", args: []string{"url", "revocations"}},
		{name: "dead", args: []string{"url", "revoke", usesURL}, routes: map[string]adminCanned{"POST /_signet/admin/v1/urls/revoke": {status: 409,
			body: errBody("NotRevocable", "this URL stopped working at 2026-11-27T12:44:22Z: there is nothing to revoke (url_expired)")}}},
		{name: "no_arg", args: []string{"url", "revoke"}},
		{name: "signer_and_url", args: []string{"url", "revoke", usesURL, "--signed-by", "user:alice"}},
		{name: "before_alone", args: []string{"url", "revoke", usesURL, "--before", "2026-11-27T10:00:00Z"}},
		{name: "bad_before", args: []string{"url", "revoke", "--signed-by", "user:alice", "--before", "yesterday"}},
		{name: "bad_method", args: []string{"url", "revoke", usesURL, "--method", "PATCH"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			isolateAWS(t)
			all := map[string]adminCanned{}
			for k, v := range routes {
				all[k] = v
			}
			for k, v := range c.routes {
				all[k] = v
			}
			f := newAdminFake(t, all)
			t.Setenv("AWS_ENDPOINT_URL", f.URL)
			code, stdout, stderr := runAdminArgs(c.args...)
			var b strings.Builder
			b.WriteString("$ signet admin " + strings.Join(c.args, " ") + "\n")
			b.WriteString("exit " + strconv.Itoa(code) + "\n")
			b.WriteString("-- requests --\n")
			for _, r := range f.requests() {
				b.WriteString(r + "\n")
			}
			b.WriteString("-- stdout --\n" + stdout)
			b.WriteString("-- stderr --\n" + stderr)
			got := strings.ReplaceAll(b.String(), f.URL, "http://ENDPOINT")
			compareGolden(t, filepath.Join(testdata, "admin_url_revoke_"+c.name+".golden"), got)
		})
	}
}
