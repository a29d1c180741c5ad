package s3api

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"signet/internal/authn"
	"signet/internal/meta"
	"signet/internal/reqinfo"
	"signet/internal/requestid"
)

// maxKeyLen is S3's key length limit in UTF-8 bytes.
const maxKeyLen = 1024

// request is what a handler sees: the parsed address, the verified caller
// and the request ID that goes into every error.
type request struct {
	w      http.ResponseWriter
	r      *http.Request
	res    *authn.Result
	reqID  string
	bucket string
	key    string
	query  url.Values
	// sseC is a write's validated SSE-C key (sse_customer.go).
	sseC *sseCustomer
}

// handlerFunc serves one operation; a returned error goes through
// writeError, so handlers never write error bodies themselves.
type handlerFunc func(a *API, rq *request) error

// route is the resolved operation: its IAM action, the resource it acts on,
// and the handler.
type route struct {
	// op is AWS's name for the operation, as refusals name it.
	op      string
	action  string
	objects bool // resource is bucket/key, not the bucket
	// form: authentication and authorisation come from the body (a POST
	// form), so the handler does both once it has read the fields.
	form   bool
	handle handlerFunc

	// resource, when set, is what is authorised instead of the bucket's
	// or the object's ARN ("*" for S3 Control's account operations).
	resource string
}

// serverHeader and acceptRangesBytes are constant header values shared by
// every response (net/http only reads them; Add would append to a copy, as
// their capacity is 1).
var (
	serverHeader      = []string{"signet"}
	acceptRangesBytes = []string{"bytes"}
)

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := requestid.FromContext(r.Context())
	h := w.Header()
	if reqID == "" {
		reqID = requestid.New()
		h.Set("x-amz-request-id", reqID)
	}
	// Canonical keys assigned directly: Set would canonicalise
	// "x-amz-id-2" into a new string on every request.
	h["X-Amz-Id-2"] = []string{hostID(reqID)}
	h["Server"] = serverHeader
	rec := reqinfo.From(r.Context())
	rec.SetAPI(reqinfo.APIS3)
	if r.Method == http.MethodOptions {
		rec.SetOperation(opPreflight)
		a.servePreflight(w, r, reqID)
		return
	}
	a.addCORSHeaders(w, r)

	p := a.prepare(r)
	a.record(rec, r, &p)
	err := p.err
	if err == nil {
		p.rq.w, p.rq.reqID = w, reqID
		err = p.route.handle(a, p.rq)
	}
	if err != nil {
		a.writeError(w, r, reqID, err)
	}
}

// opPreflight names a CORS preflight (OPTIONS) in the request record.
const opPreflight = "PreflightRequest"

// record notes in the request's record (the access log's and the
// metrics' source) what prepare learnt: the caller or why authentication
// refused it, the operation, and a policy's refusal.
func (a *API) record(rec *reqinfo.Record, r *http.Request, p *prepared) {
	if rec == nil {
		return
	}
	if p.rq == nil {
		rec.SetAuth(r, nil, p.authErr, time.Time{})
		return
	}
	rec.SetResult(p.rq.res, a.presignedNow(p.rq.res))
	rec.SetOperation(p.route.op)
	if p.authzErr != nil {
		rec.SetDenied()
	}
}

// presignedNow is the lifetime clock's time for a presigned request,
// whose remaining life the record keeps; other requests need no clock.
func (a *API) presignedNow(res *authn.Result) time.Time {
	if res == nil || res.Deadline.IsZero() {
		return time.Time{}
	}
	return a.cfg.Clock.Now()
}

// prepared is a request taken through every step before its handler:
// address, authentication, routing, key length, authorisation. ServeHTTP
// and DryRun share it, so an explanation follows the very path a request
// takes.
type prepared struct {
	virtual string
	rq      *request // nil when authentication failed
	route   route
	// resource is the ARN authorised (set once the route resolved).
	resource string
	// The step that stopped the request keeps its raw error: authErr from
	// the Authenticator, reqErr from the address or the route, authzErr
	// from the Authorizer. err is what the client is answered with.
	authErr, reqErr, authzErr error
	// targetErr is a missing bucket that is answered before the
	// Authorizer's refusal (anonymousMissingBucket).
	targetErr error
	err       error
}

func (a *API) prepare(r *http.Request) prepared { return a.prepareFor(r, true) }

