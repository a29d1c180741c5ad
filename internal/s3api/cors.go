package s3api

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"signet/internal/cors"
	"signet/internal/meta"
)

// The messages of a refused preflight, as S3 words them (its own typo
// "evalution" included: pages match on it). The first is codeAccessForbidden's
// table message.
const (
	corsNotEnabled     = "CORSResponse: CORS is not enabled for this bucket."
	corsBucketNotFound = "CORSResponse: Bucket not found"
)

// maxCORSElems and maxCORSItems bound a PutBucketCors body's elements, as
// readXML asks: generous for any document within cors.MaxDocument (the
// smallest element, <ID/>, is 5 bytes), so only a hostile one reaches them.
const (
	maxCORSElems = cors.MaxDocument / 4
	maxCORSItems = cors.MaxDocument / 8
)

// putBucketCors is PUT ?cors: S3 answers 200 with an empty body.
func (a *API) putBucketCors(rq *request) error {
	if a.cfg.CORS == nil {
		return s3Err(codeNotImplemented)
	}
	if _, err := a.requireBucket(rq); err != nil {
		return err
	}
	cfg, err := readCORSBody(rq)
	if err != nil {
		return err
	}
	doc, err := cfg.Marshal()
	if err != nil {
		return err
	}
	if err := a.cfg.CORS.PutBucketCORS(rq.r.Context(), rq.bucket, doc); err != nil {
		return noSuchBucket(err, rq.bucket)
	}
	rq.w.Header().Set("Content-Length", "0")
	rq.w.WriteHeader(http.StatusOK)
	return nil
}

// readCORSBody reads and validates a PutBucketCors body. S3 requires an
// integrity header on this operation (the SDKs send Content-MD5 or, since
// 2025, x-amz-checksum-crc32) and checks it before the document.
func readCORSBody(rq *request) (*cors.Config, error) {
	// ASSUMED: a document over S3's 64 KB limit is answered as any XML
	// body over its operation's limit.
	body, err := readCheckedBody(rq, cors.MaxDocument)
	if err != nil {
		return nil, err
	}
	var d cors.Document
	if err := readXML(bytes.NewReader(body), cors.MaxDocument, maxCORSElems, maxCORSItems, &d); err != nil {
		return nil, err
	}
	cfg, err := cors.Validate(&d)
	return cfg, corsConfigError(err)
}

// readCheckedBody reads a bucket configuration's body of at most limit
// bytes. S3 requires an integrity header on these operations (the SDKs
// send Content-MD5 or, since 2025, x-amz-checksum-crc32) and checks it
// before the document; an empty body is MissingRequestBodyError.
func readCheckedBody(rq *request, limit int) ([]byte, error) {
	digests, err := newBodyDigests(rq.r.Header)
	if err != nil {
		return nil, err
	}
	if digests.md5 == nil && digests.sum == nil {
		return nil, s3Err(codeInvalidRequest).msg("Missing required header for this request: Content-MD5")
	}
	body, err := io.ReadAll(io.LimitReader(io.TeeReader(rq.res.Body, digests), int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(body) > limit {
		return nil, s3Err(codeMaxMessageLengthExceeded)
	}
	if err := digests.check(rq.res); err != nil {
		return nil, err
	}
	if len(body) == 0 {
		return nil, s3Err(codeMissingRequestBodyError)
	}
	return body, nil
}

// corsConfigError maps package cors's refusals to S3's: a document outside
// the schema is MalformedXML, a bad method or wildcard InvalidRequest with
// S3's sentence.
func corsConfigError(err error) error {
	var um *cors.UnsupportedMethodError
	var we *cors.WildcardError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, cors.ErrMalformed):
		return s3Err(codeMalformedXML)
	case errors.As(err, &um), errors.As(err, &we):
		return s3Err(codeInvalidRequest).msg(err.Error())
	}
	return err
}

// getBucketCors is GET ?cors: the configuration as stored, in S3's
// namespace.
func (a *API) getBucketCors(rq *request) error {
	if a.cfg.CORS == nil {
		return s3Err(codeNotImplemented)
	}
	if _, err := a.requireBucket(rq); err != nil {
		return err
	}
	doc, err := a.cfg.CORS.GetBucketCORS(rq.r.Context(), rq.bucket)
	if errors.Is(err, meta.ErrNoSuchCORSConfiguration) {
		return s3Err(codeNoSuchCORSConfiguration).with("BucketName", rq.bucket)
	}
	if err != nil {
		return noSuchBucket(err, rq.bucket)
	}
	cfg, err := cors.Parse(doc)
	if err != nil {
		return err
	}
	return writeXML(rq.w, http.StatusOK, cfg.Document(s3NS))
}

// deleteBucketCors is DELETE ?cors: 204, with or without a configuration.
func (a *API) deleteBucketCors(rq *request) error {
	if a.cfg.CORS == nil {
		return s3Err(codeNotImplemented)
	}
	if _, err := a.requireBucket(rq); err != nil {
		return err
	}
	if err := a.cfg.CORS.DeleteBucketCORS(rq.r.Context(), rq.bucket); err != nil {
		return noSuchBucket(err, rq.bucket)
	}
	rq.w.WriteHeader(http.StatusNoContent)
	return nil
}

