package s3api

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
)

// A request header or parameter that selects a feature signet does not
// implement is refused, never accepted and dropped: code tested against
// signet must not ship to AWS with no proof that retention or
// encryption work. The router checks this one table (refusals) and the
// subresource table (subresources) before any handler runs, so a handler
// can rely on never seeing such a request. docs/operations.md lists both.

// refusal is one header, query parameter or body element that selects an
// unimplemented feature.
type refusal struct {
	// header is a canonical lower-case header name; a trailing "*" makes
	// it a prefix. param is a query parameter instead, and element an XML
	// element of the request body: the router reads no body, so the
	// handler that decodes one asks refuseElement about each element it
	// does not implement.
	header, param, element string
	// ops limits the row to these operations; empty means every one.
	// except leaves out operations that serve the feature.
	ops, except []string
	// selects reports whether the value asks for the feature; nil means
	// any value, even an empty one.
	selects func(v string) bool
	// feature names what is not implemented, as the message says it.
	feature string
	// code is AWS's error for it; echo puts the value in the message (only
	// for enumerated values, never for keys or other secrets).
	code errorCode
	echo bool
}

// refusals is the table. The first row that matches wins.
var refusals = []refusal{
	{header: "x-amz-bucket-object-lock-enabled", selects: isTrue, feature: "Object Lock", code: codeNotImplemented},
	{header: "x-amz-object-lock-mode", feature: "Object Lock retention", code: codeNotImplemented},
	{header: "x-amz-object-lock-retain-until-date", feature: "Object Lock retention", code: codeNotImplemented},
	{header: "x-amz-object-lock-legal-hold", selects: notEqualFold("OFF"), feature: "Object Lock legal holds", code: codeNotImplemented},
	// The object operations implement SSE-C (sse_customer.go).
	{header: "x-amz-server-side-encryption-customer-*", except: sseCustomerOps, feature: "server-side encryption with customer-provided keys (SSE-C)", code: codeNotImplemented},
	{header: "x-amz-copy-source-server-side-encryption-customer-*", except: sseCopySourceOps, feature: "server-side encryption with customer-provided keys (SSE-C)", code: codeNotImplemented},
	{header: "x-amz-server-side-encryption-bucket-key-enabled", feature: "S3 Bucket Keys", code: codeNotImplemented},
	// On writes checkServerSideEncryption answers these as AWS does
	// (AES256 is what every object gets; SSE-KMS has no KMS key). The
	// reads and the parts take SSE-C's headers, so only these are refused
	// there.
	{header: "x-amz-server-side-encryption", ops: sseKeyOnlyOps, feature: "server-side encryption headers on this operation", code: codeNotImplemented},
	{header: "x-amz-server-side-encryption-aws-*", ops: sseKeyOnlyOps, feature: "server-side encryption headers on this operation", code: codeNotImplemented},
	{header: "x-amz-server-side-encryption-context", ops: sseKeyOnlyOps, feature: "server-side encryption headers on this operation", code: codeNotImplemented},
	{header: "x-amz-server-side-encryption*", except: append(append([]string(nil), sseWriteOps...), sseKeyOnlyOps...), feature: "server-side encryption headers on this operation", code: codeNotImplemented},
	{header: "x-amz-website-redirect-location", selects: nonEmpty, feature: "website redirects", code: codeNotImplemented},
	// Classes that differ from STANDARD only in price are stored and
	// reported; these change what the API does (an archived object needs
	// RestoreObject) or belong to other products.
	{header: "x-amz-storage-class", selects: oneOf("GLACIER", "DEEP_ARCHIVE", "OUTPOSTS", "SNOW", "EXPRESS_ONEZONE"), feature: "archive and non-regional storage classes", code: codeNotImplemented, echo: true},
	// signet has no transitions, so only the default minimum size for
	// them is honoured (lifecycle.go).
	{header: "x-amz-transition-default-minimum-object-size", ops: []string{"PutBucketLifecycleConfiguration"}, selects: notEqual(transitionMinSize), feature: "transition minimum object sizes (signet has no transitions)", code: codeNotImplemented},
	{header: "x-amz-write-offset-bytes", feature: "appends to an object", code: codeNotImplemented},
	// Conditions are implemented on reads and writes, not on deletes.
	{header: "if-match", ops: []string{"DeleteObject"}, feature: "conditional deletes", code: codeNotImplemented},
	{header: "x-amz-if-match-last-modified-time", feature: "conditional deletes", code: codeNotImplemented},
	{header: "x-amz-if-match-size", feature: "conditional deletes", code: codeNotImplemented},
	// Reads and deletes of one version, and its tags and ACL, are served
	// (versioning.go, tagging.go, acl.go); the other operations know only
	// the current version, the null one in a bucket never versioned, where
	// AWS answers any other ID with InvalidArgument.
	{param: "versionId", except: []string{"GetObject", "HeadObject", "DeleteObject", "GetObjectTagging", "PutObjectTagging", "DeleteObjectTagging", "GetObjectAcl", "PutObjectAcl", "GetObjectAttributes"}, selects: notEqual("null"), feature: "operations on versions other than the current one", code: codeInvalidArgument},
	// DeleteObjects' per-object conditions, like DeleteObject's If-Match.
	{element: "ETag", ops: []string{"DeleteObjects"}, feature: "conditional deletes", code: codeNotImplemented},
	{element: "LastModifiedTime", ops: []string{"DeleteObjects"}, feature: "conditional deletes", code: codeNotImplemented},
	{element: "Size", ops: []string{"DeleteObjects"}, feature: "conditional deletes", code: codeNotImplemented},
	// signet has no MFA devices, so no bucket has MFA delete; the header
	// (serial and code) is never echoed.
	{header: "x-amz-mfa", ops: []string{"DeleteObject", "DeleteObjects", "PutBucketVersioning"}, feature: "MFA delete", code: codeNotImplemented},
	// CreateBucketConfiguration: LocationConstraint and Tags are implemented.
	{element: "Location", ops: []string{"CreateBucket"}, feature: "directory buckets", code: codeNotImplemented},
	{element: "Bucket", ops: []string{"CreateBucket"}, feature: "directory buckets", code: codeNotImplemented},
}