// prepareFor is prepare; readBody says whether the few operations whose
// condition keys AWS reads from the body (CreateBucket) may read it. The
// dry run reads no body, so it judges those without such keys.
func (a *API) prepareFor(r *http.Request, readBody bool) prepared {
	var p prepared
	p.virtual = a.virtualBucket(r.Host)
	bucket, key, perr := splitPath(r.URL.EscapedPath(), p.virtual)
	if isS3Control(r) {
		// The account, not a bucket, is addressed (control.go).
		p.virtual, bucket, key, perr = "", "", "", nil
	}
	// Authentication comes first for every request, even a malformed one,
	// so an unsigned caller learns nothing about the namespace.
	res, err := a.cfg.Auth.Authenticate(r, p.virtual)
	if err != nil {
		p.authErr, p.err = err, err
		return p
	}
	p.rq = &request{r: r, res: res, bucket: bucket, key: key, query: r.URL.Query()}
	if perr != nil {
		p.reqErr, p.err = perr, perr
		return p
	}
	rt, err := a.resolve(p.rq)
	if err == nil && key != "" && len(key) > maxKeyLen {
		err = s3Err(codeKeyTooLongError).with("Size", itoa(int64(len(key)))).with("MaxSizeAllowed", "1024")
	}
	if err == nil && !utf8.ValidString(key) {
		// S3 keys are Unicode text. A key that is not UTF-8 could be stored
		// but never listed as itself (XML would carry U+FFFD instead), so
		// no client could name it again.
		err = s3Err(codeInvalidURI).msg("Couldn't parse the specified URI: the object key is not valid UTF-8.")
	}
	if err == nil {
		err = refuseFeatures(p.rq, rt.op)
	}
	if err == nil {
		err = checkServerSideEncryption(p.rq, rt.op)
	}
	if err == nil {
		err = checkSSECustomer(p.rq, rt.op)
	}
	if err == nil {
		err = a.checkExpectedOwner(r.Header, p.rq.query)
	}
	if err != nil {
		p.reqErr, p.err = err, err
		return p
	}
	p.route = rt
	p.resource = arn(bucket, key, rt.objects)
	if rt.resource != "" {
		p.resource = rt.resource
	}
	if rt.form {
		return p
	}
	if readBody {
		withBodyConditions(p.rq, rt.action)
	}
	if err := a.cfg.Authz.Authorize(p.rq.r, res, rt.action, p.resource); err != nil {
		if missing := a.anonymousMissingBucket(p.rq, rt); missing != nil {
			p.targetErr, p.err = missing, missing
			return p
		}
		p.authzErr, p.err = err, denial(err)
	}
	return p
}

// denial answers an authoriser's refusal: AccessDenied, or, when the
// policies could not be read at all (an engine cut off from its
// database), the error itself, which is no decision and answers 503.
func denial(err error) error {
	if errors.Is(err, meta.ErrUnavailable) {
		return err
	}
	return s3Err(codeAccessDenied)
}

// anonymousMissingBucket returns NoSuchBucket when an anonymous caller the
// Authorizer refused addresses a bucket that does not exist: S3 answers so
// (bucket names are global and public, so this reveals nothing a DNS
// lookup would not). A signed caller without permission is only denied.
func (a *API) anonymousMissingBucket(rq *request, rt route) error {
	if !rq.res.Anonymous || rq.bucket == "" || rt.action == "s3:CreateBucket" {
		return nil
	}
	if _, err := a.cfg.Meta.GetBucket(rq.r.Context(), rq.bucket); errors.Is(err, meta.ErrNoSuchBucket) {
		return noSuchBucket(err, rq.bucket)
	}
	return nil
}

// allowed asks the Authorizer without failing the request, for decisions
// such as NoSuchKey versus AccessDenied.
func (a *API) allowed(rq *request, action, bucket, key string, objects bool) bool {
	return a.cfg.Authz.Authorize(rq.r, rq.res, action, arn(bucket, key, objects)) == nil
}

func arn(bucket, key string, objects bool) string {
	switch {
	case bucket == "":
		return "arn:aws:s3:::*"
	case objects:
		return "arn:aws:s3:::" + bucket + "/" + key
	default:
		return "arn:aws:s3:::" + bucket
	}
}

