package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"signet/internal/adminwire"
	"signet/internal/postpolicy"
	"signet/internal/sigv4"
)

// signForm is a SigV4 POST form for key in bucket life, signed with c at
// the fake clock's time, its policy running for ttl, with the extra
// conditions first (as a signer writes the caller's).
func (ie *identityEnv) signForm(t *testing.T, c sigv4.Credentials, key string, ttl time.Duration, extra ...postpolicy.Condition) []adminwire.FormField {
	t.Helper()
	now := ie.fake.Now().UTC().Truncate(time.Second)
	scope := sigv4.Scope{Date: now.Format("20060102"), Region: region, Service: "s3"}
	fields := []adminwire.FormField{{Name: "key", Value: key}, {Name: "x-amz-algorithm", Value: sigv4.Algorithm},
		{Name: "x-amz-credential", Value: c.AccessKeyID + "/" + scope.String()}, {Name: "x-amz-date", Value: sigv4.FormatAmzDate(now)}}
	p := postpolicy.New(now.Add(ttl), extra...)
	p.Add(postpolicy.Eq("bucket", "life"), postpolicy.Eq("key", key))
	for _, f := range fields[1:] {
		p.Add(postpolicy.Eq(f.Name, f.Value))
	}
	if c.SessionToken != "" {
		fields = append(fields, adminwire.FormField{Name: "x-amz-security-token", Value: c.SessionToken})
		p.Add(postpolicy.Eq("x-amz-security-token", c.SessionToken))
	}
	doc, err := p.Document()
	if err != nil {
		t.Fatal(err)
	}
	b64 := postpolicy.Encode(doc)
	return append(fields, adminwire.FormField{Name: "policy", Value: b64},
		adminwire.FormField{Name: "x-amz-signature", Value: postpolicy.SignV4(c.SecretAccessKey, scope, b64)})
}

func withField(fields []adminwire.FormField, name, value string) []adminwire.FormField {
	out := append([]adminwire.FormField{}, fields...)
	for i := range out {
		if out[i].Name == name {
			out[i].Value = value
			return out
		}
	}
	return append(out, adminwire.FormField{Name: name, Value: value})
}

// TestExplainForm: the server explains a browser POST form with the POST
// handler's own checks, without a file and without storing anything:
// valid, a file too large for its content-length-range, a field its policy
// does not allow, a signer no policy allows to PutObject, an altered
// signature, the policy's own expiry, and a role session's end while the
// policy runs on.
func TestExplainForm(t *testing.T) {
	ie := newIdentityEnv(t)
	action := ie.ts.URL + "/life"
	size := func(n int64) *int64 { return &n }
	form := ie.signForm(t, ie.root(), "up/a.txt", time.Hour, postpolicy.LengthRange(1, 10), postpolicy.StartsWith("Content-Type", "text/"))
	form = append([]adminwire.FormField{{Name: "Content-Type", Value: "text/plain"}}, form...)
	explain := func(fields []adminwire.FormField, fileSize *int64) *adminwire.Explanation {
		t.Helper()
		return ie.explain(t, adminwire.ExplainRequest{URL: action, Form: fields, FileSize: fileSize})
	}

	ex := explain(form, size(10))
	if ex.Reason != adminwire.ReasonValid || ex.Action != "s3:PutObject" || ex.Resource != "arn:aws:s3:::life/up/a.txt" ||
		!strings.HasPrefix(ex.Message, "The form is valid: ") || ex.EffectiveExpiresAt == nil || !ex.EffectiveExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("valid form: %+v", ex)
	}
	if r := do(t, ie.httpc, http.MethodGet, ie.signedURL(t, http.MethodGet, "/life/up/a.txt", 0), nil, nil); r.status != 404 {
		t.Errorf("explaining a form stored its object: %d", r.status)
	}

	for _, c := range []struct {
		name   string
		fields []adminwire.FormField
		size   *int64
		reason string
		code   string
		msg    string
	}{
		{"too large", form, size(11), adminwire.ReasonPolicyConditionFailed, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"},
		{"condition", withField(form, "Content-Type", "image/png"), nil, adminwire.ReasonPolicyConditionFailed, "AccessDenied",
			`Invalid according to Policy: Policy Condition failed: ["starts-with", "$Content-Type", "text/"]`},
		{"extra field", withField(form, "x-amz-meta-extra", "1"), nil, adminwire.ReasonPolicyConditionFailed, "AccessDenied",
			"Invalid according to Policy: Extra input fields: x-amz-meta-extra"},
		{"signature", withField(form, "x-amz-signature", strings.Repeat("0", 64)), nil, adminwire.ReasonSignatureMismatch, "SignatureDoesNotMatch", ""},
		{"denied", ie.signForm(t, ie.alice, "up/b.txt", time.Hour), nil, adminwire.ReasonPolicyDenied, "AccessDenied", "Access Denied"},
	} {
		ex := explain(c.fields, c.size)
		if ex.Verdict != adminwire.VerdictInvalid || ex.Reason != c.reason || ex.Error == nil || ex.Error.Code != c.code ||
			(c.msg != "" && ex.Error.Message != c.msg) {
			t.Errorf("%s: %s %+v: %s", c.name, ex.Reason, ex.Error, ex.Message)
		}
	}

	sess := ie.assume(t, ie.alice, ie.roleARN, "uploader", 3600).sig()
	long := ie.signForm(t, sess, "up/c.txt", 12*time.Hour)
	ie.fake.Advance(time.Hour + time.Second)
	ex = explain(long, nil)
	if ex.Reason != adminwire.ReasonSessionExpired || ex.Error == nil || ex.Error.Code != "ExpiredToken" ||
		!strings.Contains(ex.Message, "a POST policy dies with the credentials that signed it") || ex.LimitedBy != "credentials" {
		t.Errorf("form of an ended session: %s %+v: %s", ex.Reason, ex.Error, ex.Message)
	}
	ex = explain(form, nil)
	if ex.Reason != adminwire.ReasonPolicyExpired || ex.Error == nil || ex.Error.Status != 403 ||
		ex.Error.Message != "Invalid according to Policy: Policy expired." || !strings.HasPrefix(ex.Message, "The policy expired at "+t0.Add(time.Hour).Format(time.RFC3339)) {
		t.Errorf("expired policy: %s %+v: %s", ex.Reason, ex.Error, ex.Message)
	}
}

// TestExplainFormInput: a form is always POSTed, and a file size needs a
// form.
func TestExplainFormInput(t *testing.T) {
	n := int64(1)
	for _, bad := range []adminwire.ExplainRequest{
		{URL: "http://h/life", Method: "PUT", Form: []adminwire.FormField{{Name: "key", Value: "a"}}},
		{URL: "http://h/life", FileSize: &n},
		{URL: "http://h/life", Form: []adminwire.FormField{{Name: "", Value: "a"}}},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v: accepted", bad)
		}
	}
}