func isTrue(v string) bool   { return strings.EqualFold(strings.TrimSpace(v), "true") }
func nonEmpty(v string) bool { return strings.TrimSpace(v) != "" }
func notEqual(s string) func(string) bool {
	return func(v string) bool { return v != s }
}
func notEqualFold(s string) func(string) bool {
	return func(v string) bool { return !strings.EqualFold(strings.TrimSpace(v), s) }
}
func oneOf(vals ...string) func(string) bool {
	return func(v string) bool {
		for _, x := range vals {
			if v == x {
				return true
			}
		}
		return false
	}
}

// refuseFeatures returns the error for the first feature rq selects that
// signet does not implement, naming the feature and op.
func refuseFeatures(rq *request, op string) error {
	for i := range refusals {
		rf := &refusals[i]
		if rf.element != "" || !rf.appliesTo(op) {
			continue
		}
		name, value, ok := rf.find(rq.r.Header, rq.query)
		if !ok {
			continue
		}
		return rf.err(op, name, value)
	}
	return nil
}

// refuseElement returns the error for a body element of op, with its
// text, that selects a feature signet does not implement, or nil. known
// reports whether the table knows the element at all: one it does not is
// outside the operation's schema, which AWS answers with MalformedXML.
func refuseElement(op, name, value string) (err *apiError, known bool) {
	for i := range refusals {
		rf := &refusals[i]
		if rf.element != name || !rf.appliesTo(op) {
			continue
		}
		if rf.selects != nil && !rf.selects(value) {
			return nil, true
		}
		return rf.err(op, name, value), true
	}
	return nil, false
}

// bodyElement is an element of a request body that the operation's struct
// does not name, caught by an xml:",any" field so that it is judged rather
// than dropped.
type bodyElement struct {
	XMLName xml.Name
	Text    string `xml:",chardata"`
}

