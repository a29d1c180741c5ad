package presign

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"signet/internal/lifetime"
	"signet/internal/postpolicy"
	"signet/internal/sigv4"
)

// A presigned POST is a browser form upload: a policy document, signed,
// that the page posts to the bucket with the file. This file builds the
// policy and its form fields as boto3's generate_presigned_post does
// (the same field names, and the conditions in the same order), and
// reads one back for `signet inspect`. The policy itself (its document,
// its signature, its checks) is package postpolicy's, the server's own.

// Filename is the variable S3 replaces in a POST form's key with the name
// of the uploaded file.
const Filename = "${filename}"

// PostRequest is what to allow in a browser POST form.
type PostRequest struct {
	Bucket string
	// Key is the object's key. One containing ${filename} is any key
	// with the part before it as prefix (the file's name fills it in);
	// "" or one ending in "/" is such a prefix, with ${filename} added.
	Key       string
	ExpiresIn time.Duration
	// ContentType, when set, is the one Content-Type the form may send.
	ContentType string
	// Length bounds the file's size (content-length-range) when not nil.
	Length *LengthRange
	// StartsWith are starts-with conditions: the field's value must begin
	// with the prefix. One on key replaces the key's own condition.
	StartsWith []StartsWith
	// SigV2 signs with the legacy AWSAccessKeyId and signature fields.
	SigV2 bool
}

// LengthRange is a content-length-range condition, in bytes.
type LengthRange struct{ Min, Max int64 }

// StartsWith is a starts-with condition on one form field.
type StartsWith struct{ Field, Prefix string }

// marshalPlain is json.Marshal without HTML escaping: the policy is the
// string that is signed, so it is written as people read it.
func marshalPlain(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Field is one form field.
type Field struct{ Name, Value string }

// Fields are a form's fields in the order the form sends them.
type Fields []Field

// Get returns the value of the field name (case-insensitive, as S3 reads
// form field names), or "".
func (f Fields) Get(name string) string {
	for _, x := range f {
		if strings.EqualFold(x.Name, name) {
			return x.Value
		}
	}
	return ""
}

// MarshalJSON writes the fields as one object, in form order (a Go map
// would sort them).
func (f Fields) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, x := range f {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := marshalPlain(x.Name)
		if err != nil {
			return nil, err
		}
		v, err := marshalPlain(x.Value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads an object of string values, keeping its order.
func (f *Fields) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return errors.New("the fields are not a JSON object")
	}
	*f = nil
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		var v string
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("field %q: its value is not a string", tok)
		}
		*f = append(*f, Field{Name: tok.(string), Value: v})
	}
	_, err := dec.Token()
	return err
}

// PostResult is a signed POST form and what is known about its life.
type PostResult struct {
	// URL is where the form posts: the bucket's URL.
	URL              string
	Fields           Fields
	Policy           *postpolicy.Policy
	Request          PostRequest
	Region           string
	SignatureVersion string // "sigv4" or "sigv2"
	SignedAt         time.Time
	Lifetime         lifetime.Lifetime
	Identity         Identity
	// Warning is the lifetime warning, as for a URL; "" when the policy
	// lives until its expiration.
	Warning string
}

// EffectiveKnown reports whether Lifetime.Effective is the policy's real
// end; false when temporary credentials of unknown expiry may end it
// sooner.
func (r *PostResult) EffectiveKnown() bool { return !r.Identity.ExpiryUnknown() }

// ParsePostTarget splits "s3://bucket/key-or-prefix"; unlike an object
// path, the key may be empty (any key in the bucket).
func ParsePostTarget(s string) (bucket, key string, err error) {
	rest, ok := strings.CutPrefix(s, "s3://")
	if !ok {
		return "", "", fmt.Errorf("%q is not an object path: write it s3://BUCKET/KEY or s3://BUCKET/PREFIX/", s)
	}
	bucket, key, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("%q names no bucket: write it s3://BUCKET/KEY or s3://BUCKET/PREFIX/", s)
	}
	return bucket, key, nil
}

