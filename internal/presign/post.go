package presign

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"signet/internal/lifetime"
	"signet/internal/secret"
	"signet/internal/sigv2"
	"signet/internal/sigv4"
)

// A presigned POST is a browser form upload: a policy document, signed,
// that the page posts to the bucket with the file. This file builds the
// policy and its form fields as boto3's generate_presigned_post does
// (the same field names, and the conditions in the same order), and
// decodes one for `signet inspect`.

// Filename is the variable S3 replaces in a POST form's key with the name
// of the uploaded file.
const Filename = "${filename}"

// PolicyExpirationFormat is how a POST policy writes its expiration: ISO
// 8601 in UTC with milliseconds, as AWS's documentation does.
const PolicyExpirationFormat = "2006-01-02T15:04:05.000Z"

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

// Condition is one condition of a POST policy: Op is "eq", "starts-with"
// or "content-length-range" (then Min and Max hold the bounds).
type Condition struct {
	Op       string
	Field    string // without the "$"
	Value    string
	Min, Max int64
}

// Condition operators.
const (
	OpEq          = "eq"
	OpStartsWith  = "starts-with"
	OpLengthRange = "content-length-range"
)

// MarshalJSON writes the condition in the shape boto3 writes it: an exact
// match as {"field": "value"}, the others as arrays.
func (c Condition) MarshalJSON() ([]byte, error) {
	switch c.Op {
	case OpEq:
		return marshalPlain(map[string]string{c.Field: c.Value})
	case OpStartsWith:
		return marshalPlain([]string{OpStartsWith, "$" + c.Field, c.Value})
	case OpLengthRange:
		return marshalPlain([]any{OpLengthRange, c.Min, c.Max})
	}
	return nil, fmt.Errorf("unknown POST policy condition %q", c.Op)
}

// String is the condition as it reads in the policy (and in S3's "Policy
// Condition failed" message).
func (c Condition) String() string {
	b, err := c.MarshalJSON()
	if err != nil {
		return c.Op
	}
	return string(b)
}

// Policy is a POST policy document.
type Policy struct {
	Expiration time.Time
	Conditions []Condition
}

// MarshalJSON writes {"expiration": …, "conditions": […]}.
func (p Policy) MarshalJSON() ([]byte, error) {
	return marshalPlain(struct {
		Expiration string      `json:"expiration"`
		Conditions []Condition `json:"conditions"`
	}{p.Expiration.UTC().Format(PolicyExpirationFormat), p.Conditions})
}

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
	Policy           Policy
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
	res.Policy.Expiration = signedAt.Add(req.ExpiresIn)
	res.Fields, res.Policy.Conditions = userPostFields(req)

	// boto3's order: the caller's conditions, then bucket and key, then
	// the signature's own fields.
	key, prefix, isPrefix := req.formKey()
	res.Policy.Conditions = append(res.Policy.Conditions, Condition{Op: OpEq, Field: "bucket", Value: req.Bucket})
	if p, ok := keyStartsWith(req); ok {
		prefix, isPrefix = p, true
	}
	if isPrefix {
		res.Policy.Conditions = append(res.Policy.Conditions, Condition{Op: OpStartsWith, Field: "key", Value: prefix})
	} else {
		res.Policy.Conditions = append(res.Policy.Conditions, Condition{Op: OpEq, Field: "key", Value: key})
	}
	res.Fields = append(res.Fields, Field{"key", key})

	sk := id.SecretAccessKey
	var auth Fields
	if req.SigV2 {
		auth = Fields{{"AWSAccessKeyId", id.AccessKeyID}}
	} else {
		scope := sigv4.Scope{Date: signedAt.Format("20060102"), Region: r.Region, Service: "s3"}
		auth = Fields{
			{"x-amz-algorithm", sigv4.Algorithm},
			{"x-amz-credential", id.AccessKeyID + "/" + scope.String()},
			{"x-amz-date", sigv4.FormatAmzDate(signedAt)},
		}
		for _, f := range auth {
			res.Policy.Conditions = append(res.Policy.Conditions, Condition{Op: OpEq, Field: f.Name, Value: f.Value})
		}
	}
	if id.SessionToken != "" {
		auth = append(auth, Field{"x-amz-security-token", id.SessionToken})
		res.Policy.Conditions = append(res.Policy.Conditions, Condition{Op: OpEq, Field: "x-amz-security-token", Value: id.SessionToken})
	}
	res.Fields = append(res.Fields, auth...)

	doc, err := res.Policy.MarshalJSON()
	if err != nil {
		return nil, err
	}
	encoded := base64.StdEncoding.EncodeToString(doc)
	res.Fields = append(res.Fields, Field{"policy", encoded})
	if req.SigV2 {
		res.Fields = append(res.Fields, Field{"signature", PolicySignatureV2(sk, encoded)})
	} else {
		scope := sigv4.Scope{Date: signedAt.Format("20060102"), Region: r.Region, Service: "s3"}
		res.Fields = append(res.Fields, Field{"x-amz-signature", PolicySignatureV4(sk, scope, encoded)})
	}

	res.Lifetime = lifetime.Compute(lifetime.Input{URLExpiry: res.Policy.Expiration, CredentialExpiry: id.Expires})
	res.Warning = lifetimeWarning(warned{noun: "policy", longTerm: "an IAM user's long-term access key (AKIA…)",
		identity: id, lifetime: res.Lifetime, signedAt: signedAt, asked: req.ExpiresIn})
	return res, nil
}

