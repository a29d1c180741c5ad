package presign

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"signet/internal/postpolicy"
	"signet/internal/secret"
	"signet/internal/sigv4"
)

// boto3Form is one case of testdata/boto3_post.json, which
// testdata/boto3_post.py writes with boto3's generate_presigned_post at
// t0 with the keys of this package's tests.
type boto3Form struct {
	URL           string            `json:"url"`
	Fields        map[string]string `json:"fields"`
	FieldOrder    []string          `json:"field_order"`
	DecodedPolicy struct {
		Expiration string            `json:"expiration"`
		Conditions []json.RawMessage `json:"conditions"`
	} `json:"decoded_policy"`
}

// TestSignPostMatchesBoto3: for the same inputs, signet's form has
// boto3's URL, fields in boto3's order with boto3's values, and a policy
// with boto3's conditions in boto3's order and its expiration; boto3's
// own signature of its policy is what signet's signer computes for it.
func TestSignPostMatchesBoto3(t *testing.T) {
	raw, err := os.ReadFile("testdata/boto3_post.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases map[string]boto3Form
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	noExpiry := session(t, time.Time{})
	for name, c := range map[string]struct {
		req PostRequest
		r   *Resolved
	}{
		"exact_key": {PostRequest{Bucket: "photos", Key: "cat.jpg", ExpiresIn: time.Hour}, longTerm(t)},
		"prefix_with_conditions": {PostRequest{Bucket: "photos", Key: "uploads/", ExpiresIn: 10 * time.Minute,
			ContentType: "image/png", Length: &LengthRange{1, 10 << 20}}, longTerm(t)},
		"session": {PostRequest{Bucket: "photos", Key: "cat.jpg", ExpiresIn: time.Hour}, noExpiry},
		"sigv2":   {PostRequest{Bucket: "photos", Key: "cat.jpg", ExpiresIn: time.Hour, SigV2: true}, longTerm(t)},
	} {
		t.Run(name, func(t *testing.T) {
			want, ok := cases[name]
			if !ok {
				t.Fatalf("no case %q in testdata/boto3_post.json", name)
			}
			res, err := SignPost(c.req, c.r, t0)
			if err != nil {
				t.Fatal(err)
			}
			if res.URL != want.URL {
				t.Errorf("url %s, boto3 %s", res.URL, want.URL)
			}
			var order []string
			for _, f := range res.Fields {
				order = append(order, f.Name)
				if f.Name != "policy" && f.Name != "signature" && f.Name != "x-amz-signature" && f.Value != want.Fields[f.Name] {
					t.Errorf("field %s = %q, boto3 %q", f.Name, f.Value, want.Fields[f.Name])
				}
			}
			if !reflect.DeepEqual(order, want.FieldOrder) {
				t.Errorf("fields %v, boto3 %v", order, want.FieldOrder)
			}
			exp, err := time.Parse(time.RFC3339, want.DecodedPolicy.Expiration)
			if err != nil || !res.Policy.Expiration.Equal(exp) {
				t.Errorf("expiration %s, boto3 %s", res.Policy.Expiration, want.DecodedPolicy.Expiration)
			}
			if len(res.Policy.Conditions) != len(want.DecodedPolicy.Conditions) {
				t.Fatalf("%d conditions %v, boto3 %d", len(res.Policy.Conditions), res.Policy.Conditions, len(want.DecodedPolicy.Conditions))
			}
			for i, cond := range res.Policy.Conditions {
				if got, boto := normalJSON(t, mustJSON(t, cond)), normalJSON(t, want.DecodedPolicy.Conditions[i]); got != boto {
					t.Errorf("condition #%d %s, boto3 %s", i, got, boto)
				}
			}
			// boto3 writes its JSON with other spacing, so its policy is
			// other bytes; signet's signer must still agree with its
			// signature of them.
			sk := c.r.Identity.SecretAccessKey
			if c.req.SigV2 {
				if got := postpolicy.SignV2(sk, want.Fields["policy"]); got != want.Fields["signature"] {
					t.Errorf("SigV2 signature of boto3's policy %s, boto3 %s", got, want.Fields["signature"])
				}
			} else {
				scope := sigv4.Scope{Date: "20261127", Region: "us-east-1", Service: "s3"}
				if got := postpolicy.SignV4(sk, scope, want.Fields["policy"]); got != want.Fields["x-amz-signature"] {
					t.Errorf("SigV4 signature of boto3's policy %s, boto3 %s", got, want.Fields["x-amz-signature"])
				}
			}
		})
	}
}

func mustJSON(t *testing.T, c postpolicy.Condition) []byte {
	t.Helper()
	b, err := c.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func normalJSON(t *testing.T, b []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

// TestSignPostRoundTrip: the policy field decodes to the policy signed,
// and the signature field is the signature of the policy field.
func TestSignPostRoundTrip(t *testing.T) {
	req := PostRequest{Bucket: "photos", Key: "uploads/${filename}.jpg", ExpiresIn: 30 * 24 * time.Hour,
		StartsWith: []StartsWith{{"x-amz-meta-owner", ""}, {"success_action_redirect", "https://app.example/"}, {"Content-Type", "image/"}}}
	res, err := SignPost(req, longTerm(t), t0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := postpolicy.Decode(res.Fields.Get("policy"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Conditions, res.Policy.Conditions) || !got.Expiration.Equal(res.Policy.Expiration) {
		t.Errorf("decoded %+v\nsigned %+v", got, res.Policy)
	}
	if want := t0.Add(30 * 24 * time.Hour); !res.Lifetime.Effective.Equal(want) || res.Warning != "" {
		t.Errorf("a 30-day policy with a long-term key: effective %s, warning %q", res.Lifetime.Effective, res.Warning)
	}
	if k := res.Fields.Get("key"); k != "uploads/${filename}.jpg" {
		t.Errorf("key field %q", k)
	}
	if c := res.Policy.Conditions[4]; !reflect.DeepEqual(c, postpolicy.StartsWith("key", "uploads/")) {
		t.Errorf("key condition %v", c)
	}
	scope := sigv4.Scope{Date: "20261127", Region: "us-east-1", Service: "s3"}
	if res.Fields.Get("x-amz-signature") != postpolicy.SignV4(secret.New(userSecret), scope, res.Fields.Get("policy")) {
		t.Error("the signature is not the policy's")
	}
}

// TestSignPostKeys: a key, a prefix, the whole bucket, and a key narrowed
// by --starts-with key=.
func TestSignPostKeys(t *testing.T) {
	for _, c := range []struct {
		key        string
		startsWith []StartsWith
		field      string
		cond       postpolicy.Condition
	}{
		{"cat.jpg", nil, "cat.jpg", postpolicy.Eq("key", "cat.jpg")},
		{"uploads/", nil, "uploads/${filename}", postpolicy.StartsWith("key", "uploads/")},
		{"", nil, "${filename}", postpolicy.StartsWith("key", "")},
		{"uploads/cat.jpg", []StartsWith{{"key", "uploads/"}}, "uploads/cat.jpg", postpolicy.StartsWith("key", "uploads/")},
	} {
		res, err := SignPost(PostRequest{Bucket: "photos", Key: c.key, ExpiresIn: time.Hour, StartsWith: c.startsWith}, longTerm(t), t0)
		if err != nil {
			t.Fatalf("%q: %v", c.key, err)
		}
		if got := res.Fields.Get("key"); got != c.field {
			t.Errorf("%q: key field %q, want %q", c.key, got, c.field)
		}
		if got := res.Policy.Conditions[1]; !reflect.DeepEqual(got, c.cond) {
			t.Errorf("%q: key condition %v, want %v", c.key, got, c.cond)
		}
	}
}

// TestSignPostSessionWarns: temporary credentials put their token in the
// fields and in a condition, and a policy that outlives them gets the
// presign warning, said of a policy.
func TestSignPostSessionWarns(t *testing.T) {
	res, err := SignPost(PostRequest{Bucket: "photos", Key: "cat.jpg", ExpiresIn: 24 * time.Hour}, session(t, t0.Add(time.Hour)), t0)
	if err != nil {
		t.Fatal(err)
	}
	if res.Fields.Get("x-amz-security-token") != sessToken {
		t.Error("no x-amz-security-token field")
	}
	last := res.Policy.Conditions[len(res.Policy.Conditions)-1]
	if !reflect.DeepEqual(last, postpolicy.Eq("x-amz-security-token", sessToken)) {
		t.Errorf("last condition %v, want the token's", last)
	}
	want := "This policy stops working at 2026-11-27T10:00:00Z, 1h after signing, not at 2026-11-28T09:00:00Z: 23h short. " +
		"It is signed with temporary credentials, access key " + sessKey + " from " + res.Identity.Source + ", which expire then, " +
		"and a presigned POST policy dies with its credentials. For the full 1d, sign with an IAM user's long-term access key (AKIA…), " +
		"or shorten the policy to --expires-in 3600 (1h) or less."
	if res.Warning != want {
		t.Errorf("warning\n %s\nwant\n %s", res.Warning, want)
	}
	if !res.EffectiveKnown() || !res.Lifetime.Effective.Equal(t0.Add(time.Hour)) {
		t.Errorf("effective %s", res.Lifetime.Effective)
	}
	unknown, err := SignPost(PostRequest{Bucket: "photos", Key: "cat.jpg", ExpiresIn: time.Hour}, session(t, time.Time{}), t0)
	if err != nil {
		t.Fatal(err)
	}
	if unknown.EffectiveKnown() || !strings.HasPrefix(unknown.Warning, "This policy may stop working before 2026-11-27T10:00:00Z") {
		t.Errorf("unknown expiry: %q", unknown.Warning)
	}
}

func TestCheckPostRequest(t *testing.T) {
	ok := PostRequest{Bucket: "b", Key: "k", ExpiresIn: time.Hour}
	with := func(f func(*PostRequest)) PostRequest { r := ok; f(&r); return r }
	if err := CheckPostRequest(ok); err != nil {
		t.Fatal(err)
	}
	for name, req := range map[string]PostRequest{
		"zero expiry":         with(func(r *PostRequest) { r.ExpiresIn = 0 }),
		"fractional expiry":   with(func(r *PostRequest) { r.ExpiresIn = 1500 * time.Millisecond }),
		"range upside down":   with(func(r *PostRequest) { r.Length = &LengthRange{10, 1} }),
		"negative range":      with(func(r *PostRequest) { r.Length = &LengthRange{-1, 1} }),
		"content type twice":  with(func(r *PostRequest) { r.ContentType = "a/b"; r.StartsWith = []StartsWith{{"content-type", "a/"}} }),
		"field twice":         with(func(r *PostRequest) { r.StartsWith = []StartsWith{{"acl", ""}, {"ACL", "p"}} }),
		"reserved field":      with(func(r *PostRequest) { r.StartsWith = []StartsWith{{"x-amz-date", ""}} }),
		"key not under":       with(func(r *PostRequest) { r.StartsWith = []StartsWith{{"key", "uploads/"}} }),
		"field with a dollar": with(func(r *PostRequest) { r.StartsWith = []StartsWith{{"$key", ""}} }),
	} {
		if err := CheckPostRequest(req); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestParseForm reads back the forms SignPost makes, SigV4 and SigV2, and
// names what S3 would refuse in a form changed after signing.
func TestParseForm(t *testing.T) {
	req := PostRequest{Bucket: "photos", Key: "uploads/", ExpiresIn: time.Hour, ContentType: "image/png"}
	v4, err := SignPost(req, session(t, t0.Add(time.Hour)), t0)
	if err != nil {
		t.Fatal(err)
	}
	f, err := ParseForm(v4.URL, v4.Fields)
	if err != nil {
		t.Fatal(err)
	}
	if f.SigV2 || f.AccessKeyID != sessKey || !f.Temporary() || !f.SignedAt.Equal(t0) || f.Scope.Region != "us-east-1" || f.Refusal != nil {
		t.Errorf("SigV4 form read as %+v", f)
	}
	req.SigV2 = true
	v2, err := SignPost(req, longTerm(t), t0)
	if err != nil {
		t.Fatal(err)
	}
	if f, err := ParseForm(v2.URL, v2.Fields); err != nil || !f.SigV2 || f.AccessKeyID != userKey || f.Temporary() || f.Refusal != nil {
		t.Errorf("SigV2 form read as %+v, %v", f, err)
	}
	changed := append(Fields{{"x-amz-meta-extra", "1"}}, v2.Fields...)
	changed[1].Value = "text/html" // Content-Type
	f, err = ParseForm(v2.URL, changed)
	if err != nil {
		t.Fatal(err)
	}
	// The server's check: conditions first, in the policy's order, then
	// the fields no condition covers.
	if got, want := postpolicy.Refusal(f.Refusal), `Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "image/png"]`; got != want {
		t.Errorf("refusal %q, want %q", got, want)
	}
	changed[1].Value = "image/png"
	if f, err = ParseForm(v2.URL, changed); err != nil || postpolicy.Refusal(f.Refusal) != "Invalid according to Policy: Extra input fields: x-amz-meta-extra" {
		t.Errorf("refusal %v, %v", f.Refusal, err)
	}
	if _, err := ParseForm(v2.URL, Fields{{"key", "a"}}); err == nil {
		t.Error("a form without a policy parsed")
	}
}
