package s3api

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"signet/internal/policy"
)

// fuzzXMLSeeds are request bodies from the package's tests and the
// adversarial matrix: valid ones, and the hostile shapes (unclosed,
// nested, entities, wrong root).
var fuzzXMLSeeds = []string{
	completeXML(`"0123456789abcdef0123456789abcdef"`, `"fedcba9876543210fedcba9876543210"`),
	`<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><PartNumber>1</PartNumber><ETag>"x"</ETag><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part></CompleteMultipartUpload>`,
	`<CompleteMultipartUpload><Part><PartNumber>7</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>`,
	`<CompleteMultipartUpload></CompleteMultipartUpload>`,
	`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>`,
	`<Delete><Object><Key>a</Key></Object><Object><Key>c &amp; d</Key></Object><Object><Key>missing</Key></Object></Delete>`,
	`<Delete><Quiet>true</Quiet><Object><Key>b</Key></Object></Delete>`,
	`<Delete>`,
	`<Delete><Object><Key>k&#13;&#10;</Key><VersionId>null</VersionId></Object></Delete>`,
	`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><Delete><Object><Key>&lol;</Key></Object></Delete>`,
	`<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&xxe;</Key></Object></Delete>`,
	`<Delete>` + strings.Repeat("<Object>", 40) + strings.Repeat("</Object>", 40) + `</Delete>`,
	`<AccessControlPolicy><AccessControlList><Grant><Grantee><ID>x</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>`,
	"this is not xml",
	"",
}

// fuzzReadXML runs readXML on data into a fresh *T and checks the
// properties every request body shares: the only refusals are
// MalformedXML and MaxMessageLengthExceeded; an accepted body was read to
// its end, is well-formed, nested at most maxXMLDepth deep with at most
// maxElems elements, and survives
// serialise-then-parse with the same value (parse is idempotent); its
// accepted root element is root. It returns the parsed value, or nil when
// refused.
func fuzzReadXML[T any](t *testing.T, data []byte, limit int64, maxElems int, root string) *T {
	t.Helper()
	v := new(T)
	body := &countingReader{r: bytes.NewReader(data)}
	err := readXML(body, limit, maxElems, maxElems, v)
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) || (ae.Code.String() != "MalformedXML" && ae.Code.String() != "MaxMessageLengthExceeded") {
			t.Fatalf("refused with %v, want MalformedXML or MaxMessageLengthExceeded", err)
		}
		if int64(len(data)) > limit && ae.Code.String() != "MaxMessageLengthExceeded" {
			t.Fatalf("%d bytes over a %d-byte limit refused as %s", len(data), limit, ae.Code)
		}
		return nil
	}
	if body.n.Load() != int64(len(data)) {
		t.Fatalf("accepted a body after reading %d of its %d bytes", body.n.Load(), len(data))
	}
	if depth, elems, ok := xmlShape(data); !ok || depth > maxXMLDepth || elems > maxElems {
		t.Fatalf("accepted a body well-formed %v, %d deep, %d elements (limits %d, %d)", ok, depth, elems, maxXMLDepth, maxElems)
	}
	if name := reflect.ValueOf(v).Elem().FieldByName("XMLName"); name.IsValid() && name.Interface().(xml.Name).Local != root {
		t.Fatalf("accepted root element %q, want %q", name.Interface().(xml.Name).Local, root)
	}
	out, err := xml.Marshal(v)
	if err != nil {
		t.Fatalf("an accepted body does not serialise: %v", err)
	}
	again := new(T)
	if err := readXML(bytes.NewReader(out), int64(len(out))+1, maxElems, maxElems, again); err != nil {
		t.Fatalf("the serialised form of an accepted body is refused: %v\n%s", err, out)
	}
	// The root element's namespace is not kept by Marshal (the struct tag
	// names the element) and means nothing to S3: compare without it.
	for _, x := range []*T{v, again} {
		if f := reflect.ValueOf(x).Elem().FieldByName("XMLName"); f.IsValid() {
			f.Set(reflect.Zero(f.Type()))
		}
	}
	if !reflect.DeepEqual(v, again) {
		t.Fatalf("parse(serialise(parse(body))) differs from parse(body):\n%+v\n%+v", v, again)
	}
	return v
}

// FuzzCompleteMultipartUploadXML: any CompleteMultipartUpload body.
func FuzzCompleteMultipartUploadXML(f *testing.F) {
	for _, s := range fuzzXMLSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzReadXML[completeRequest](t, data, maxCompleteBody, maxCompleteElems, "CompleteMultipartUpload")
	})
}

// FuzzDeleteObjectsXML: any DeleteObjects body.
func FuzzDeleteObjectsXML(f *testing.F) {
	for _, s := range fuzzXMLSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzReadXML[deleteRequest](t, data, maxDeleteBody, maxDeleteElems, "Delete")
	})
}