// userPostFields are the fields and conditions the flags ask for, before
// bucket and key: the length range, the Content-Type, then the
// starts-with conditions in the order given. A starts-with field is sent
// with its prefix as value, for the page to complete.
func userPostFields(req PostRequest) (Fields, []Condition) {
	var fields Fields
	var conds []Condition
	if req.Length != nil {
		conds = append(conds, Condition{Op: OpLengthRange, Min: req.Length.Min, Max: req.Length.Max})
	}
	if req.ContentType != "" {
		conds = append(conds, Condition{Op: OpEq, Field: "Content-Type", Value: req.ContentType})
		fields = append(fields, Field{"Content-Type", req.ContentType})
	}
	for _, s := range req.StartsWith {
		if strings.EqualFold(s.Field, "key") {
			continue // the key's condition follows the bucket's
		}
		conds = append(conds, Condition{Op: OpStartsWith, Field: s.Field, Value: s.Prefix})
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

// PolicySignatureV4 is a SigV4 POST form's x-amz-signature: the base64
// policy is the string to sign, hex(HMAC-SHA256(signing key, policy)).
func PolicySignatureV4(sk secret.Secret, scope sigv4.Scope, base64Policy string) string {
	return sigv4.SignatureHex(sigv4.SigningKey(sk, scope), base64Policy)
}

// PolicySignatureV2 is a SigV2 POST form's signature:
// base64(HMAC-SHA1(secret, base64 policy)).
func PolicySignatureV2(sk secret.Secret, base64Policy string) string {
	return sigv2.Sign(sk, base64Policy)
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

// DecodePolicy reads a form's base64 policy field. It accepts what S3
// documents: an exact match as {"field": "value"} (several in one object
// are several conditions) or ["eq", "$field", "value"], ["starts-with",
// "$field", "prefix"] and ["content-length-range", min, max].
func DecodePolicy(base64Policy string) (*Policy, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(base64Policy))
	if err != nil {
		return nil, errors.New("the policy field is not base64")
	}
	var doc struct {
		Expiration *string           `json:"expiration"`
		Conditions []json.RawMessage `json:"conditions"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("the policy is not a JSON document: %v", err)
	}
	if doc.Expiration == nil {
		return nil, errors.New("the policy has no expiration")
	}
	exp, err := time.Parse(time.RFC3339Nano, *doc.Expiration)
	if err != nil {
		return nil, fmt.Errorf("the policy's expiration %q is not an ISO 8601 time", *doc.Expiration)
	}
	p := &Policy{Expiration: exp.UTC()}
	for i, c := range doc.Conditions {
		conds, err := decodeCondition(c)
		if err != nil {
			return nil, fmt.Errorf("condition #%d %s: %v", i, c, err)
		}
		p.Conditions = append(p.Conditions, conds...)
	}
	return p, nil
}

func decodeCondition(raw json.RawMessage) ([]Condition, error) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) == nil {
		var out []Condition
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.Token() // {
		for dec.More() {
			tok, _ := dec.Token()
			var v any
			if err := dec.Decode(&v); err != nil {
				return nil, err
			}
			out = append(out, Condition{Op: OpEq, Field: tok.(string), Value: scalar(v)})
		}
		return out, nil
	}
	var arr []any
	if err := json.Unmarshal(raw, &arr); err != nil || len(arr) != 3 {
		return nil, errors.New("want {\"field\": \"value\"} or a three-element array")
	}
	op, _ := arr[0].(string)
	switch strings.ToLower(op) {
	case OpEq, OpStartsWith:
		field, ok := arr[1].(string)
		if !ok || !strings.HasPrefix(field, "$") {
			return nil, errors.New("the field must be written \"$name\"")
		}
		return []Condition{{Op: strings.ToLower(op), Field: field[1:], Value: scalar(arr[2])}}, nil
	case OpLengthRange:
		lo, err1 := wholeNumber(arr[1])
		hi, err2 := wholeNumber(arr[2])
		if err1 != nil || err2 != nil {
			return nil, errors.New("the bounds must be whole numbers")
		}
		return []Condition{{Op: OpLengthRange, Min: lo, Max: hi}}, nil
	}
	return nil, fmt.Errorf("unknown operator %q: S3 knows eq, starts-with and content-length-range", op)
}

// scalar renders a condition's value as the form field it is compared
// with.
func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func wholeNumber(v any) (int64, error) {
	switch x := v.(type) {
	case float64:
		if x != float64(int64(x)) {
			return 0, errors.New("not whole")
		}
		return int64(x), nil
	case string:
		return strconv.ParseInt(x, 10, 64)
	}
	return 0, errors.New("not a number")
}

// Form is a POST form taken apart, for `signet inspect`.
type Form struct {
	URL    string
	Fields Fields
	Policy *Policy
	// SigV2 is a form signed with AWSAccessKeyId and signature.
	SigV2       bool
	AccessKeyID string
	// Scope and SignedAt are a SigV4 form's x-amz-credential scope and
	// x-amz-date.
	Scope     sigv4.Scope
	SignedAt  time.Time
	Token     string
	Signature string
	// Problems are what S3 would refuse before judging the expiration:
	// fields no condition covers, conditions the fields break.
	Problems []string
}

// Temporary reports whether the form was signed with temporary
// credentials (it carries a session token).
func (f *Form) Temporary() bool { return f.Token != "" }

// exemptFields need no condition in the policy (S3's rule; x-ignore-*
// too). bucket is not a form field but the URL's.
var exemptFields = []string{"policy", "x-amz-signature", "file", "awsaccesskeyid", "signature"}

// ParseForm reads the fields a POST form sends (names case-insensitive,
// as S3 reads them): which signature, whose key, the policy, and what in
// them S3 would refuse whatever the time.
func ParseForm(rawURL string, fields Fields) (*Form, error) {
	f := &Form{URL: rawURL, Fields: fields}
	policy := fields.Get("policy")
	if policy == "" {
		return nil, errors.New("the form has no policy field: it is not a presigned POST form")
	}
	p, err := DecodePolicy(policy)
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
	f.Problems = formProblems(fields, p.Conditions)
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

// formProblems lists the fields no condition names and the conditions
// the fields as given do not meet. A key holding ${filename} is judged by
// its part before the variable, which is all a condition can know.
func formProblems(fields Fields, conds []Condition) []string {
	var out []string
	for _, fl := range fields {
		lower := strings.ToLower(fl.Name)
		if containsFold(exemptFields, lower) || strings.HasPrefix(lower, "x-ignore-") {
			continue
		}
		covered := false
		for _, c := range conds {
			covered = covered || strings.EqualFold(c.Field, fl.Name)
		}
		if !covered {
			out = append(out, fmt.Sprintf("no condition names field %s, so S3 refuses the form (Invalid according to Policy: Extra input fields: %s)", fl.Name, lower))
		}
	}
	for _, c := range conds {
		if c.Op == OpLengthRange || strings.EqualFold(c.Field, "bucket") {
			continue
		}
		v, present := "", false
		for _, fl := range fields {
			if strings.EqualFold(fl.Name, c.Field) {
				v, present = fl.Value, true
			}
		}
		if strings.EqualFold(c.Field, "key") {
			if i := strings.Index(v, Filename); i >= 0 {
				v = v[:i]
				if c.Op == OpEq {
					continue // the file's name decides
				}
			}
		}
		if !present || (c.Op == OpEq && v != c.Value) || (c.Op == OpStartsWith && !strings.HasPrefix(v, c.Value)) {
			out = append(out, fmt.Sprintf("the form as given fails condition %s (Invalid according to Policy: Policy Condition failed)", c))
		}
	}
	return out
}
