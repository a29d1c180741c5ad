package s3api

import (
	"context"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"unicode/utf8"

	"signet/internal/authn"
	"signet/internal/checksum"
	"signet/internal/meta"
	"signet/internal/postpolicy"
	"signet/internal/reason"
	"signet/internal/reqinfo"
	"signet/internal/storage"
)

// PostAuthenticator verifies a browser form upload from its fields. The
// server's authn.Authenticator implements it; an Authenticator that does
// not leaves POST Object unimplemented.
type PostAuthenticator interface {
	AuthenticatePost(ctx context.Context, f authn.PostFields) (authn.PostAuth, error)
}

// postObject serves POST Object, the upload of an HTML form: the fields
// before the file are read (bounded), the form is authenticated from its
// policy and signature and checked against the policy, the key is
// authorised as PutObject with s3:authType POST, and the file streams
// through the same ingest and commit as PutObject, so a crash leaves the
// old object or the new one and a large file is never held in memory.
func (a *API) postObject(rq *request) error {
	pa, ok := a.cfg.Auth.(PostAuthenticator)
	if !ok {
		return notImplemented("browser-based uploads (POST forms)", "POST to a bucket", "PostObject")
	}
	boundary, isForm := formBoundary(rq.r.Header.Get("Content-Type"))
	if !isForm {
		return s3Err(codePreconditionFailed).with("Condition", "Bucket POST must be of the enclosure-type multipart/form-data")
	}
	if boundary == "" {
		return s3Err(codeMalformedPOSTRequest)
	}
	form, err := readPostForm(rq.res.Body, boundary)
	if err != nil {
		return formError(err)
	}
	form.expandFilename()
	key, err := requireFormKey(form)
	if err != nil {
		return err
	}
	res, err := a.authenticateForm(rq, pa, form)
	a.recordForm(rq, res, err)
	if err != nil {
		return policyError(err)
	}
	if err := checkPostKey(key); err != nil {
		return err
	}
	post := &postUpload{form: form, res: res.Result, policy: res.Policy, key: key}
	return a.storePost(rq, post)
}

// postUpload is an authenticated form on its way to storage.
type postUpload struct {
	form   *postForm
	res    *authn.Result
	policy *postpolicy.Policy // nil for an anonymous or header-signed form
	key    string
	header http.Header // the fields that PutObject takes as headers
	tags   []meta.Tag  // the tagging field's tag set, set by authorizePost
	// acl is the ACL the object gets (nil: the default), set by
	// authorizePost when aclChecked: it judges the form's ACL fields
	// against the bucket's settings, which it could read.
	acl        *meta.ACL
	aclChecked bool
}

// authenticateForm authenticates the form and checks it against its
// policy. A request signed as an ordinary request (header or query) is that
// caller's, with no policy; a form may not be signed both ways. A form the
// policy refuses returns postpolicy's error (policyError maps it).
func (a *API) authenticateForm(rq *request, pa PostAuthenticator, form *postForm) (authn.PostAuth, error) {
	lookup := func(name string) (string, bool) { return form.field(name) }
	res, err := pa.AuthenticatePost(rq.r.Context(), lookup)
	if err != nil {
		return res, err
	}
	if !res.Result.Anonymous && !rq.res.Anonymous {
		return res, &authn.Failure{Reason: authn.ReasonMultipleAuthMechanisms,
			Fields: []authn.Field{{Name: "ArgumentName", Value: "Authorization"}, {Name: "ArgumentValue", Value: "policy"}}}
	}
	if res.Result.Anonymous {
		res.Result = rq.res
		return res, nil
	}
	if err := res.Policy.Check(postpolicy.Form{Bucket: rq.bucket, Fields: form.fields}); err != nil {
		return res, err
	}
	return res, nil
}

// recordForm notes in the request's record how the form authenticated:
// the form's own signer, or why its signature or policy refused it.
func (a *API) recordForm(rq *request, res authn.PostAuth, err error) {
	rec := reqinfo.From(rq.r.Context())
	var f *authn.Failure
	switch {
	case rec == nil:
	case err != nil && errors.As(err, &f):
		rec.SetAuthFailure(reqinfo.AuthPOST, reqinfo.Outcome(err))
		rec.SetURLFacts(f.URL)
	case err != nil && res.Result != nil && res.Result != rq.res:
		// The form's signature held; its policy refused its fields.
		rec.SetFormRefused(res.Result, reason.PolicyConditionFailed)
	case err != nil:
		rec.SetAuthFailure(reqinfo.AuthPOST, reason.PolicyConditionFailed)
	case res.Result != rq.res:
		rec.SetResult(res.Result, a.presignedNow(res.Result))
	}
}