// resolve picks the operation from method, address and subresources.
func (a *API) resolve(rq *request) (route, error) {
	q, m := rq.query, rq.r.Method
	if err := refuseSubresource(q, m, rq.key != ""); err != nil {
		return route{}, err
	}
	if isS3Control(rq.r) {
		return a.resolveS3Control(rq)
	}
	if rq.bucket == "" {
		if m == http.MethodGet {
			return route{op: "ListBuckets", action: "s3:ListAllMyBuckets", handle: (*API).listBuckets}, nil
		}
		return route{}, s3Err(codeMethodNotAllowed)
	}
	if rq.key == "" {
		return resolveBucket(m, q)
	}
	return resolveObject(m, q, rq.r.Header)
}

func resolveBucket(m string, q url.Values) (route, error) {
	switch m {
	case http.MethodGet:
		switch {
		case q.Has("location"):
			return route{op: "GetBucketLocation", action: "s3:GetBucketLocation", handle: (*API).getBucketLocation}, nil
		case q.Has("policy"):
			return route{op: "GetBucketPolicy", action: "s3:GetBucketPolicy", handle: (*API).getBucketPolicy}, nil
		case q.Has("cors"):
			return route{op: "GetBucketCors", action: "s3:GetBucketCORS", handle: (*API).getBucketCors}, nil
		case q.Has("encryption"):
			return route{op: "GetBucketEncryption", action: "s3:GetEncryptionConfiguration", handle: (*API).getBucketEncryption}, nil
		case q.Has("lifecycle"):
			return route{op: "GetBucketLifecycleConfiguration", action: "s3:GetLifecycleConfiguration", handle: (*API).getBucketLifecycle}, nil
		case q.Has("versions"):
			return route{op: "ListObjectVersions", action: "s3:ListBucketVersions", handle: (*API).listObjectVersions}, nil
		case q.Has("versioning"):
			return route{op: "GetBucketVersioning", action: "s3:GetBucketVersioning", handle: (*API).getBucketVersioning}, nil
		case q.Has("acl"):
			return route{op: "GetBucketAcl", action: "s3:GetBucketAcl", handle: (*API).getACL}, nil
		case q.Has("tagging"):
			return route{op: "GetBucketTagging", action: "s3:GetBucketTagging", handle: (*API).getBucketTagging}, nil
		case q.Has("ownershipControls"):
			return route{op: "GetBucketOwnershipControls", action: "s3:GetBucketOwnershipControls", handle: (*API).getBucketOwnershipControls}, nil
		case q.Has("publicAccessBlock"):
			return route{op: "GetPublicAccessBlock", action: "s3:GetBucketPublicAccessBlock", handle: (*API).getPublicAccessBlock}, nil
		case q.Has("policyStatus"):
			return route{op: "GetBucketPolicyStatus", action: "s3:GetBucketPolicyStatus", handle: (*API).getBucketPolicyStatus}, nil
		case q.Has("uploads"):
			return route{op: "ListMultipartUploads", action: "s3:ListBucketMultipartUploads", handle: (*API).listUploads}, nil
		case q.Get("list-type") == "2":
			return route{op: "ListObjectsV2", action: "s3:ListBucket", handle: (*API).listObjectsV2}, nil
		case q.Has("list-type"):
			return route{}, s3Err(codeInvalidArgument).msg("Invalid List Type specified").with("ArgumentName", "list-type").with("ArgumentValue", q.Get("list-type"))
		default:
			return route{op: "ListObjects", action: "s3:ListBucket", handle: (*API).listObjectsV1}, nil
		}
	case http.MethodHead:
		return route{op: "HeadBucket", action: "s3:ListBucket", handle: (*API).headBucket}, nil
	case http.MethodPut:
		switch {
		case q.Has("acl"):
			return route{op: "PutBucketAcl", action: "s3:PutBucketAcl", handle: (*API).putACL}, nil
		case q.Has("ownershipControls"):
			return route{op: "PutBucketOwnershipControls", action: "s3:PutBucketOwnershipControls", handle: (*API).putBucketOwnershipControls}, nil
		case q.Has("publicAccessBlock"):
			return route{op: "PutPublicAccessBlock", action: "s3:PutBucketPublicAccessBlock", handle: (*API).putPublicAccessBlock}, nil
		case q.Has("policy"):
			return route{op: "PutBucketPolicy", action: "s3:PutBucketPolicy", handle: (*API).putBucketPolicy}, nil
		case q.Has("cors"):
			return route{op: "PutBucketCors", action: "s3:PutBucketCORS", handle: (*API).putBucketCors}, nil
		case q.Has("encryption"):
			return route{op: "PutBucketEncryption", action: "s3:PutEncryptionConfiguration", handle: (*API).putBucketEncryption}, nil
		case q.Has("lifecycle"):
			return route{op: "PutBucketLifecycleConfiguration", action: "s3:PutLifecycleConfiguration", handle: (*API).putBucketLifecycle}, nil
		case q.Has("tagging"):
			return route{op: "PutBucketTagging", action: "s3:PutBucketTagging", handle: (*API).putBucketTagging}, nil
		case q.Has("versioning"):
			return route{op: "PutBucketVersioning", action: "s3:PutBucketVersioning", handle: (*API).putBucketVersioning}, nil
		default:
			return route{op: "CreateBucket", action: "s3:CreateBucket", handle: (*API).createBucket}, nil
		}
	case http.MethodDelete:
		if q.Has("policy") {
			return route{op: "DeleteBucketPolicy", action: "s3:DeleteBucketPolicy", handle: (*API).deleteBucketPolicy}, nil
		}
		if q.Has("encryption") {
			// AWS has no s3:DeleteEncryptionConfiguration either.
			return route{op: "DeleteBucketEncryption", action: "s3:PutEncryptionConfiguration", handle: (*API).deleteBucketEncryption}, nil
		}
		if q.Has("cors") {
			// AWS has no s3:DeleteBucketCORS: deleting is putting.
			return route{op: "DeleteBucketCors", action: "s3:PutBucketCORS", handle: (*API).deleteBucketCors}, nil
		}
		if q.Has("lifecycle") {
			// Nor s3:DeleteLifecycleConfiguration.
			return route{op: "DeleteBucketLifecycle", action: "s3:PutLifecycleConfiguration", handle: (*API).deleteBucketLifecycle}, nil
		}
		if q.Has("tagging") {
			// AWS has no s3:DeleteBucketTagging either.
			return route{op: "DeleteBucketTagging", action: "s3:PutBucketTagging", handle: (*API).deleteBucketTagging}, nil
		}
		// Nor a delete action for these two: deleting is putting.
		if q.Has("ownershipControls") {
			return route{op: "DeleteBucketOwnershipControls", action: "s3:PutBucketOwnershipControls", handle: (*API).deleteBucketOwnershipControls}, nil
		}
		if q.Has("publicAccessBlock") {
			return route{op: "DeletePublicAccessBlock", action: "s3:PutBucketPublicAccessBlock", handle: (*API).deletePublicAccessBlock}, nil
		}
		return route{op: "DeleteBucket", action: "s3:DeleteBucket", handle: (*API).deleteBucket}, nil
	case http.MethodPost:
		if q.Has("delete") {
			// Each key is authorised as s3:DeleteObject inside the handler,
			// as AWS does.
			return route{op: "DeleteObjects", action: "s3:DeleteObject", handle: (*API).deleteObjects}, nil
		}
		// A browser form upload: the key, the signature and the policy
		// are in the body, so the handler authenticates and authorises.
		return route{op: "PostObject", action: "s3:PutObject", objects: true, form: true, handle: (*API).postObject}, nil
	}
	return route{}, s3Err(codeMethodNotAllowed)
}