// formKey is the key field's value and the prefix a key condition allows
// ("" and false for an exact key).
func (req PostRequest) formKey() (key, prefix string, isPrefix bool) {
	if i := strings.Index(req.Key, Filename); i >= 0 {
		return req.Key, req.Key[:i], true
	}
	if req.Key == "" || strings.HasSuffix(req.Key, "/") {
		return req.Key + Filename, req.Key, true
	}
	return req.Key, "", false
}

// reservedPostFields are the fields presign --post writes itself; no
// condition of the user's may name them.
var reservedPostFields = []string{"bucket", "policy", "file", "x-amz-algorithm", "x-amz-credential", "x-amz-date",
	"x-amz-signature", "x-amz-security-token", "awsaccesskeyid", "signature"}

// CheckPostRequest refuses, before any credential is sought, what could
// not make a working form. Messages name the command's flags.
func CheckPostRequest(req PostRequest) error {
	switch {
	case req.ExpiresIn < time.Second:
		return fmt.Errorf("--expires-in %s: a POST policy must live at least one second", req.ExpiresIn)
	case req.ExpiresIn%time.Second != 0:
		return fmt.Errorf("--expires-in %s: count whole seconds", req.ExpiresIn)
	case req.Length != nil && (req.Length.Min < 0 || req.Length.Max < req.Length.Min):
		return fmt.Errorf("--content-length-range %d,%d: want MIN,MAX with 0 <= MIN <= MAX", req.Length.Min, req.Length.Max)
	}
	seen := map[string]bool{}
	if req.ContentType != "" {
		seen["content-type"] = true
	}
	key, _, _ := req.formKey()
	for _, s := range req.StartsWith {
		lower := strings.ToLower(s.Field)
		switch {
		case s.Field == "" || strings.ContainsAny(s.Field, "$\"\\"):
			return fmt.Errorf("--starts-with %q: want FIELD=PREFIX, e.g. --starts-with key=uploads/", s.Field+"="+s.Prefix)
		case lower == "content-type" && req.ContentType != "":
			return errors.New("--content-type and --starts-with Content-Type= both set the Content-Type: give one")
		case seen[lower]:
			return fmt.Errorf("--starts-with %s: given twice; give one prefix per field", s.Field)
		case containsFold(reservedPostFields, lower):
			return fmt.Errorf("--starts-with %s: signet writes that field itself", s.Field)
		case lower == "key" && !strings.HasPrefix(key, s.Prefix):
			return fmt.Errorf("--starts-with key=%s: the key %q is not under that prefix", s.Prefix, req.Key)
		}
		seen[lower] = true
	}
	return nil
}

func containsFold(list []string, lower string) bool {
	for _, s := range list {
		if s == lower {
			return true
		}
	}
	return false
}

