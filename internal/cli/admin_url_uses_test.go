package cli

import (
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"signet/internal/authn"
	"signet/internal/sigprint"
)

// A presigned URL, its twin re-ordered and re-encoded by a client, the
// same link signed with SigV2, and a form: the signatures are made up,
// since only their fingerprints travel.
const (
	usesSig     = "7a1c0f3e9b2d4c5a6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f"
	usesURL     = "http://localhost:9000/photos/yawning-cat.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261127%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261127T114422Z&X-Amz-Expires=604800&X-Amz-SignedHeaders=host&X-Amz-Signature=" + usesSig
	usesTwin    = "http://localhost:9000/photos/yawning-cat.jpg?X-Amz-Signature=" + "7A1C0F3E9B2D4C5A6E8F0A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F" + "&X-Amz-Expires=604800&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE/20261127/us-east-1/s3/aws4_request&X-Amz-Date=20261127T114422Z&X-Amz-SignedHeaders=host"
	usesV2Sig   = "bWFkZSB1cCBzaWduYXR1cmU+/w=="
	usesV2URL   = "http://localhost:9000/photos/yawning-cat.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1796300662&Signature=bWFkZSB1cCBzaWduYXR1cmU%2B%2Fw%3D%3D"
	usesFormSig = "0d9c8b7a6f5e4d3c2b1a09f8e7d6c5b4a392817f6e5d4c3b2a1908f7e6d5c4b3"
)

func usesJSON(p sigprint.Print, uses ...string) string {
	return `{"fingerprint":"` + p.String() + `","uses":[` + strings.Join(uses, ",") + `]}`
}

const (
	use403  = `{"at":"2026-11-27T23:44:25.5Z","client":"198.51.100.4","method":"GET","status":403,"bytes":243,"outcome":"url_revoked","error_code":"AccessDenied","operation":"GetObject","principal":"arn:aws:iam::000000000000:user/alice","access_key_id":"AKIAIOSFODNN7EXAMPLE"}`
	use200  = `{"at":"2026-11-27T12:00:01Z","client":"203.0.113.9","method":"GET","status":200,"bytes":200000,"outcome":"ok","operation":"GetObject","principal":"arn:aws:iam::000000000000:user/alice","access_key_id":"AKIAIOSFODNN7EXAMPLE"}`
	use2001 = `{"at":"2026-11-27T11:50:00Z","client":"2001:db8::7","method":"HEAD","status":200,"bytes":0,"outcome":"ok","operation":"HeadObject","principal":"arn:aws:iam::000000000000:user/alice","access_key_id":"AKIAIOSFODNN7EXAMPLE"}`
)

// TestAdminURLUses runs `signet admin url uses` against the fake admin
// server: the link is asked for by the fingerprint the server computes
// (the same for a re-ordered, re-encoded twin), for a URL, its SigV2
// form and a POST form; bad arguments are usage errors that send
// nothing. Golden files: testdata/admin_url_uses_*.golden.
func TestAdminURLUses(t *testing.T) {
	v4 := sigprint.Of(sigprint.V4, usesSig)
	if p, ok := authn.PrintOfURL(usesTwin); !ok || p != v4 {
		t.Fatalf("the twin's fingerprint %s differs from the URL's %s", p, v4)
	}
	v2 := sigprint.Of(sigprint.V2, usesV2Sig)
	form := sigprint.Of(sigprint.V4, usesFormSig)
	path := "GET /_signet/admin/v1/urls/uses?fingerprint="
	routes := map[string]adminCanned{
		path + v4.String() + "&limit=50":   {body: usesJSON(v4, use403, use200, use2001)},
		path + v4.String() + "&limit=2":    {body: usesJSON(v4, use403, use200)},
		path + v2.String() + "&limit=50":   {body: usesJSON(v2)},
		path + form.String() + "&limit=50": {body: usesJSON(form, strings.ReplaceAll(strings.ReplaceAll(use200, `"GET"`, `"POST"`), `"GetObject"`, `"PostObject"`))},
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
	t.Chdir(dir) // the form's file is named as a user names it

	cases := []struct {
		name   string
		args   []string
		routes map[string]adminCanned
	}{
		{name: "help", args: []string{"url", "uses", "--help"}},
		{name: "group_help", args: []string{"url", "--help"}},
		{name: "table", args: []string{"url", "uses", usesURL}},
		{name: "twin", args: []string{"url", "uses", usesTwin}},
		{name: "json_limit", args: []string{"url", "uses", "--json", "--limit", "2", usesURL}},
		{name: "v2_none", args: []string{"url", "uses", usesV2URL}},
		{name: "post_json", args: []string{"url", "uses", "--post-json", "form.json"}},
		{name: "post_fields", args: []string{"url", "uses", "http://localhost:9000/uploads", "--field", "key=incoming/cat.jpg", "--field", "X-Amz-Signature=" + usesFormSig}},
		{name: "access_denied", args: []string{"url", "uses", usesURL}, routes: map[string]adminCanned{path + v4.String() + "&limit=50": {status: 403,
			body: errBody("AccessDenied", "User: arn:aws:iam::000000000000:user/alice is not authorized to perform: signet:ListURLUses on resource: *")}}},
		{name: "not_presigned", args: []string{"url", "uses", "http://localhost:9000/photos/yawning-cat.jpg"}},
		{name: "no_arg", args: []string{"url", "uses"}},
		{name: "bad_limit", args: []string{"url", "uses", "--limit", strconv.Itoa(1001), usesURL}},
		{name: "post_json_and_url", args: []string{"url", "uses", "--post-json", "form.json", usesURL}},
		{name: "unsigned_form", args: []string{"url", "uses", "http://localhost:9000/uploads", "--field", "key=a"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			isolateAWS(t)
			all := maps.Clone(routes)
			maps.Copy(all, c.routes)
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
			compareGolden(t, filepath.Join(testdata, "admin_url_uses_"+c.name+".golden"), got)
		})
	}
}