func resolveObject(m string, q url.Values, h http.Header) (route, error) {
	copying := h.Get("x-amz-copy-source") != ""
	switch m {
	case http.MethodGet:
		switch {
		case q.Has("acl"):
			return route{op: "GetObjectAcl", action: versionAction(q, "s3:GetObjectAcl"), objects: true, handle: (*API).getACL}, nil
		case q.Has("tagging"):
			return route{op: "GetObjectTagging", action: versionAction(q, "s3:GetObjectTagging"), objects: true, handle: (*API).getObjectTagging}, nil
		case q.Has("uploadId"):
			return route{op: "ListParts", action: "s3:ListMultipartUploadParts", objects: true, handle: (*API).listParts}, nil
		case q.Has("attributes"):
			// AWS asks for s3:GetObject (s3:GetObjectVersion) too; the
			// handler checks it.
			return route{op: "GetObjectAttributes", action: versionAction(q, "s3:GetObjectAttributes"), objects: true, handle: (*API).getObjectAttributes}, nil
		case q.Has("versionId"):
			return route{op: "GetObject", action: "s3:GetObjectVersion", objects: true, handle: (*API).getObject}, nil
		default:
			return route{op: "GetObject", action: "s3:GetObject", objects: true, handle: (*API).getObject}, nil
		}
	case http.MethodHead:
		if q.Has("versionId") {
			return route{op: "HeadObject", action: "s3:GetObjectVersion", objects: true, handle: (*API).getObject}, nil
		}
		return route{op: "HeadObject", action: "s3:GetObject", objects: true, handle: (*API).getObject}, nil
	case http.MethodPut:
		switch {
		case q.Has("acl"):
			return route{op: "PutObjectAcl", action: versionAction(q, "s3:PutObjectAcl"), objects: true, handle: (*API).putACL}, nil
		case q.Has("tagging"):
			return route{op: "PutObjectTagging", action: versionAction(q, "s3:PutObjectTagging"), objects: true, handle: (*API).putObjectTagging}, nil
		case q.Has("uploadId") || q.Has("partNumber"):
			if copying {
				return route{op: "UploadPartCopy", action: "s3:PutObject", objects: true, handle: (*API).uploadPartCopy}, nil
			}
			return route{op: "UploadPart", action: "s3:PutObject", objects: true, handle: (*API).uploadPart}, nil
		case copying:
			return route{op: "CopyObject", action: "s3:PutObject", objects: true, handle: (*API).copyObject}, nil
		default:
			return route{op: "PutObject", action: "s3:PutObject", objects: true, handle: (*API).putObject}, nil
		}
	case http.MethodPost:
		switch {
		case q.Has("uploads"):
			return route{op: "CreateMultipartUpload", action: "s3:PutObject", objects: true, handle: (*API).createUpload}, nil
		case q.Has("uploadId"):
			return route{op: "CompleteMultipartUpload", action: "s3:PutObject", objects: true, handle: (*API).completeUpload}, nil
		}
		return route{}, notImplemented("POST operations on objects other than multipart uploads", "POST without uploads or uploadId", "POST object")
	case http.MethodDelete:
		if q.Has("tagging") {
			return route{op: "DeleteObjectTagging", action: versionAction(q, "s3:DeleteObjectTagging"), objects: true, handle: (*API).deleteObjectTagging}, nil
		}
		if q.Has("uploadId") {
			return route{op: "AbortMultipartUpload", action: "s3:AbortMultipartUpload", objects: true, handle: (*API).abortUpload}, nil
		}
		if q.Has("versionId") {
			return route{op: "DeleteObject", action: "s3:DeleteObjectVersion", objects: true, handle: (*API).deleteObject}, nil
		}
		return route{op: "DeleteObject", action: "s3:DeleteObject", objects: true, handle: (*API).deleteObject}, nil
	}
	return route{}, s3Err(codeMethodNotAllowed)
}