// SignPost signs a POST form for req with r's credential at now
// (truncated to the second, the precision of x-amz-date). The policy's
// expiration is now + ExpiresIn; AWS sets no 7-day cap on it, but a
// policy signed with temporary credentials dies with them, as a URL does.
func SignPost(req PostRequest, r *Resolved, now time.Time) (*PostResult, error) {
	if err := CheckPostRequest(req); err != nil {
		return nil, err
	}
	id := r.Identity
	if id.AccessKeyID == "" || id.SecretAccessKey.IsZero() {
		return nil, ErrNoSecret
	}
	signedAt := now.UTC().Truncate(time.Second)
	res := &PostResult{URL: bucketURL(r.Endpoint, r.Region, req.Bucket), Request: req, Region: r.Region,
		SignedAt: signedAt, Identity: id, SignatureVersion: "sigv4"}
	if req.SigV2 {
		res.SignatureVersion = "sigv2"
	}
	var conds []postpolicy.Condition
	res.Fields, conds = userPostFields(req)
	res.Policy = postpolicy.New(signedAt.Add(req.ExpiresIn), conds...)

	// boto3's order: the caller's conditions, then bucket and key, then
	// the signature's own fields.
	key, prefix, isPrefix := req.formKey()
	res.Policy.Add(postpolicy.Eq("bucket", req.Bucket))
	if p, ok := keyStartsWith(req); ok {
		prefix, isPrefix = p, true
	}
	if isPrefix {
		res.Policy.Add(postpolicy.StartsWith("key", prefix))
	} else {
		res.Policy.Add(postpolicy.Eq("key", key))
	}
	res.Fields = append(res.Fields, Field{"key", key})

	sk := id.SecretAccessKey
	scope := sigv4.Scope{Date: signedAt.Format("20060102"), Region: r.Region, Service: "s3"}
	var auth Fields
	if req.SigV2 {
		auth = Fields{{"AWSAccessKeyId", id.AccessKeyID}}
	} else {
		auth = Fields{
			{"x-amz-algorithm", sigv4.Algorithm},
			{"x-amz-credential", id.AccessKeyID + "/" + scope.String()},
			{"x-amz-date", sigv4.FormatAmzDate(signedAt)},
		}
		for _, f := range auth {
			res.Policy.Add(postpolicy.Eq(f.Name, f.Value))
		}
	}
	if id.SessionToken != "" {
		auth = append(auth, Field{"x-amz-security-token", id.SessionToken})
		res.Policy.Add(postpolicy.Eq("x-amz-security-token", id.SessionToken))
	}
	res.Fields = append(res.Fields, auth...)

	doc, err := res.Policy.Document()
	if err != nil {
		return nil, err
	}
	encoded := postpolicy.Encode(doc)
	res.Fields = append(res.Fields, Field{"policy", encoded})
	if req.SigV2 {
		res.Fields = append(res.Fields, Field{"signature", postpolicy.SignV2(sk, encoded)})
	} else {
		res.Fields = append(res.Fields, Field{"x-amz-signature", postpolicy.SignV4(sk, scope, encoded)})
	}

	res.Lifetime = lifetimeHere(lifetime.Input{URLExpiry: res.Policy.Expiration, CredentialExpiry: id.Expires}, id.IssuerAhead)
	res.Warning = lifetimeWarning(warned{noun: "policy", longTerm: "an IAM user's long-term access key (AKIA…)",
		identity: id, lifetime: res.Lifetime, signedAt: signedAt, asked: req.ExpiresIn})
	return res, nil
}

// userPostFields are the fields and conditions the flags ask for, before
// bucket and key: the length range, the Content-Type, then the
// starts-with conditions in the order given. A starts-with field is sent
// with its prefix as value, for the page to complete.
func userPostFields(req PostRequest) (Fields, []postpolicy.Condition) {
	var fields Fields
	var conds []postpolicy.Condition
	if req.Length != nil {
		conds = append(conds, postpolicy.LengthRange(req.Length.Min, req.Length.Max))
	}
	if req.ContentType != "" {
		conds = append(conds, postpolicy.Eq("Content-Type", req.ContentType))
		fields = append(fields, Field{"Content-Type", req.ContentType})
	}
	for _, s := range req.StartsWith {
		if strings.EqualFold(s.Field, "key") {
			continue // the key's condition follows the bucket's
		}
		conds = append(conds, postpolicy.StartsWith(s.Field, s.Prefix))
		fields = append(fields, Field{s.Field, s.Prefix})
	}
	return fields, conds
}

// keyStartsWith is the prefix of a --starts-with key=PREFIX, if given.
func keyStartsWith(req PostRequest) (string, bool) {
	for _, s := range req.StartsWith {
		if strings.EqualFold(s.Field, "key") {
			return s.Prefix, true
		}
	}
	return "", false
}

// bucketURL is where a POST form for bucket posts: path style on a custom
// endpoint (ENDPOINT/bucket), virtual-hosted on AWS where the name allows
// (https://bucket.s3.amazonaws.com/), as boto3 writes it.
func bucketURL(endpoint *url.URL, region, bucket string) string {
	raw, virtual := objectURL(endpoint, region, bucket, "")
	if virtual != "" {
		return raw
	}
	return strings.TrimSuffix(raw, "/")
}

