package postpolicy

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"signet/internal/secret"
	"signet/internal/sigv4"
)

var exampleSecret = secret.New("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")

// AWS's worked SigV4 POST example ("Example: Browser-Based Upload using
// HTTP POST"): the policy with CRLF line ends, its base64 and signature.
const awsExamplePolicy = "{ \"expiration\": \"2015-12-30T12:00:00.000Z\",\r\n" +
	"  \"conditions\": [\r\n" +
	"    {\"bucket\": \"sigv4examplebucket\"},\r\n" +
	"    [\"starts-with\", \"$key\", \"user/user1/\"],\r\n" +
	"    {\"acl\": \"public-read\"},\r\n" +
	"    {\"success_action_redirect\": \"http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html\"},\r\n" +
	"    [\"starts-with\", \"$Content-Type\", \"image/\"],\r\n" +
	"    {\"x-amz-meta-uuid\": \"14365123651274\"},\r\n" +
	"    {\"x-amz-server-side-encryption\": \"AES256\"},\r\n" +
	"    [\"starts-with\", \"$x-amz-meta-tag\", \"\"],\r\n" +
	"\r\n" +
	"    {\"x-amz-credential\": \"AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request\"},\r\n" +
	"    {\"x-amz-algorithm\": \"AWS4-HMAC-SHA256\"},\r\n" +
	"    {\"x-amz-date\": \"20151229T000000Z\" }\r\n" +
	"  ]\r\n" +
	"}"

func TestAWSExampleSignature(t *testing.T) {
	b64 := Encode([]byte(awsExamplePolicy))
	if !strings.HasPrefix(b64, "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0K") || len(b64) != 864 {
		t.Fatalf("base64 policy = %q (%d chars)", b64[:40], len(b64))
	}
	scope := sigv4.Scope{Date: "20151229", Region: "us-east-1", Service: "s3"}
	if got, want := SignV4(exampleSecret, scope, b64), "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e"; got != want {
		t.Fatalf("signature = %s, want %s", got, want)
	}
	p, err := Decode(b64)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Expiration.Equal(time.Date(2015, 12, 30, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("expiration = %v", p.Expiration)
	}
	if p.Credential != "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request" || p.Algorithm != "AWS4-HMAC-SHA256" || p.Date != "20151229T000000Z" || p.SecurityToken != "" {
		t.Errorf("signer = %q %q %q %q", p.Credential, p.Algorithm, p.Date, p.SecurityToken)
	}
	if len(p.Conditions) != 11 {
		t.Fatalf("%d conditions", len(p.Conditions))
	}
	// The example form, with names in the case the example sends them.
	form := Form{Bucket: "sigv4examplebucket", Fields: []Field{
		{"key", "user/user1/photo.jpg"}, {"acl", "public-read"},
		{"success_action_redirect", "http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html"},
		{"Content-Type", "image/jpeg"}, {"x-amz-meta-uuid", "14365123651274"},
		{"x-amz-server-side-encryption", "AES256"},
		{"X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"},
		{"X-Amz-Algorithm", "AWS4-HMAC-SHA256"}, {"X-Amz-Date", "20151229T000000Z"},
		{"x-amz-meta-tag", ""}, {"Policy", b64}, {"X-Amz-Signature", "x"},
	}}
	if err := p.Check(form); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

// botocore's generate_presigned_post with a fixed clock and AWS's example
// credentials: its compact policy, base64 and signature.
func TestBotocoreVector(t *testing.T) {
	doc := `{"expiration": "2015-12-29T01:00:00Z", "conditions": [{"bucket": "sigv4examplebucket"}, {"key": "user/user1/photo.jpg"}, {"x-amz-algorithm": "AWS4-HMAC-SHA256"}, {"x-amz-credential": "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"}, {"x-amz-date": "20151229T000000Z"}]}`
	b64 := Encode([]byte(doc))
	scope := sigv4.Scope{Date: "20151229", Region: "us-east-1", Service: "s3"}
	if got, want := SignV4(exampleSecret, scope, b64), "3364624b39010d9b06f5d9b8c9a18a6e478d261c048159c92f2fd6fa885f14e6"; got != want {
		t.Fatalf("signature = %s, want %s", got, want)
	}
	if _, err := Decode(b64); err != nil {
		t.Fatal(err)
	}
}

func TestSignV2(t *testing.T) {
	// base64(HMAC-SHA1(secret, policy)): 28 characters, deterministic.
	a, b := SignV2(exampleSecret, "cG9saWN5"), SignV2(exampleSecret, "cG9saWN5")
	if a != b || len(a) != 28 || a == SignV2(exampleSecret, "cG9saWN6") {
		t.Fatalf("SignV2 = %q, %q", a, b)
	}
}

func TestParseErrors(t *testing.T) {
	const exp = `"expiration": "2030-01-01T00:00:00Z"`
	cases := []struct{ doc, detail string }{
		{`not json`, "Invalid JSON."},
		{`[]`, "Invalid JSON."},
		{`{` + exp + `, "conditions": [], }`, "Invalid JSON."},
		{`{"Version": "2012-10-17", "Statement": []}`, "Unexpected: 'version'"},
		{`{` + exp + `, "CONDITIONS": []}`, "Unexpected: 'conditions'"},
		{`{"conditions": []}`, "Policy missing expiration."},
		{`{` + exp + `}`, "Policy missing conditions."},
		{`{"expiration": "2011-09-13T07:52:58+02:00", "conditions": []}`, "Invalid 'expiration' value: '2011-09-13T07:52:58+02:00'"},
		{`{"expiration": "2015-10-17 03:15:59 UTC", "conditions": []}`, "Invalid 'expiration' value: '2015-10-17 03:15:59 UTC'"},
		{`{"expiration": 5, "conditions": []}`, "Invalid 'expiration' value: '5'"},
		{`{` + exp + `, "conditions": {}}`, "Invalid 'conditions' value: must be a List."},
		{`{` + exp + `, "conditions": [5]}`, "Invalid condition test: must be a List or Object."},
		{`{` + exp + `, "conditions": [{}]}`, "Invalid Simple-Condition: Simple-Conditions must have exactly one property specified."},
		{`{` + exp + `, "conditions": [{"bucket": "b", "key": "k"}]}`, "Invalid Simple-Condition: Simple-Conditions must have exactly one property specified."},
		{`{` + exp + `, "conditions": [{"Content-Length": 6199034}]}`, "Invalid Simple-Condition: value must be a string."},
		{`{` + exp + `, "conditions": [{"success_action_redirect": null}]}`, "Invalid JSON."},
		{`{` + exp + `, "conditions": [[]]}`, "Invalid Condition: missing operation identifier."},
		{`{` + exp + `, "conditions": [["like", "$key", "a"]]}`, "Invalid Condition: unknown operation 'like'."},
		{`{` + exp + `, "conditions": [["eq", "$key"]]}`, "Invalid eq: wrong number of arguments."},
		{`{` + exp + `, "conditions": [["content-length-range", 0]]}`, "Invalid content-length-range: wrong number of arguments."},
		{`{` + exp + `, "conditions": [["content-length-range", 0, 512.0]]}`, "Invalid JSON."},
		{`{` + exp + `, "conditions": [["eq", "$key", 5]]}`, "Invalid JSON."},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.doc))
		var de *DocumentError
		if !errors.As(err, &de) || de.Detail != c.detail {
			t.Errorf("Parse(%s) = %v, want %q", c.doc, err, c.detail)
		}
	}
	if _, err := Decode("%%%"); err == nil || err.(*DocumentError).Detail != "invalid Base64 encoding." {
		t.Errorf("Decode of bad base64 = %v", err)
	}
}

