package explain

import (
	"net/http"
	"strings"

	"signet/internal/adminwire"
	"signet/internal/postpolicy"
	"signet/internal/s3api"
	"signet/internal/sigv4"
)

// dryRunForm takes a browser POST form through the POST handler's own
// steps (s3api's DryRunPost: the form's authentication and lifetime, its
// policy's conditions, authorisation as s3:PutObject with s3:authType
// POST), with no file, and reads from its fields whose key signed it and
// until when its policy runs.
func (x *Explainer) dryRunForm(r *http.Request, in adminwire.ExplainRequest) (s3api.DryRun, urlAuth) {
	fields := make([]postpolicy.Field, len(in.Form))
	for i, f := range in.Form {
		fields[i] = postpolicy.Field{Name: f.Name, Value: f.Value}
	}
	size := int64(-1)
	if in.FileSize != nil {
		size = *in.FileSize
	}
	return x.cfg.DryRun.DryRunPost(r, fields, size), readFormAuth(fields)
}

// readFormAuth is what a form's fields say about its signature, read
// leniently as readAuth reads a URL: the key, the token, x-amz-date, and
// the policy's expiration as the form's window.
func readFormAuth(fields []postpolicy.Field) urlAuth {
	get := func(name string) (string, bool) {
		for _, f := range fields {
			if strings.EqualFold(f.Name, name) {
				return f.Value, true
			}
		}
		return "", false
	}
	has := func(names ...string) bool {
		for _, n := range names {
			if _, ok := get(n); ok {
				return true
			}
		}
		return false
	}
	a := urlAuth{presigned: true}
	a.token, _ = get("x-amz-security-token")
	switch {
	case has("x-amz-algorithm", "x-amz-credential", "x-amz-signature", "x-amz-date"):
		a.version = versionV4
		cred, _ := get("x-amz-credential")
		a.keyID, _, _ = sigv4.ParseCredential(cred)
		date, _ := get("x-amz-date")
		a.signedAt, _ = sigv4.ParseAmzDate(date)
	case has("awsaccesskeyid", "signature"):
		a.version = versionV2
		a.keyID, _ = get("awsaccesskeyid")
	default:
		return urlAuth{}
	}
	if b64, ok := get("policy"); ok {
		if p, err := postpolicy.Decode(b64); err == nil {
			a.urlExpiry, a.window = p.Expiration, true
		}
	}
	return a
}
