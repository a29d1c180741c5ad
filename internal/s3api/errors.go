package s3api

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"

	"signet/internal/authn"
	"signet/internal/awschunked"
	"signet/internal/meta"
)

// apiError is an S3 error ready for the wire. Handlers return it (or a
// domain error, which toAPIError maps); writeError is the one writer.
type apiError struct {
	Code    string
	Status  int
	Message string
	Fields  []authn.Field // extra elements, in wire order
}

func (e *apiError) Error() string { return "s3api: " + e.Code + ": " + e.Message }

// errSpec is one row of the code table.
type errSpec struct {
	status  int
	message string
}

// codes holds AWS's status and default message for every code signet emits
// (S3 API Reference, "Error responses"; the reference notes §0, §1.5, §2.6,
// §8).
var codes = map[string]errSpec{
	"AccessControlListNotSupported":     {400, "The bucket does not allow ACLs"},
	"AccessDenied":                      {403, "Access Denied"},
	"AuthorizationHeaderMalformed":      {400, "The authorization header is malformed."},
	"AuthorizationQueryParametersError": {400, "Error parsing the query parameters."},
	"BadDigest":                         {400, "The Content-MD5 you specified did not match what we received."},
	"BucketAlreadyOwnedByYou":           {409, "Your previous request to create the named bucket succeeded and you already own it."},
	"BucketNotEmpty":                    {409, "The bucket you tried to delete is not empty"},
	"EntityTooLarge":                    {400, "Your proposed upload exceeds the maximum allowed size"},
	"EntityTooSmall":                    {400, "Your proposed upload is smaller than the minimum allowed object size."},
	"ExpiredToken":                      {400, "The provided token has expired."},
	"IncompleteBody":                    {400, "You did not provide the number of bytes specified by the Content-Length HTTP header."},
	"InternalError":                     {500, "We encountered an internal error. Please try again."},
	"InvalidAccessKeyId":                {403, "The AWS Access Key Id you provided does not exist in our records."},
	"InvalidArgument":                   {400, "Invalid Argument"},
	"InvalidBucketName":                 {400, "The specified bucket is not valid."},
	"InvalidDigest":                     {400, "The Content-MD5 you specified was invalid."},
	"InvalidLocationConstraint":         {400, "The specified location-constraint is not valid"},
	"InvalidPart":                       {400, "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."},
	"InvalidPartNumber":                 {416, "The requested partnumber is not satisfiable"},
	"InvalidPartOrder":                  {400, "The list of parts was not in ascending order. Parts must be ordered by part number."},
	"InvalidRange":                      {416, "The requested range is not satisfiable"},
	"InvalidRequest":                    {400, "Invalid Request"},
	"InvalidStorageClass":               {400, "The storage class you specified is not valid"},
	"InvalidToken":                      {400, "The provided token is malformed or otherwise invalid."},
	"InvalidURI":                        {400, "Couldn't parse the specified URI."},
	"KeyTooLongError":                   {400, "Your key is too long"},
	"MalformedPolicy":                   {400, "Policies must be valid JSON and the first byte must be '{'"},
	"MalformedXML":                      {400, "The XML you provided was not well-formed or did not validate against our published schema"},
	"MalformedTrailerError":             {400, "The request contained trailing data that was not well-formed or did not conform to our published schema."},
	"MaxMessageLengthExceeded":          {400, "Your request was too big."},
	"MetadataTooLarge":                  {400, "Your metadata headers exceed the maximum allowed metadata size"},
	"MethodNotAllowed":                  {405, "The specified method is not allowed against this resource."},
	"MissingContentLength":              {411, "You must provide the Content-Length HTTP header."},
	"NoSuchBucket":                      {404, "The specified bucket does not exist"},
	"NoSuchBucketPolicy":                {404, "The bucket policy does not exist"},
	"NoSuchKey":                         {404, "The specified key does not exist."},
	"NoSuchUpload":                      {404, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed."},
	"NotImplemented":                    {501, "A header you provided implies functionality that is not implemented"},
	"NotModified":                       {304, "Not Modified"},
	"PreconditionFailed":                {412, "At least one of the pre-conditions you specified did not hold"},
	"RequestTimeTooSkewed":              {403, "The difference between the request time and the current time is too large."},
	"RequestTimeout":                    {400, "Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed."},
	"SignatureDoesNotMatch":             {403, "The request signature we calculated does not match the signature you provided. Check your key and signing method."},
	"XAmzContentSHA256Mismatch":         {400, "The provided 'x-amz-content-sha256' header does not match what was computed."},
}

// s3Err builds the error for code with its table message.
func s3Err(code string) *apiError {
	spec, ok := codes[code]
	if !ok {
		// A typo in a handler must not leak as a bogus code.
		spec, code = codes["InternalError"], "InternalError"
	}
	return &apiError{Code: code, Status: spec.status, Message: spec.message}
}

// msg returns a copy of e with another message.
func (e *apiError) msg(m string) *apiError {
	c := *e
	c.Message = m
	return &c
}

// with returns a copy of e with one more extra element.
func (e *apiError) with(name, value string) *apiError {
	c := *e
	c.Fields = append(append([]authn.Field(nil), e.Fields...), authn.Field{Name: name, Value: value})
	return &c
}

var errAccessDeniedAnon = errors.New("s3api: anonymous access denied")

// domainErrors maps sentinel errors of the engines and body readers to
// codes. Order matters only where one error wraps another.
var domainErrors = []struct {
	err  error
	code string
}{
	{meta.ErrNoSuchBucket, "NoSuchBucket"},
	{meta.ErrNoSuchBucketPolicy, "NoSuchBucketPolicy"},
	{meta.ErrBucketExists, "BucketAlreadyOwnedByYou"},
	{meta.ErrBucketNotEmpty, "BucketNotEmpty"},
	{meta.ErrNoSuchKey, "NoSuchKey"},
	{meta.ErrNoSuchUpload, "NoSuchUpload"},
	{meta.ErrInvalidArgument, "InvalidArgument"},
	{authn.ErrIncompleteBody, "IncompleteBody"},
	{io.ErrUnexpectedEOF, "IncompleteBody"},
	// A chunk or trailer whose signature fails is a signature failure, as
	// for the seed signature.
	{awschunked.ErrChunkSignatureMismatch, "SignatureDoesNotMatch"},
	{awschunked.ErrTrailerSignatureMismatch, "SignatureDoesNotMatch"},
	// ASSUMED: AWS answers a garbled or truncated aws-chunked stream with
	// IncompleteBody (the decoded bytes did not add up to the declared
	// length); an oversized chunk header is a malformed request.
	{awschunked.ErrMalformed, "IncompleteBody"},
	{awschunked.ErrChunkTooLarge, "InvalidRequest"},
	// Trailer framing problems are what MalformedTrailerError describes.
	{awschunked.ErrUnexpectedTrailer, "MalformedTrailerError"},
	{awschunked.ErrMissingTrailer, "MalformedTrailerError"},
	{errAccessDeniedAnon, "AccessDenied"},
}

// reasonSpec is one authn.Reason row. Reasons about the credential scope
// exist in a query form and a header form; headerCode/headerMessage give
// the header form when it differs.
type reasonSpec struct {
	code, message             string
	headerCode, headerMessage string
}

// reasons maps every authn.Reason to its AWS error (reference §0 rules
// 3–13, 17–18, 22; §1.5; §2.1–2.2; §3).
var reasons = map[authn.Reason]reasonSpec{
	authn.ReasonInternal: {code: "InternalError"},
	authn.ReasonMultipleAuthMechanisms: {code: "InvalidArgument",
		message: "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified"},
	authn.ReasonMissingQueryParams: {code: "AuthorizationQueryParametersError",
		message: "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."},
	authn.ReasonMissingQueryParamsV2: {code: "AccessDenied",
		message: "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters"},
	authn.ReasonUnsupportedAlgorithm: {code: "AuthorizationQueryParametersError",
		message: "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\""},
	authn.ReasonExpiresTooLarge: {code: "AuthorizationQueryParametersError",
		message: "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"},
	authn.ReasonExpiresNegative: {code: "AuthorizationQueryParametersError",
		message: "X-Amz-Expires must be non-negative"},
	authn.ReasonExpiresNotNumber: {code: "AuthorizationQueryParametersError",
		message: "X-Amz-Expires should be a number"},
	authn.ReasonBadDateFormat: {code: "AuthorizationQueryParametersError",
		message:    "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
		headerCode: "AccessDenied", headerMessage: "AWS authentication requires a valid Date or x-amz-date header"},
	authn.ReasonCredentialMalformed: {code: "AuthorizationQueryParametersError",
		message:       "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
		headerCode:    "AuthorizationHeaderMalformed",
		headerMessage: "The authorization header is malformed; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."},
	authn.ReasonCredentialDateMismatch: {code: "AuthorizationQueryParametersError",
		message:       "Invalid credential date. Date is not the same as X-Amz-Date.",
		headerCode:    "AuthorizationHeaderMalformed",
		headerMessage: "The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date."},
	authn.ReasonWrongRegion: {code: "AuthorizationQueryParametersError",
		message:       "Error parsing the X-Amz-Credential parameter; the region is wrong",
		headerCode:    "AuthorizationHeaderMalformed",
		headerMessage: "The authorization header is malformed; the region is wrong"},
	authn.ReasonWrongService: {code: "AuthorizationQueryParametersError",
		message:       "Error parsing the X-Amz-Credential parameter; incorrect service. This endpoint belongs to \"s3\".",
		headerCode:    "AuthorizationHeaderMalformed",
		headerMessage: "The authorization header is malformed; incorrect service. This endpoint belongs to \"s3\"."},
	// On a presigned URL the only thing of this kind that can be wrong is
	// X-Amz-SignedHeaders (a bad list, or host left out): a query
	// parameter error, as AWS answers every presigned parameter problem.
	authn.ReasonHeaderMalformed: {code: "AuthorizationQueryParametersError",
		message:       "Error parsing the X-Amz-SignedHeaders parameter; it must be a ';'-separated list of lower-case header names that includes host.",
		headerCode:    "AuthorizationHeaderMalformed",
		headerMessage: "The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature."},
	authn.ReasonHeaderMalformedV2: {code: "InvalidArgument",
		message: "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature"},
	authn.ReasonMissingDate: {code: "AccessDenied",
		message: "AWS authentication requires a valid Date or x-amz-date header"},
	authn.ReasonMissingContentSHA256: {code: "InvalidRequest",
		message: "Missing required header for this request: x-amz-content-sha256"},
	authn.ReasonBadContentSHA256: {code: "InvalidArgument",
		message: "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value."},
	authn.ReasonHeadersNotSigned: {code: "AccessDenied",
		message: "There were headers present in the request which were not signed"},
	authn.ReasonUnknownAccessKey:   {code: "InvalidAccessKeyId"},
	authn.ReasonExpiredToken:       {code: "ExpiredToken"},
	authn.ReasonInvalidToken:       {code: "InvalidToken", message: "The provided token is malformed or otherwise not valid."},
	authn.ReasonSignatureMismatch:  {code: "SignatureDoesNotMatch"},
	authn.ReasonRequestExpired:     {code: "AccessDenied", message: "Request has expired"},
	authn.ReasonRequestNotYetValid: {code: "AccessDenied", message: "Request is not yet valid"},
	authn.ReasonTimeTooSkewed:      {code: "RequestTimeTooSkewed"},
	authn.ReasonAnonymousResponseOverrides: {code: "InvalidRequest",
		message: "Request specific response headers cannot be used for anonymous GET requests."},
}

// isQueryAuth reports whether r was (meant to be) presigned, which picks the
// query form of credential-scope errors.
func isQueryAuth(r *http.Request) bool {
	q := r.URL.Query()
	return q.Has("X-Amz-Algorithm") || q.Has("X-Amz-Credential") || q.Has("X-Amz-Signature")
}

// failureError maps an authentication failure.
func failureError(r *http.Request, f *authn.Failure) *apiError {
	spec, ok := reasons[f.Reason]
	if !ok {
		return nil
	}
	code, message := spec.code, spec.message
	if spec.headerCode != "" && !isQueryAuth(r) {
		code, message = spec.headerCode, spec.headerMessage
	}
	e := s3Err(code)
	if code == "InternalError" {
		return nil
	}
	if message != "" {
		e.Message = message
	}
	if f.Message != "" {
		e.Message = f.Message
	}
	e.Fields = append([]authn.Field(nil), f.Fields...)
	return e
}

// toAPIError maps any error a handler returns. ok is false for errors that
// are not the client's business: they become InternalError and are logged.
func toAPIError(r *http.Request, err error) (e *apiError, ok bool) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae, true
	}
	var f *authn.Failure
	if errors.As(err, &f) {
		if e := failureError(r, f); e != nil {
			return e, true
		}
		return s3Err("InternalError"), false
	}
	var pm *authn.PayloadMismatch
	if errors.As(err, &pm) {
		return s3Err("XAmzContentSHA256Mismatch").
			with("ClientComputedContentSHA256", pm.ClientComputed).
			with("S3ComputedContentSHA256", pm.ServerComputed), true
	}
	if errors.Is(err, authn.ErrPayloadHashMismatch) {
		return s3Err("XAmzContentSHA256Mismatch"), true
	}
	for _, d := range domainErrors {
		if errors.Is(err, d.err) {
			return s3Err(d.code), true
		}
	}
	// A body that stopped arriving before the server's read timeout is
	// the client's fault (AWS: 400 RequestTimeout), not an internal error.
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return s3Err("RequestTimeout"), true
	}
	return s3Err("InternalError"), false
}