// preflightMethods are the Access-Control-Request-Method values S3 looks
// any further at; any other is 400 before the bucket is looked up.
var preflightMethods = map[string]bool{
	"GET": true, "HEAD": true, "POST": true, "PUT": true, "DELETE": true, "PATCH": true, "OPTIONS": true,
}

// servePreflight answers an OPTIONS request. It is never authenticated,
// whatever its query string holds (a presigned URL's preflight is the
// bucket's answer, not the signature's), and never reads the key: S3's
// CORS front end answers it from the bucket's rules alone.
func (a *API) servePreflight(w http.ResponseWriter, r *http.Request, reqID string) {
	if err := a.preflight(w, r); err != nil {
		a.writeError(w, r, reqID, err)
	}
}

// preflight runs S3's checks in S3's order: Origin present; the asked
// method one S3 knows; the bucket; its configuration; the asked method one
// a rule can allow; then the rules, first match wins. Without
// Access-Control-Request-Method the method is reported as OPTIONS.
func (a *API) preflight(w http.ResponseWriter, r *http.Request) error {
	origin, ok := r.Header["Origin"]
	if !ok || len(origin) == 0 {
		return s3Err(codeBadRequest)
	}
	asked, hasMethod := "OPTIONS", false
	if m := r.Header["Access-Control-Request-Method"]; len(m) > 0 {
		asked, hasMethod = m[0], true
		if !preflightMethods[asked] {
			return invalidRequestMethod(asked)
		}
	}
	bucket, key, err := splitPath(r.URL.EscapedPath(), a.virtualBucket(r.Host))
	if err != nil {
		return err
	}
	if bucket == "" {
		return corsForbidden(corsBucketNotFound, asked, "BUCKET")
	}
	if a.cfg.CORS == nil {
		return corsForbidden(corsNotEnabled, asked, "BUCKET")
	}
	cfg, err := a.cfg.CORS.BucketCORSRules(r.Context(), bucket)
	switch {
	case errors.Is(err, meta.ErrNoSuchBucket):
		return corsForbidden(corsBucketNotFound, asked, "BUCKET")
	case err != nil:
		return err
	case cfg == nil:
		return corsForbidden(corsNotEnabled, asked, "BUCKET")
	case !hasMethod:
		return invalidRequestMethod("null")
	case !cors.IsMethod(asked):
		return invalidRequestMethod(asked)
	}
	resourceType := "BUCKET"
	if key != "" {
		resourceType = "OBJECT"
	}
	requested := cors.ParseRequestHeaders(r.Header["Access-Control-Request-Headers"])
	rule, ok := cfg.MatchPreflight(origin[0], asked, requested)
	if !ok {
		return corsForbidden("", asked, resourceType)
	}
	setCORSHeaders(w.Header(), rule.Headers(origin[0], requested))
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

func invalidRequestMethod(m string) error {
	return s3Err(codeBadRequest).msg("Invalid Access-Control-Request-Method: " + m)
}

// corsForbidden is a refused preflight; message "" is the table's (no rule
// matched).
func corsForbidden(message, method, resourceType string) error {
	e := s3Err(codeAccessForbidden)
	if message != "" {
		e = e.msg(message)
	}
	return e.with("Method", method).with("ResourceType", resourceType)
}

// addCORSHeaders gives a request that carries an Origin the CORS headers of
// the bucket's first rule that allows the origin and the method (the
// Access-Control-Request-Method when sent, as S3 takes it, else the
// request's). They are set before anything is written, so every answer
// carries them, errors included: a page can then read why a presigned URL
// failed (ExpiredToken, "Request has expired") instead of an opaque
// network error. A request without Origin costs one map lookup.
func (a *API) addCORSHeaders(w http.ResponseWriter, r *http.Request) {
	origin := r.Header["Origin"]
	if len(origin) == 0 || a.cfg.CORS == nil {
		return
	}
	bucket, _, err := splitPath(r.URL.EscapedPath(), a.virtualBucket(r.Host))
	if err != nil || bucket == "" {
		return
	}
	cfg, err := a.cfg.CORS.BucketCORSRules(r.Context(), bucket)
	if err != nil || cfg == nil {
		// A missing bucket has no rules; an internal fault is the
		// request's own to report, if its handler meets it.
		return
	}
	method := r.Method
	if m := r.Header["Access-Control-Request-Method"]; len(m) > 0 {
		method = m[0]
	}
	if rule, ok := cfg.Match(origin[0], method); ok {
		setCORSHeaders(w.Header(), rule.Headers(origin[0], nil))
	}
}

func setCORSHeaders(h http.Header, hs []cors.Header) {
	for _, x := range hs {
		h.Set(x.Name, x.Value)
	}
}