// requireFormKey is the form's key field, which S3 requires.
func requireFormKey(form *postForm) (string, error) {
	key, ok := form.field("key")
	if !ok || key == "" {
		return "", s3Err(codeInvalidArgument).msg("Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.").
			with("ArgumentName", "key").with("ArgumentValue", "")
	}
	return key, nil
}

// checkPostKey applies to a form's key what the router applies to a
// path's.
func checkPostKey(key string) error {
	if len(key) > maxKeyLen {
		return s3Err(codeKeyTooLongError).with("Size", itoa(int64(len(key)))).with("MaxSizeAllowed", "1024")
	}
	if !utf8.ValidString(key) {
		return s3Err(codeInvalidArgument).msg("The key field is not valid UTF-8.").with("ArgumentName", "key").with("ArgumentValue", "")
	}
	return nil
}

// storePost authorises the key, then streams the file into a blob and
// commits it as putObject does.
func (a *API) storePost(rq *request, post *postUpload) error {
	sub, authzErr, err := a.authorizePost(rq, post)
	if authzErr != nil {
		// As the router records a refused request: the form's facts stay,
		// the verdict is the policy's.
		reqinfo.From(rq.r.Context()).SetDenied()
	}
	if err != nil {
		return err
	}
	// The x-amz-server-side-encryption-customer-* fields, as PutObject's
	// headers (over TLS only).
	if err := checkSSECustomer(sub, "PostObject"); err != nil {
		return err
	}
	if sub.sseC, err = parseSSECustomer(sub); err != nil {
		return err
	}
	attrs, err := attrsFromHeaders(post.header)
	if err != nil {
		return err
	}
	b, err := a.requireBucket(sub)
	if err != nil {
		return err
	}
	acl := post.acl
	if !post.aclChecked {
		// authorizePost found no bucket; one made since is judged now.
		authzReq := withHeader(rq.r, mergeHeaders(rq.r.Header, post.header))
		if acl, err = a.formACL(authzReq, post.res, &b, post.header, rq.bucket, post.key); err != nil {
			return err
		}
	}
	min, max := int64(0), int64(maxPutSize)
	if post.policy != nil {
		if lo, hi, ok := post.policy.ContentLengthRange(); ok {
			min, max = lo, minInt64(hi, maxPutSize)
		}
	}
	body := &fileCounter{r: post.form.file}
	res := *post.res
	res.Body, res.DecodedLength, res.Trailers = body, -1, nil
	sub.res = &res
	in, err := a.ingest(sub, max, "")
	if err != nil {
		return postSizeError(err, body, max)
	}
	if in.size < min {
		a.deleteBlobs(rq, []storage.BlobID{in.blob})
		return errEntityTooSmall(in.size, min)
	}
	if post.form.anotherFile() {
		a.deleteBlobs(rq, []storage.BlobID{in.blob})
		return s3Err(codeIncorrectNumberOfFilesInPostRequest)
	}
	obj := meta.Object{
		Bucket: rq.bucket, Key: post.key, Size: in.size,
		ETag:         hex.EncodeToString(in.md5),
		LastModified: a.cfg.Clock.Now(),
		Attrs:        attrs,
		Segments:     []meta.Segment{{Blob: in.blob, Size: in.size}},
		Tags:         post.tags,
		ACL:          acl,
	}
	// Every blob is sealed (encryption.go), under the customer's key for
	// SSE-C.
	if err := a.sealWith(&obj, sub.sseC, "PostObject"); err != nil {
		a.deleteBlobs(rq, []storage.BlobID{in.blob})
		return err
	}
	if in.alg != "" {
		sums := map[string]string{string(in.alg): checksum.Encode(in.sum)}
		obj.Checksums, obj.ChecksumType = sums, "FULL_OBJECT"
		obj.Segments[0].Checksums = sums
	}
	if err := a.commit(sub, obj, nil); err != nil {
		return err
	}
	setSSEHeader(rq.w.Header(), obj.ServerSideEncryption)
	setSSECHeaders(rq.w.Header(), &obj)
	return a.postResponse(rq, post, obj)
}