// hostID derives x-amz-id-2 from the request ID so both identify the same
// request in a report without a second random draw.
func hostID(reqID string) string {
	sum := sha256.Sum256([]byte("signet/" + reqID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// writeError is the one S3 error writer. HEAD responses and 304s carry no
// body.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, reqID string, err error) {
	e, ok := toAPIError(r, err)
	if !ok {
		a.log.LogAttrs(r.Context(), slog.LevelError, "s3api: internal error",
			slog.String("request_id", reqID), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	}
	h := w.Header()
	if e.Status == http.StatusNotModified || r.Method == http.MethodHead {
		w.WriteHeader(e.Status)
		return
	}
	body := errorBody(e, reqID)
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.Status)
	_, _ = io.WriteString(w, body)
}

// errorBody renders <Error>. Extra elements have request-dependent names
// (Token-0, X-Amz-Expires), so it is written by hand, not by encoding/xml.
func errorBody(e *apiError, reqID string) string {
	var b strings.Builder
	b.WriteString(xmlHeader)
	b.WriteString("<Error><Code>")
	xmlEscape(&b, e.Code)
	b.WriteString("</Code><Message>")
	xmlEscape(&b, e.Message)
	b.WriteString("</Message>")
	for _, f := range e.Fields {
		b.WriteString("<" + f.Name + ">")
		xmlEscape(&b, f.Value)
		b.WriteString("</" + f.Name + ">")
	}
	b.WriteString("<RequestId>")
	xmlEscape(&b, reqID)
	b.WriteString("</RequestId><HostId>")
	xmlEscape(&b, hostID(reqID))
	b.WriteString("</HostId></Error>")
	return b.String()
}