// FuzzAccessControlPolicyXML: any PutBucketAcl/PutObjectAcl body.
func FuzzAccessControlPolicyXML(f *testing.F) {
	for _, s := range fuzzXMLSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzReadXML[accessControlPolicy](t, data, 64<<10, maxACLElems, "AccessControlPolicy")
	})
}

// FuzzBucketPolicyBody: whatever a PutBucketPolicy body holds, the answer
// is accepted or 400 MalformedPolicy (never an internal error); an
// accepted policy parses, names only this bucket, and is still accepted
// when its JSON is re-indented or compacted.
func FuzzBucketPolicyBody(f *testing.F) {
	const public = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`
	for _, s := range []string{
		public,
		`{"Version":"2012-10-17","Statement":{"Sid":"TenMinuteURLs","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"NumericGreaterThan":{"s3:signatureAge":"600000"}}}}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","NotAction":"s3:GetObject","NotResource":"arn:aws:s3:::b?/*"}]}`,
		strings.Replace(public, "b/*", "other/*", 1),
		strings.Replace(public, "b/*", "*", 1),
		strings.Replace(public, `"Principal":"*",`, "", 1),
		`{"Version":"2012-10-17","Statement":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`,
		"<Policy/>", "[]", "null", "", "{}",
	} {
		f.Add([]byte(s), "b")
	}
	f.Fuzz(func(t *testing.T, body []byte, bucket string) {
		err := checkBucketPolicy(body, bucket)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.Code.String() != "MalformedPolicy" || ae.Status != 400 {
				t.Fatalf("refused with %v, want 400 MalformedPolicy", err)
			}
			return
		}
		if _, err := policy.Parse(policy.Resource, body); err != nil {
			t.Fatalf("accepted a policy that does not parse: %v", err)
		}
		if r, outside := resourceOutside(body, bucket); outside {
			t.Fatalf("accepted a policy naming %q, outside bucket %q", r, bucket)
		}
		var indented, compact bytes.Buffer
		if json.Indent(&indented, body, "", "  ") == nil && indented.Len() <= maxBucketPolicy {
			if err := checkBucketPolicy(indented.Bytes(), bucket); err != nil {
				t.Fatalf("the same policy re-indented is refused: %v\n%s", err, indented.Bytes())
			}
		}
		if json.Compact(&compact, body) == nil {
			if err := checkBucketPolicy(compact.Bytes(), bucket); err != nil {
				t.Fatalf("the same policy compacted is refused: %v\n%s", err, compact.Bytes())
			}
		}
	})
}

// globReference is the obvious dynamic-programming matcher for * and ?
// over bytes, against which globMatch is checked.
func globReference(pattern, s string) bool {
	// m[j] reports whether pattern[:i] matches s[:j], row by row.
	m := make([]bool, len(s)+1)
	m[0] = true
	for i := 0; i < len(pattern); i++ {
		next := make([]bool, len(s)+1)
		switch pattern[i] {
		case '*':
			next[0] = m[0]
			for j := 1; j <= len(s); j++ {
				next[j] = m[j] || next[j-1]
			}
		default:
			for j := 1; j <= len(s); j++ {
				next[j] = m[j-1] && (pattern[i] == '?' || pattern[i] == s[j-1])
			}
		}
		m = next
	}
	return m[len(s)]
}

// FuzzGlobMatch: the resource-pattern matcher of bucket policies agrees
// with the reference, matches every string against itself, and a bucket
// policy's own bucket ARN and its object ARNs are always in the bucket.
func FuzzGlobMatch(f *testing.F) {
	for _, s := range [][2]string{{"b", "b"}, {"b*", "bucket"}, {"?", "b"}, {"*a*b*", "xaybz"}, {"a**b", "ab"}, {"", ""}, {"*", ""}, {"b?/*", "b1"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if len(pattern)*len(s) > 1<<20 {
			return // the reference is quadratic
		}
		if got, want := globMatch(pattern, s), globReference(pattern, s); got != want {
			t.Fatalf("globMatch(%q, %q) = %v, want %v", pattern, s, got, want)
		}
		if !globMatch(s, s) || !globMatch("*", s) {
			t.Fatalf("%q does not match itself or *", s)
		}
		if !strings.Contains(s, "/") && s != "" {
			if !inBucket("arn:aws:s3:::"+s, s) || !inBucket("arn:aws:s3:::"+s+"/"+pattern, s) {
				t.Fatalf("bucket %q's own ARNs are not in it", s)
			}
		}
	})
}

// xmlShape is the test's own reading of data: whether it is well-formed
// (every element closed), how deep it nests and how many elements it has.
func xmlShape(data []byte) (maxDepth, elems int, ok bool) {
	d := xml.NewDecoder(bytes.NewReader(data))
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return maxDepth, elems, depth == 0
		}
		if err != nil {
			return maxDepth, elems, false
		}
		switch tok.(type) {
		case xml.StartElement:
			elems++
			if depth++; depth > maxDepth {
				maxDepth = depth
			}
		case xml.EndElement:
			depth--
		}
	}
}