func TestExpirationForms(t *testing.T) {
	for _, s := range []string{"2030-01-02T03:04:05Z", "2030-01-02T03:04:05.000Z", "2030-01-02T03:04:05.5Z"} {
		p, err := Parse([]byte(`{"expiration": "` + s + `", "conditions": []}`))
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if p.Expiration.Unix() != time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC).Unix() || p.ExpirationText != s {
			t.Errorf("%s: %v", s, p.Expiration)
		}
	}
}

func mustParse(t *testing.T, conds string) *Policy {
	t.Helper()
	p, err := Parse([]byte(`{"expiration": "2030-01-01T00:00:00Z", "conditions": [` + conds + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheck(t *testing.T) {
	f := func(kv ...string) Form {
		form := Form{Bucket: "photos"}
		for i := 0; i+1 < len(kv); i += 2 {
			form.Fields = append(form.Fields, Field{kv[i], kv[i+1]})
		}
		return form
	}
	cases := []struct {
		name, conds string
		form        Form
		want        string // "" passes; a rendered condition; "extra:<field>"
	}{
		{"simple eq", `{"key": "a.txt"}`, f("key", "a.txt"), ""},
		{"simple eq fails, printed as eq", `{"key": "a.txt"}`, f("key", "b.txt"), `["eq", "$key", "a.txt"]`},
		{"array eq", `["eq", "$key", "a.txt"]`, f("key", "a.txt"), ""},
		{"values are case-sensitive", `["eq", "$key", "A.txt"]`, f("key", "a.txt"), `["eq", "$key", "A.txt"]`},
		{"names are not", `{"KeY": "a"}, ["StArTs-WiTh", "$CoNtEnT-TyPe", "text/"]`, f("kEy", "a", "content-type", "text/plain"), ""},
		{"the policy's spelling is printed", `["eq", "$Content-Type", "image/png"]`, f("key", "k", "content-type", "image/jpeg"), `["eq", "$Content-Type", "image/png"]`},
		{"quotes escaped", `{"Content-Disposition": "filename=\"a.png\""}`, f("content-disposition", "x"), `["eq", "$Content-Disposition", "filename=\"a.png\""]`},
		{"starts-with", `["starts-with", "$key", "uploads/"]`, f("key", "uploads/a"), ""},
		{"starts-with fails", `["starts-with", "$key", "uploads/"]`, f("key", "other/a"), `["starts-with", "$key", "uploads/"]`},
		{"empty prefix: any value", `["starts-with", "$success_action_redirect", ""]`, f("success_action_redirect", "http://x/"), ""},
		{"empty prefix: the field must be there", `["starts-with", "$Content-Type", ""]`, f(), `["starts-with", "$Content-Type", ""]`},
		{"no $ never holds", `["eq", "success_action_redirect", "http://x/"]`, f("success_action_redirect", "http://x/"), `["eq", "success_action_redirect", "http://x/"]`},
		{"content-type list", `["starts-with", "$Content-Type", "image/"]`, f("Content-Type", "image/jpg,image/png"), ""},
		{"content-type list, one off", `["starts-with", "$Content-Type", "image/"]`, f("Content-Type", "image/jpg,text/plain"), `["starts-with", "$Content-Type", "image/"]`},
		{"other fields are strings", `["starts-with", "$key", "a,"]`, f("key", "a,b"), ""},
		{"repeated fields joined", `{"x-amz-meta-tag": "Ninja,Stallman"}`, f("x-amz-meta-tag", "Ninja", "X-Amz-Meta-Tag", "Stallman"), ""},
		{"bucket is the bucket posted to", `{"bucket": "photos"}`, f(), ""},
		{"another bucket", `{"bucket": "other"}`, f("bucket", "other"), `["eq", "$bucket", "other"]`},
		{"extra field, lower case", `{"key": "k"}`, f("key", "k", "Filename", "a"), "extra:filename"},
		{"exempt fields", `{"key": "k"}`, f("key", "k", "policy", "p", "X-Amz-Signature", "s", "x-ignore-foo", "1", "AWSAccessKeyId", "a", "signature", "s"), ""},
		{"content-length-range strings", `["content-length-range", "5", "10"]`, f(), ""},
		{"content-length-range not numbers", `["content-length-range", "test", "10"]`, f(), `["content-length-range", "test", "10"]`},
		{"contradictory conditions", `{"key": "a"}, {"key": "b"}`, f("key", "a"), `["eq", "$key", "b"]`},
		{"condition failures come first", `{"key": "a"}`, f("key", "b", "extra", "x"), `["eq", "$key", "a"]`},
	}
	for _, c := range cases {
		err := mustParse(t, c.conds).Check(c.form)
		var ce *ConditionError
		var xe *ExtraFieldError
		switch {
		case c.want == "":
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
		case strings.HasPrefix(c.want, "extra:"):
			if !errors.As(err, &xe) || xe.Field != strings.TrimPrefix(c.want, "extra:") {
				t.Errorf("%s: %v, want extra field %s", c.name, err, c.want)
			}
		default:
			if !errors.As(err, &ce) || ce.Condition.String() != c.want {
				t.Errorf("%s: %v, want %s", c.name, err, c.want)
			}
		}
	}
}

func TestCheckSize(t *testing.T) {
	p := mustParse(t, `["content-length-range", 5, 10]`)
	for n, want := range map[int64]string{1: "small", 4: "small", 5: "", 10: "", 11: "large", 12: "large"} {
		err := p.CheckSize(n)
		var se *SizeError
		switch want {
		case "":
			if err != nil {
				t.Errorf("%d: %v", n, err)
			}
		default:
			if !errors.As(err, &se) || se.TooLarge != (want == "large") || se.Size != n || se.Min != 5 || se.Max != 10 {
				t.Errorf("%d: %+v", n, err)
			}
		}
	}
	// Two ranges: both hold, so the tightest bounds apply.
	min, max, ok := mustParse(t, `["content-length-range", 0, 100], ["content-length-range", 10, 50]`).ContentLengthRange()
	if !ok || min != 10 || max != 50 {
		t.Errorf("range = %d %d %v", min, max, ok)
	}
	if err := mustParse(t, `{"key": "k"}`).CheckSize(1 << 40); err != nil {
		t.Errorf("no range: %v", err)
	}
}

// TestBuildRoundTrip: a policy built with New, Eq, StartsWith and
// LengthRange decodes back to the same conditions, and its document writes
// each in the form a signer writes it.
func TestBuildRoundTrip(t *testing.T) {
	exp := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	p := New(exp, LengthRange(1, 10), Eq("Content-Type", `image/"png"`), StartsWith("key", "uploads/"))
	p.Add(Eq("x-amz-credential", "AKIA/20261127/us-east-1/s3/aws4_request"))
	doc, err := p.Document()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"expiration":"2026-11-27T10:00:00.000Z","conditions":[["content-length-range",1,10],{"Content-Type":"image/\"png\""},["starts-with","$key","uploads/"],{"x-amz-credential":"AKIA/20261127/us-east-1/s3/aws4_request"}]}`
	if string(doc) != want {
		t.Errorf("document\n %s\nwant\n %s", doc, want)
	}
	got, err := Decode(Encode(doc))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Conditions, p.Conditions) || !got.Expiration.Equal(exp) || got.Credential != p.Credential || p.Credential == "" {
		t.Errorf("decoded %+v\nbuilt %+v", got, p)
	}
}