// refuseElements judges the elements a body's struct caught: the first
// that selects an unimplemented feature is refused, and one outside the
// schema is MalformedXML.
func refuseElements(op string, elems []bodyElement) *apiError {
	for _, el := range elems {
		err, known := refuseElement(op, el.XMLName.Local, strings.TrimSpace(el.Text))
		if !known {
			return s3Err(codeMalformedXML)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (rf *refusal) appliesTo(op string) bool {
	if contains(rf.except, op) {
		return false
	}
	if len(rf.ops) == 0 {
		return true
	}
	for _, o := range rf.ops {
		if o == op {
			return true
		}
	}
	return false
}

// find returns the header or parameter (and its first value) the row
// matches in the request.
func (rf *refusal) find(h http.Header, q url.Values) (name, value string, ok bool) {
	if rf.param != "" {
		vs, present := q[rf.param]
		if !present || (rf.selects != nil && !rf.selects(vs[0])) {
			return "", "", false
		}
		return rf.param, vs[0], true
	}
	prefix, isPrefix := strings.CutSuffix(rf.header, "*")
	for k, vs := range h {
		lk := strings.ToLower(k)
		if lk != rf.header && !(isPrefix && strings.HasPrefix(lk, prefix)) {
			continue
		}
		v := ""
		if len(vs) > 0 {
			v = vs[0]
		}
		if rf.selects == nil || rf.selects(v) {
			return displayName(k, lk), v, true
		}
	}
	// Presigners hoist x-amz-* headers into the query string (reference
	// §1.1), where they are signed like any parameter; a hoisted header
	// selects its feature as the header would.
	for k, vs := range q {
		lk := strings.ToLower(k)
		if lk != rf.header && !(isPrefix && strings.HasPrefix(lk, prefix)) {
			continue
		}
		if rf.selects == nil || rf.selects(vs[0]) {
			return lk, vs[0], true
		}
	}
	return "", "", false
}

// displayName spells a header as AWS's documents do: x-amz-* in lower
// case, standard headers canonical (If-Match).
func displayName(canonical, lower string) string {
	if strings.HasPrefix(lower, "x-amz-") {
		return lower
	}
	return canonical
}

// err builds the refusal. The message leads with AWS's words where AWS
// has specific ones, and always says what signet lacks and where.
func (rf *refusal) err(op, name, value string) *apiError {
	what := "the " + name + " header"
	switch {
	case rf.param != "":
		what = "the " + name + " parameter"
	case rf.element != "":
		what = "the " + name + " element"
	}
	if rf.echo {
		what = name + ": " + value
	}
	sentence := "signet does not implement " + rf.feature + ": " + what + " on " + op + " is refused, not ignored."
	e := s3Err(rf.code)
	switch rf.code {
	case codeInvalidArgument:
		e = e.msg("Invalid version id specified. "+sentence+" Only the current version (null in a bucket never versioned) is served here.").
			with("ArgumentName", rf.argumentName()).with("ArgumentValue", value)
	default:
		e = e.msg(sentence)
		if rf.header != "" {
			e = e.with("Header", name)
		}
	}
	return e
}

func (rf *refusal) argumentName() string {
	switch {
	case rf.param != "":
		return rf.param
	case rf.element != "":
		return rf.element
	}
	return rf.header
}

// subresource is a query parameter that selects an S3 operation signet
// does not serve: the feature it belongs to and the operation per method.
type subresource struct {
	feature string
	ops     map[string]string // method -> operation; "" key: any method
}

// subresources lists S3 subresources signet does not serve. Only these
// (not every unknown parameter) are refused, because AWS ignores
// parameters that are not subresources and SDKs add some (x-id).
var subresources = map[string]subresource{
	"accelerate":            bucketOps("Transfer Acceleration", "BucketAccelerateConfiguration"),
	"analytics":             bucketOps("storage class analytics", "BucketAnalyticsConfiguration"),
	"intelligent-tiering":   bucketOps("S3 Intelligent-Tiering archive configurations", "BucketIntelligentTieringConfiguration"),
	"inventory":             bucketOps("S3 Inventory", "BucketInventoryConfiguration"),
	"legal-hold":            {"Object Lock legal holds", map[string]string{"GET": "GetObjectLegalHold", "": "PutObjectLegalHold"}},
	"lifecycle":             bucketOps("lifecycle rules", "BucketLifecycleConfiguration"),
	"logging":               bucketOps("server access logging", "BucketLogging"),
	"metrics":               bucketOps("request metrics", "BucketMetricsConfiguration"),
	"notification":          bucketOps("event notifications", "BucketNotificationConfiguration"),
	"object-lock":           {"Object Lock", map[string]string{"GET": "GetObjectLockConfiguration", "": "PutObjectLockConfiguration"}},
	"replication":           bucketOps("replication", "BucketReplication"),
	"requestPayment":        bucketOps("Requester Pays", "BucketRequestPayment"),
	"restore":               {"archive restores", map[string]string{"": "RestoreObject"}},
	"retention":             {"Object Lock retention", map[string]string{"GET": "GetObjectRetention", "": "PutObjectRetention"}},
	"select":                {"S3 Select", map[string]string{"": "SelectObjectContent"}},
	"session":               {"S3 Express sessions", map[string]string{"": "CreateSession"}},
	"torrent":               {"BitTorrent", map[string]string{"": "GetObjectTorrent"}},
	"versions":              {"versioning", map[string]string{"": "ListObjectVersions"}},
	"website":               bucketOps("static website hosting", "BucketWebsite"),
	"metadataTable":         bucketOps("S3 Metadata", "BucketMetadataTableConfiguration"),
	"metadataConfiguration": bucketOps("S3 Metadata", "BucketMetadataConfiguration"),
}

// bucketOps is the usual Get/Put/Delete trio of a bucket configuration.
func bucketOps(feature, name string) subresource {
	return subresource{feature, map[string]string{"GET": "Get" + name, "PUT": "Put" + name, "DELETE": "Delete" + name, "": "Put" + name}}
}

// refuseSubresource returns the error for an unserved subresource in q, or
// nil.
func refuseSubresource(q url.Values, method string, object bool) error {
	for name := range q {
		sr, ok := subresources[name]
		if !ok || servedSubresource(name, method, object) {
			continue
		}
		return notImplemented(sr.feature, "the "+name+" subresource", sr.op(method))
	}
	return nil
}

// servedSubresource reports whether a subresource of the table is served
// for this method and target: ListObjectVersions, a bucket's GET ?versions,
// is, and a bucket's GET, PUT and DELETE ?lifecycle; the other methods on
// them, and an object's (which would otherwise read, overwrite or delete
// the object), are still refused.
func servedSubresource(name, method string, object bool) bool {
	switch {
	case object:
		return false
	case name == "versions":
		return method == http.MethodGet
	case name == "lifecycle":
		return method == http.MethodGet || method == http.MethodPut || method == http.MethodDelete
	}
	return false
}

func (sr subresource) op(method string) string {
	if op, ok := sr.ops[method]; ok {
		return op
	}
	return sr.ops[""]
}

// notImplemented is a 501 naming the feature, what selected it and the
// operation.
func notImplemented(feature, what, op string) *apiError {
	return s3Err(codeNotImplemented).msg("signet does not implement " + feature + ": " + what + " on " + op + " is refused, not ignored.")
}

// checkExpectedOwner honours x-amz-expected-bucket-owner and, on copies,
// x-amz-source-expected-bucket-owner, as headers or hoisted into a
// presigned URL's query: every bucket belongs to the one account, so any
// other account is AWS's 403 AccessDenied.
func (a *API) checkExpectedOwner(h http.Header, q url.Values) error {
	for _, name := range []string{"x-amz-expected-bucket-owner", "x-amz-source-expected-bucket-owner"} {
		if v, ok := h[http.CanonicalHeaderKey(name)]; ok && (len(v) == 0 || v[0] != a.cfg.Account) {
			return s3Err(codeAccessDenied)
		}
		for k, v := range q {
			if strings.EqualFold(k, name) && v[0] != a.cfg.Account {
				return s3Err(codeAccessDenied)
			}
		}
	}
	return nil
}