// authorizePost refuses what PutObject would refuse of the form's fields
// as headers, then authorises the key as s3:PutObject (s3:authType POST
// comes from the form's Result) with the form's fields among the request's
// headers, as condition keys, and the extra permissions PutObject would
// need: s3:PutObjectTagging for a tagging field, s3:PutObjectAcl for an
// ACL the bucket would keep. It returns the request for the object, and
// the authoriser's own refusal beside the AccessDenied answered for it.
func (a *API) authorizePost(rq *request, post *postUpload) (sub *request, authzErr, err error) {
	post.header = formHeaders(post.form.fields)
	sub = &request{w: rq.w, r: withHeader(rq.r, post.header), reqID: rq.reqID, bucket: rq.bucket, key: post.key, query: url.Values{}}
	if err := refuseFeatures(sub, "PostObject"); err != nil {
		return nil, nil, err
	}
	tags, err := postTags(post.header)
	if err != nil {
		return nil, nil, err
	}
	post.tags = tags
	authzReq := withHeader(rq.r, mergeHeaders(rq.r.Header, post.header))
	if err := a.cfg.Authz.Authorize(authzReq, post.res, "s3:PutObject", arn(rq.bucket, post.key, true)); err != nil {
		return nil, err, denial(err)
	}
	// Tags on a write also need s3:PutObjectTagging, as on PutObject.
	if len(tags) > 0 {
		if err := a.cfg.Authz.Authorize(authzReq, post.res, "s3:PutObjectTagging", arn(rq.bucket, post.key, true)); err != nil {
			return nil, err, denial(err)
		}
	}
	// An ACL field means what the bucket's Object Ownership and Block
	// Public Access make of it, so it is judged against the bucket; a
	// missing bucket is the caller's requireBucket's to answer (and
	// storePost judges the ACL then if the bucket appeared). An ACL the
	// bucket keeps also needs s3:PutObjectAcl, as on PutObject.
	if b, gerr := a.cfg.Meta.GetBucket(rq.r.Context(), rq.bucket); gerr == nil {
		acl, err := headerACL(post.header, nil)
		if err != nil {
			return nil, nil, err
		}
		acct, err := a.cfg.Meta.AccountPublicAccessBlock(rq.r.Context())
		if err != nil {
			return nil, nil, err
		}
		stored, err := aclToStore(&b, acct, acl)
		if err != nil {
			return nil, nil, err
		}
		if stored != nil {
			if err := a.cfg.Authz.Authorize(authzReq, post.res, "s3:PutObjectAcl", arn(rq.bucket, post.key, true)); err != nil {
				return nil, err, denial(err)
			}
		}
		post.acl, post.aclChecked = stored, true
	}
	return sub, nil, nil
}

// fileCounter counts the file's bytes as ingest reads them.
type fileCounter struct {
	r io.Reader
	n int64
}