// versionAction is the action AWS authorises a tags, ACL or attributes
// operation as:
// naming a version (versionId=null too) makes s3:GetObjectTagging
// s3:GetObjectVersionTagging, and so on, so that a grant on the current
// object does not reach its history.
func versionAction(q url.Values, action string) string {
	if !q.Has("versionId") {
		return action
	}
	obj, what, _ := strings.Cut(strings.TrimPrefix(action, "s3:"), "Object")
	return "s3:" + obj + "ObjectVersion" + what
}

// virtualBucket returns the bucket named by a virtual-hosted Host, or "".
// An IP address, a bare configured domain or an unknown host is path style.
func (a *API) virtualBucket(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "" || net.ParseIP(strings.Trim(host, "[]")) != nil {
		return ""
	}
	for _, d := range a.domains {
		if host == d {
			return ""
		}
		if strings.HasSuffix(host, "."+d) {
			return strings.TrimSuffix(host, "."+d)
		}
	}
	return ""
}

// splitPath takes the path as sent (percent-encoded) and decodes each part
// exactly once. Splitting before decoding keeps an encoded "%2F" inside a
// key; nothing is cleaned, so "..", "//" and NUL survive as key bytes.
func splitPath(escaped, virtual string) (bucket, key string, err error) {
	p := strings.TrimPrefix(escaped, "/")
	var rawBucket, rawKey string
	if virtual != "" {
		rawKey = p
	} else if i := strings.IndexByte(p, '/'); i >= 0 {
		rawBucket, rawKey = p[:i], p[i+1:]
	} else {
		rawBucket = p
	}
	bucket = virtual
	if rawBucket != "" {
		if bucket, err = url.PathUnescape(rawBucket); err != nil {
			return "", "", s3Err(codeInvalidURI)
		}
	}
	if key, err = url.PathUnescape(rawKey); err != nil {
		return "", "", s3Err(codeInvalidURI)
	}
	return bucket, key, nil
}