// Form is a POST form taken apart, for `signet inspect`.
type Form struct {
	URL    string
	Fields Fields
	Policy *postpolicy.Policy
	// SigV2 is a form signed with AWSAccessKeyId and signature.
	SigV2       bool
	AccessKeyID string
	// Scope and SignedAt are a SigV4 form's x-amz-credential scope and
	// x-amz-date.
	Scope     sigv4.Scope
	SignedAt  time.Time
	Token     string
	Signature string
	// Refusal is what S3 refuses in the form whatever the time, checked
	// by postpolicy.Check as the server checks it: the first condition
	// the fields break, or a field no condition covers. Nil when none.
	Refusal error
}

// Temporary reports whether the form was signed with temporary
// credentials (it carries a session token).
func (f *Form) Temporary() bool { return f.Token != "" }

// Bucket is the bucket the form posts to, read from its URL: the first
// segment of a path-style URL, else the first label of a virtual host.
func (f *Form) Bucket() string {
	u, err := url.Parse(f.URL)
	if err != nil {
		return ""
	}
	if seg, _, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/"); seg != "" {
		return seg
	}
	label, _, _ := strings.Cut(u.Hostname(), ".")
	return label
}

// PolicyFields are the fields as postpolicy checks them.
func (f Fields) PolicyFields() []postpolicy.Field {
	out := make([]postpolicy.Field, len(f))
	for i, x := range f {
		out[i] = postpolicy.Field{Name: x.Name, Value: x.Value}
	}
	return out
}

// ParseForm reads the fields a POST form sends (names case-insensitive,
// as S3 reads them): which signature, whose key, the policy, and what in
// them S3 would refuse whatever the time. A key holding ${filename} is
// checked as written: the file's name is not part of the form.
func ParseForm(rawURL string, fields Fields) (*Form, error) {
	f := &Form{URL: rawURL, Fields: fields}
	policy := fields.Get("policy")
	if policy == "" {
		return nil, errors.New("the form has no policy field: it is not a presigned POST form")
	}
	p, err := postpolicy.Decode(strings.TrimSpace(policy))
	var de *postpolicy.DocumentError
	if errors.As(err, &de) {
		return nil, fmt.Errorf("the policy field is refused: Invalid Policy: %s", de.Detail)
	}
	if err != nil {
		return nil, err
	}
	f.Policy = p
	f.Token = fields.Get("x-amz-security-token")
	if ak := fields.Get("AWSAccessKeyId"); ak != "" {
		f.SigV2, f.AccessKeyID, f.Signature = true, ak, fields.Get("signature")
		if f.Signature == "" {
			return nil, errors.New("the form has AWSAccessKeyId but no signature field")
		}
	} else {
		if err := f.readSigV4(); err != nil {
			return nil, err
		}
	}
	f.Refusal = p.Check(postpolicy.Form{Bucket: f.Bucket(), Fields: fields.PolicyFields()})
	return f, nil
}

func (f *Form) readSigV4() error {
	for _, name := range []string{"x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"} {
		if f.Fields.Get(name) == "" {
			return fmt.Errorf("the form has no %s field (nor AWSAccessKeyId, for SigV2)", name)
		}
	}
	if alg := f.Fields.Get("x-amz-algorithm"); alg != sigv4.Algorithm {
		return fmt.Errorf("x-amz-algorithm is %q; S3 takes %s", alg, sigv4.Algorithm)
	}
	ak, scope, ok := sigv4.ParseCredential(f.Fields.Get("x-amz-credential"))
	if !ok {
		return fmt.Errorf("x-amz-credential %q is not KEY/DATE/REGION/s3/aws4_request", f.Fields.Get("x-amz-credential"))
	}
	at, ok := sigv4.ParseAmzDate(f.Fields.Get("x-amz-date"))
	if !ok {
		return fmt.Errorf("x-amz-date %q is not yyyyMMddTHHmmssZ", f.Fields.Get("x-amz-date"))
	}
	f.AccessKeyID, f.Scope, f.SignedAt, f.Signature = ak, scope, at, f.Fields.Get("x-amz-signature")
	return nil
}