func (c *fileCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// postSizeError turns ingest's EntityTooLarge into the policy's: the size
// proposed is the file's, counted on to its end when that is near (S3
// knows it from the request), else as far as it was read.
func postSizeError(err error, body *fileCounter, max int64) error {
	var ae *apiError
	if !errors.As(err, &ae) || ae.Code != codeEntityTooLarge {
		return err
	}
	_, _ = io.CopyN(io.Discard, body, 1<<20)
	return errEntityTooLarge(body.n, max)
}

func errEntityTooSmall(proposed, min int64) *apiError {
	return s3Err(codeEntityTooSmall).msg("Your proposed upload is smaller than the minimum allowed size").
		with("ProposedSize", itoa(proposed)).with("MinSizeAllowed", itoa(min))
}

func minInt64(a, b int64) int64 {
	if a < b {
		return a
	}
	return b
}

// formError maps the failures of reading a form.
func formError(err error) error {
	switch {
	case errors.Is(err, errPreDataTooLarge):
		return s3Err(codeMaxPostPreDataLengthExceeded).with("MaxPostPreDataLengthBytes", itoa(maxPostPreData))
	case errors.Is(err, errNoFile):
		return s3Err(codeInvalidArgument).msg("POST requires exactly one file upload per request.").
			with("ArgumentName", "file").with("ArgumentValue", "0")
	case errors.Is(err, errMalformedForm):
		return s3Err(codeMalformedPOSTRequest)
	}
	return err
}

// policyError maps a form the policy refuses.
func policyError(err error) error {
	if m := postpolicy.Refusal(err); m != "" {
		return s3Err(codeAccessDenied).msg(m)
	}
	return err
}

// formHeaderFields are the fields PutObject takes as headers, besides
// x-amz-meta-* and the other x-amz-* ones: S3 stores and refuses them as
// it does the headers.
var formHeaderFields = map[string]string{
	"cache-control": "Cache-Control", "content-type": "Content-Type",
	"content-disposition": "Content-Disposition", "content-encoding": "Content-Encoding",
	"content-language": "Content-Language", "expires": "Expires", "content-md5": "Content-Md5",
	"acl": "X-Amz-Acl", "tagging": "X-Amz-Tagging",
	// A form names the algorithm that an SDK names in this header.
	"x-amz-checksum-algorithm": "X-Amz-Sdk-Checksum-Algorithm",
}

// formSigningFields are x-amz-* fields that sign the form rather than
// describe the object.
var formSigningFields = map[string]bool{
	"x-amz-algorithm": true, "x-amz-credential": true, "x-amz-date": true,
	"x-amz-signature": true, "x-amz-security-token": true,
}

// formHeaders turns the fields that describe the object into the headers
// PutObject would have received; a field sent twice is comma-joined, as
// the policy saw it.
func formHeaders(fields []postpolicy.Field) http.Header {
	h := http.Header{}
	for _, f := range fields {
		n := strings.ToLower(f.Name)
		name, ok := formHeaderFields[n]
		if !ok && strings.HasPrefix(n, "x-amz-") && !formSigningFields[n] {
			name, ok = textproto.CanonicalMIMEHeaderKey(n), true
		}
		if !ok {
			continue
		}
		if old := h.Get(name); old != "" {
			h.Set(name, old+","+f.Value)
			continue
		}
		h.Set(name, f.Value)
	}
	return h
}

// withHeader is r with another header set (a shallow copy: the body,
// context, address and TLS state are r's).
func withHeader(r *http.Request, h http.Header) *http.Request {
	c := *r
	c.Header = h
	return &c
}

// mergeHeaders is the request's headers with the form's on top: the
// authoriser reads condition keys from both.
func mergeHeaders(req, form http.Header) http.Header {
	h := req.Clone()
	for k, v := range form {
		h[k] = v
	}
	return h
}

// postResponseXML is the 201 body.
type postResponseXML struct {
	XMLName  xml.Name `xml:"PostResponse"`
	Location string   `xml:"Location"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	ETag     string   `xml:"ETag"`
}

// postResponse answers as S3 does: a 303 to success_action_redirect (or
// the deprecated redirect) when it is an absolute http(s) URL, with bucket,
// key and etag added to its query; otherwise success_action_status 200 or
// 201 (with PostResponse), and 204 for anything else. ETag and Location
// (the object's URL, the key escaped whole, "/" included) come with every
// one.
func (a *API) postResponse(rq *request, post *postUpload, obj meta.Object) error {
	h := rq.w.Header()
	etag := quoteETag(obj.ETag)
	location := a.objectURL(rq, post.key)
	h.Set("ETag", etag)
	setChecksumHeaders(h, obj.Checksums, obj.ChecksumType)
	if target, ok := redirectTarget(post.form); ok {
		h.Set("Location", target+redirectQuery(target, rq.bucket, post.key, etag))
		setStatusNoBody(rq.w, http.StatusSeeOther)
		return nil
	}
	h.Set("Location", location)
	status, _ := post.form.field("success_action_status")
	switch status {
	case "200":
		setStatusNoBody(rq.w, http.StatusOK)
		return nil
	case "201":
		return writeXML(rq.w, http.StatusCreated, postResponseXML{Location: location, Bucket: rq.bucket, Key: post.key, ETag: etag})
	}
	rq.w.WriteHeader(http.StatusNoContent)
	return nil
}

// redirectTarget is the form's redirect URL when S3 can follow it: an
// absolute http or https URL. Anything else is as if it were absent.
func redirectTarget(form *postForm) (string, bool) {
	target, ok := form.field("success_action_redirect")
	if !ok {
		target, ok = form.field("redirect")
	}
	if !ok || target == "" {
		return "", false
	}
	u, err := url.Parse(target)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", false
	}
	return target, true
}

// redirectQuery is what S3 appends to a redirect: bucket, key and etag in
// that order, form-encoded (the ETag with its quotes), after "?" or, when
// the URL has a query already, "&".
func redirectQuery(target, bucket, key, etag string) string {
	sep := "?"
	if i := strings.IndexByte(target, '?'); i >= 0 {
		sep = "&"
		if i == len(target)-1 || strings.HasSuffix(target, "&") {
			sep = ""
		}
	}
	return sep + "bucket=" + url.QueryEscape(bucket) + "&key=" + url.QueryEscape(key) + "&etag=" + url.QueryEscape(etag)
}

// objectURL is the object's URL as the client addressed the bucket: the
// key escaped as one path segment, "/" as %2F, as S3's Location is.
func (a *API) objectURL(rq *request, key string) string {
	scheme := "http"
	if rq.r.TLS != nil {
		scheme = "https"
	}
	base := scheme + "://" + rq.r.Host + "/"
	if a.virtualBucket(rq.r.Host) == "" {
		base += url.PathEscape(rq.bucket) + "/"
	}
	return base + url.PathEscape(key)
}
