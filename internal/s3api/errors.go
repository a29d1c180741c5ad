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
	"signet/internal/postpolicy"
	"signet/internal/reqinfo"
)

// apiError is an S3 error ready for the wire. Handlers return it (or a
// domain error, which toAPIError maps); writeError is the one writer.
type apiError struct {
	Code    errorCode
	Status  int
	Message string
	Fields  []authn.Field // extra elements, in wire order
}

func (e *apiError) Error() string { return "s3api: " + e.Code.String() + ": " + e.Message }

// errorCode is an S3 error code. Codes are numbers, not strings, so that
// a handler can name one only through its constant: a misspelt code does
// not compile, where a misspelt string would reach the client as
// InternalError. codes gives each its wire spelling.
type errorCode int

// The codes signet sends, in the order of the table.
const (
	codeNone errorCode = iota // the zero value: no code
	codeAccessControlListNotSupported
	codeAccessDenied
	codeAccessForbidden
	codeAuthorizationHeaderMalformed
	codeAuthorizationQueryParametersError
	codeBadDigest
	codeBadRequest
	codeBucketAlreadyOwnedByYou
	codeBucketNotEmpty
	codeEntityTooLarge
	codeEntityTooSmall
	codeExpiredToken
	codeIllegalLocationConstraintException
	codeIllegalVersioningConfigurationException
	codeIncompleteBody
	codeIncorrectNumberOfFilesInPostRequest
	codeInternalError
	codeInvalidAccessKeyId
	codeInvalidArgument
	codeInvalidBucketAclWithBlockPublicAccessError
	codeInvalidBucketAclWithObjectOwnership
	codeInvalidBucketName
	codeInvalidDigest
	codeInvalidEncryptionAlgorithmError
	codeInvalidLocationConstraint
	codeInvalidPart
	codeInvalidPartNumber
	codeInvalidPartOrder
	codeInvalidPolicyDocument
	codeInvalidRange
	codeInvalidRequest
	codeInvalidStorageClass
	codeInvalidTag
	codeInvalidToken
	codeInvalidURI
	codeKeyTooLongError
	codeKMSNotFoundException
	codeMalformedACLError
	codeMalformedPOSTRequest
	codeMalformedPolicy
	codeMalformedXML
	codeMalformedTrailerError
	codeMaxMessageLengthExceeded
	codeMaxPostPreDataLengthExceeded
	codeMetadataTooLarge
	codeMethodNotAllowed
	codeMissingContentLength
	codeMissingRequestBodyError
	codeNoSuchBucket
	codeNoSuchBucketPolicy
	codeNoSuchCORSConfiguration
	codeNoSuchKey
	codeNoSuchLifecycleConfiguration
	codeNoSuchPublicAccessBlockConfiguration
	codeNoSuchTagSet
	codeNoSuchUpload
	codeNoSuchVersion
	codeNotImplemented
	codeNotModified
	codeOwnershipControlsNotFoundError
	codePreconditionFailed
	codeRequestTimeTooSkewed
	codeRequestTimeout
	codeServiceUnavailable
	codeSignatureDoesNotMatch
	codeUnexpectedContent
	codeXAmzContentSHA256Mismatch
	codeCount // not a code: the size of the table
)

// errSpec is one row of the code table.
type errSpec struct {
	name    string // the code on the wire
	status  int
	message string // AWS's default message
	when    string // when signet sends it, for docs/errors.md
}

// codes holds AWS's status and default message for every code signet emits
// (S3 API Reference, "Error responses"; the reference notes §0, §1.5, §2.6,
// §8), indexed by code. A code is added here, in the constants above and in
// the handler that sends it; docs/errors.md is generated from this table.
var codes = [codeCount]errSpec{
	codeAccessControlListNotSupported: {"AccessControlListNotSupported", 400, "The bucket does not allow ACLs",
		"a request sets an ACL other than the owner's full control (canned, x-amz-grant-*, or a PutBucketAcl or PutObjectAcl body) on a bucket whose Object Ownership is BucketOwnerEnforced"},
	codeAccessDenied: {"AccessDenied", 403, "Access Denied",
		"policies do not allow the request, a presigned URL or a POST policy has expired or a POST form fails its policy (\"Invalid according to Policy: …\"), a presigned URL is not yet valid, a presigned URL or POST policy was revoked with `signet admin url revoke` (\"This presigned URL has been revoked.\", signet's own), the date or a signed header is missing, a missing key may not be listed, or x-amz-expected-bucket-owner names another account"},
	codeAccessForbidden: {"AccessForbidden", 403, "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
		"a CORS preflight (OPTIONS) that no rule of the bucket's CORS configuration allows, on a bucket without one (\"CORSResponse: CORS is not enabled for this bucket.\"), or on a bucket that does not exist (\"CORSResponse: Bucket not found\"); with the Method asked about and the ResourceType"},
	codeAuthorizationHeaderMalformed: {"AuthorizationHeaderMalformed", 400, "The authorization header is malformed.",
		"the Authorization header lacks a component, or its credential scope is malformed or names another date, region or service"},
	codeAuthorizationQueryParametersError: {"AuthorizationQueryParametersError", 400, "Error parsing the query parameters.",
		"a presigned SigV4 URL's X-Amz-* parameters are missing or invalid: X-Amz-Expires over 604800, a bad date, credential scope or signed-header list"},
	codeBadDigest: {"BadDigest", 400, "The Content-MD5 you specified did not match what we received.",
		"the body does not match its Content-MD5 or x-amz-checksum-* value; CompleteMultipartUpload's x-amz-checksum-* does not match the checksum of the parts"},
	codeBadRequest: {"BadRequest", 400, "Insufficient information. Origin request header needed.",
		"a CORS preflight (OPTIONS) without Origin, or whose Access-Control-Request-Method is missing or not a method a CORS rule can allow (\"Invalid Access-Control-Request-Method: …\"); a tag set of more than 10 tags on an object (\"Object tags cannot be greater than 10\") or 50 on a bucket"},
	codeBucketAlreadyOwnedByYou: {"BucketAlreadyOwnedByYou", 409, "Your previous request to create the named bucket succeeded and you already own it.",
		"CreateBucket names a bucket that exists (every bucket belongs to the one account) on a server whose region is not us-east-1, where S3 answers 200 OK"},
	codeBucketNotEmpty: {"BucketNotEmpty", 409, "The bucket you tried to delete is not empty",
		"DeleteBucket on a bucket that still holds objects"},
	codeEntityTooLarge: {"EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size",
		"a PutObject, UploadPart or UploadPartCopy body or range over 5 GiB, or a POST form's file over its policy's content-length-range (then \"Your proposed upload exceeds the maximum allowed size\")"},
	codeEntityTooSmall: {"EntityTooSmall", 400, "Your proposed upload is smaller than the minimum allowed object size.",
		"CompleteMultipartUpload lists a part, other than the last, under 5 MiB; a POST form's file under its policy's content-length-range (then \"Your proposed upload is smaller than the minimum allowed size\", with MinSizeAllowed)"},
	codeExpiredToken: {"ExpiredToken", 400, "The provided token has expired.",
		"the session token belongs to a session that has expired or was terminated"},
	codeIllegalLocationConstraintException: {"IllegalLocationConstraintException", 400, "The location constraint is incompatible for the region specific endpoint this request was sent to.",
		"CreateBucket's LocationConstraint names a region other than the server's"},
	codeIllegalVersioningConfigurationException: {"IllegalVersioningConfigurationException", 400, "The Versioning element must be specified",
		"a PutBucketVersioning body without a Status"},
	codeIncompleteBody: {"IncompleteBody", 400, "You did not provide the number of bytes specified by the Content-Length HTTP header.",
		"the body ends before its Content-Length or its aws-chunked decoded length"},
	codeIncorrectNumberOfFilesInPostRequest: {"IncorrectNumberOfFilesInPostRequest", 400, "POST requires exactly one file upload per request.",
		"a browser form upload (POST Object) carries a second file field after the first"},
	codeInternalError: {"InternalError", 500, "We encountered an internal error. Please try again.",
		"anything unexpected; the cause goes to the log with the request ID, never to the client"},
	codeInvalidAccessKeyId: {"InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records.",
		"the access key does not exist, is inactive, or its user was deleted"},
	codeInvalidArgument: {"InvalidArgument", 400, "Invalid Argument",
		"a parameter is malformed or out of range (max-keys, part number, encoding-type, copy source, metadata directive), a versionId or version-id-marker other than null, a version-id-marker without a key-marker, or two auth mechanisms at once; an x-amz-tagging header that is not URL query parameters or repeats a key; a POST form without its key, its file or a signing field, or with a malformed credential or date; a lifecycle rule with a day count below 1, a Date not at midnight UTC, an ID over 255 characters or used twice"},
	codeInvalidBucketAclWithBlockPublicAccessError: {"InvalidBucketAclWithBlockPublicAccessError", 400, "Bucket cannot have public ACLs set with BlockPublicAccess enabled",
		"CreateBucket sets a public ACL: every new bucket has Block Public Access on, as on AWS since April 2023"},
	codeInvalidBucketAclWithObjectOwnership: {"InvalidBucketAclWithObjectOwnership", 400, "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
		"CreateBucket sets an ACL granting anyone but the owner with Object Ownership BucketOwnerEnforced (the default), or PutBucketOwnershipControls asks for BucketOwnerEnforced while the bucket's ACL grants others"},
	codeInvalidBucketName: {"InvalidBucketName", 400, "The specified bucket is not valid.",
		"CreateBucket with a name outside S3's general-purpose bucket naming rules"},
	codeInvalidDigest: {"InvalidDigest", 400, "The Content-MD5 you specified was invalid.",
		"Content-MD5 is not a base64-encoded MD5"},
	codeInvalidEncryptionAlgorithmError: {"InvalidEncryptionAlgorithmError", 400, "The Encryption request you specified is not valid. Supported value: AES256.",
		"an SSE-C request (x-amz-server-side-encryption-customer-algorithm) names an algorithm other than AES256"},
	codeInvalidLocationConstraint: {"InvalidLocationConstraint", 400, "The specified location-constraint is not valid",
		"CreateBucket's LocationConstraint is not a region's name"},
	codeInvalidPart: {"InvalidPart", 400, "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
		"CompleteMultipartUpload names a part that was not uploaded, or whose ETag or checksum differs; repeating a completed upload's completion, it names other parts than the completion did"},
	codeInvalidPartNumber: {"InvalidPartNumber", 416, "The requested partnumber is not satisfiable",
		"GetObject or HeadObject asks for a partNumber beyond the object's parts"},
	codeInvalidPartOrder: {"InvalidPartOrder", 400, "The list of parts was not in ascending order. Parts must be ordered by part number.",
		"CompleteMultipartUpload lists its parts out of ascending order"},
	codeInvalidPolicyDocument: {"InvalidPolicyDocument", 400, "The content of the form does not meet the conditions specified in the policy document.",
		"a browser form upload's policy is not base64, not JSON, or not a POST policy (the message says what, after \"Invalid Policy: \")"},
	codeInvalidRange: {"InvalidRange", 416, "The requested range is not satisfiable",
		"Range or x-amz-copy-source-range lies outside the object"},
	codeInvalidRequest: {"InvalidRequest", 400, "Invalid Request",
		"a request refused as a whole: conflicting or unsupported checksum headers, a copy onto itself that changes nothing, Range with partNumber, response-* overrides on an anonymous GET, no x-amz-content-sha256, a PutBucketCors rule with an unsupported AllowedMethod or a second wildcard, PutBucketCors or PutBucketLifecycleConfiguration without Content-MD5 or a checksum, a lifecycle rule without an action or with an action its filter cannot apply to, a CompleteMultipartUpload x-amz-checksum-* that signet cannot check (another algorithm than the upload's)"},
	codeInvalidStorageClass: {"InvalidStorageClass", 400, "The storage class you specified is not valid",
		"x-amz-storage-class names no S3 storage class; a lifecycle Transition or NoncurrentVersionTransition (signet has one storage class)"},
	codeInvalidTag: {"InvalidTag", 400, "Your request contains tag input that is not valid. For example, your request might contain duplicate keys, keys or values that are too long, or system tags.",
		"a tag set (x-amz-tagging, a Tagging body or a POST form's tagging field) holds an empty, over-long (128 and 256 UTF-16 units) or aws:-prefixed key, an over-long value, a character outside letters, numbers, spaces and _ . : / = + - @, or a key twice"},
	codeInvalidToken: {"InvalidToken", 400, "The provided token is malformed or otherwise invalid.",
		"the session token is malformed, or the user or role its session belongs to was deleted"},
	codeInvalidURI: {"InvalidURI", 400, "Couldn't parse the specified URI.",
		"the path does not unescape, or the key is not valid UTF-8"},
	codeKeyTooLongError: {"KeyTooLongError", 400, "Your key is too long",
		"a key, or a copy source's key, over 1024 bytes"},
	codeKMSNotFoundException: {"KMS.NotFoundException", 400, "Invalid keyId",
		"a PutObject, CopyObject or CreateMultipartUpload asks for SSE-KMS (x-amz-server-side-encryption aws:kms or aws:kms:dsse), or a PutBucketEncryption body for it: signet has no KMS, so the key (named, or the default aws/s3) does not exist (\"Invalid keyId <key>\")"},
	codeMalformedACLError: {"MalformedACLError", 400, "The XML you provided was not well-formed or did not validate against our published schema",
		"a PutBucketAcl or PutObjectAcl body that does not parse, lacks a grantee or names an unknown permission or grantee type, or an ACL with over 100 grants"},
	codeMalformedPOSTRequest: {"MalformedPOSTRequest", 400, "The body of your POST request is not well-formed multipart/form-data.",
		"a browser form upload whose body is not well-formed multipart/form-data, or whose Content-Type has no boundary"},
	codeMalformedPolicy: {"MalformedPolicy", 400, "Policies must be valid JSON and the first byte must be '{'",
		"PutBucketPolicy with a document that does not parse, is too large, or names a resource outside the bucket or a principal that does not exist"},
	codeMalformedXML: {"MalformedXML", 400, "The XML you provided was not well-formed or did not validate against our published schema",
		"a request body that does not parse, has elements outside the operation's schema, or lists no or too many keys or parts"},
	codeMalformedTrailerError: {"MalformedTrailerError", 400, "The request contained trailing data that was not well-formed or did not conform to our published schema.",
		"an aws-chunked body's trailer is missing, unexpected or malformed"},
	codeMaxMessageLengthExceeded: {"MaxMessageLengthExceeded", 400, "Your request was too big.",
		"an XML request body over the operation's size limit"},
	codeMaxPostPreDataLengthExceeded: {"MaxPostPreDataLengthExceeded", 400, "Your POST request fields preceeding the upload file was too large.",
		"a browser form upload's fields and boundaries before the file exceed 20480 bytes"},
	codeMetadataTooLarge: {"MetadataTooLarge", 400, "Your metadata headers exceed the maximum allowed metadata size",
		"x-amz-meta-* headers over 2 KB in all"},
	codeMethodNotAllowed: {"MethodNotAllowed", 405, "The specified method is not allowed against this resource.",
		"a method the addressed service, bucket or object does not have"},
	codeMissingContentLength: {"MissingContentLength", 411, "You must provide the Content-Length HTTP header.",
		"not sent: a body without Content-Length is read to its end"},
	codeMissingRequestBodyError: {"MissingRequestBodyError", 400, "Request Body is empty",
		"PutBucketCors or PutBucketLifecycleConfiguration with an empty body"},
	codeNoSuchBucket: {"NoSuchBucket", 404, "The specified bucket does not exist",
		"the bucket does not exist"},
	codeNoSuchBucketPolicy: {"NoSuchBucketPolicy", 404, "The bucket policy does not exist",
		"GetBucketPolicy on a bucket that has no policy"},
	codeNoSuchCORSConfiguration: {"NoSuchCORSConfiguration", 404, "The CORS configuration does not exist",
		"GetBucketCors on a bucket that has no CORS configuration"},
	codeNoSuchKey: {"NoSuchKey", 404, "The specified key does not exist.",
		"the key does not exist (GetObject, HeadObject, a copy's source) and the caller may list the bucket"},
	codeNoSuchLifecycleConfiguration: {"NoSuchLifecycleConfiguration", 404, "The lifecycle configuration does not exist",
		"GetBucketLifecycleConfiguration on a bucket that has no lifecycle configuration"},
	codeNoSuchPublicAccessBlockConfiguration: {"NoSuchPublicAccessBlockConfiguration", 404, "The public access block configuration was not found",
		"GetPublicAccessBlock on a bucket, or S3 Control's on the account, that has no Block Public Access configuration"},
	codeNoSuchTagSet: {"NoSuchTagSet", 404, "There is no tag set associated with the bucket.",
		"GetBucketTagging on a bucket without tags"},
	codeNoSuchUpload: {"NoSuchUpload", 404, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
		"the upload ID names no multipart upload in progress for the key (nor, on CompleteMultipartUpload, one completed in the last 7 days)"},
	codeNoSuchVersion: {"NoSuchVersion", 404, "The specified version does not exist.",
		"the versionId names no version of the key (GetObject, HeadObject, the tags and ACL of a version, a copy's source) in a versioned bucket"},
	codeNotImplemented: {"NotImplemented", 501, "A header you provided implies functionality that is not implemented",
		"a header, parameter, subresource or body element selects a feature signet does not implement (docs/operations.md lists them)"},
	codeNotModified: {"NotModified", 304, "Not Modified",
		"If-None-Match or If-Modified-Since holds on GetObject or HeadObject"},
	codeOwnershipControlsNotFoundError: {"OwnershipControlsNotFoundError", 404, "The bucket ownership controls were not found",
		"GetBucketOwnershipControls on a bucket whose ownership controls were deleted"},
	codePreconditionFailed: {"PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold",
		"If-Match or If-Unmodified-Since (or their x-amz-copy-source-if-* forms) fails, If-None-Match: * on a write finds the key, or a POST to a bucket is not multipart/form-data"},
	codeRequestTimeTooSkewed: {"RequestTimeTooSkewed", 403, "The difference between the request time and the current time is too large.",
		"a header-signed request's date is more than 15 minutes from the server's clock"},
	codeRequestTimeout: {"RequestTimeout", 400, "Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.",
		"the request body sent nothing for the server's --body-idle-timeout"},
	codeServiceUnavailable: {"ServiceUnavailable", 503, "Service is unable to handle request.",
		"a node on the PostgreSQL engine cannot reach the database, or cannot vouch for its caches (its change feed is down), for anything the request needs: it refuses rather than guess"},
	codeSignatureDoesNotMatch: {"SignatureDoesNotMatch", 403, "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
		"the signature, or an aws-chunked chunk or trailer signature, differs from the one the server computes"},
	codeUnexpectedContent: {"UnexpectedContent", 400, "This request does not support content",
		"PutBucketAcl or PutObjectAcl sets the ACL with headers and sends a body as well"},
	codeXAmzContentSHA256Mismatch: {"XAmzContentSHA256Mismatch", 400, "The provided 'x-amz-content-sha256' header does not match what was computed.",
		"the body's SHA-256 differs from x-amz-content-sha256"},
}

// String is the code's wire spelling.
func (c errorCode) String() string {
	if c <= codeNone || c >= codeCount {
		return "errorCode(" + strconv.Itoa(int(c)) + ")"
	}
	return codes[c].name
}

// s3Err builds the error for code with its table message.
func s3Err(code errorCode) *apiError {
	if code <= codeNone || code >= codeCount {
		// Only a zero-valued code can get here; it must not reach the
		// wire as an empty one.
		code = codeInternalError
	}
	spec := codes[code]
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
	code errorCode
}{
	{meta.ErrNoSuchBucket, codeNoSuchBucket},
	{meta.ErrNoSuchBucketPolicy, codeNoSuchBucketPolicy},
	{meta.ErrNoSuchCORSConfiguration, codeNoSuchCORSConfiguration},
	{meta.ErrNoSuchLifecycleConfiguration, codeNoSuchLifecycleConfiguration},
	{meta.ErrBucketExists, codeBucketAlreadyOwnedByYou},
	{meta.ErrBucketNotEmpty, codeBucketNotEmpty},
	{meta.ErrNoSuchKey, codeNoSuchKey},
	{meta.ErrNoSuchUpload, codeNoSuchUpload},
	{meta.ErrNoSuchVersion, codeNoSuchVersion},
	{meta.ErrInvalidArgument, codeInvalidArgument},
	{authn.ErrIncompleteBody, codeIncompleteBody},
	{io.ErrUnexpectedEOF, codeIncompleteBody},
	// A chunk or trailer whose signature fails is a signature failure, as
	// for the seed signature.
	{awschunked.ErrChunkSignatureMismatch, codeSignatureDoesNotMatch},
	{awschunked.ErrTrailerSignatureMismatch, codeSignatureDoesNotMatch},
	// ASSUMED: AWS answers a garbled or truncated aws-chunked stream with
	// IncompleteBody (the decoded bytes did not add up to the declared
	// length); an oversized chunk header is a malformed request.
	{awschunked.ErrMalformed, codeIncompleteBody},
	{awschunked.ErrChunkTooLarge, codeInvalidRequest},
	// Trailer framing problems are what MalformedTrailerError describes.
	{awschunked.ErrUnexpectedTrailer, codeMalformedTrailerError},
	{awschunked.ErrMissingTrailer, codeMalformedTrailerError},
	{errAccessDeniedAnon, codeAccessDenied},
}

// reasonSpec is one authn.Reason row. Reasons about the credential scope
// exist in a query form and a header form; headerCode/headerMessage give
// the header form when it differs.
type reasonSpec struct {
	code, headerCode       errorCode
	message, headerMessage string
}

// reasons maps every authn.Reason to its AWS error (reference §0 rules
// 3–13, 17–18, 22; §1.5; §2.1–2.2; §3).
var reasons = map[authn.Reason]reasonSpec{
	authn.ReasonInternal: {code: codeInternalError},
	authn.ReasonMultipleAuthMechanisms: {code: codeInvalidArgument,
		message: "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified"},
	authn.ReasonMissingQueryParams: {code: codeAuthorizationQueryParametersError,
		message: "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."},
	authn.ReasonMissingQueryParamsV2: {code: codeAccessDenied,
		message: "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters"},
	authn.ReasonUnsupportedAlgorithm: {code: codeAuthorizationQueryParametersError,
		message: "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\""},
	authn.ReasonExpiresTooLarge: {code: codeAuthorizationQueryParametersError,
		message: "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"},
	authn.ReasonExpiresNegative: {code: codeAuthorizationQueryParametersError,
		message: "X-Amz-Expires must be non-negative"},
	authn.ReasonExpiresNotNumber: {code: codeAuthorizationQueryParametersError,
		message: "X-Amz-Expires should be a number"},
	authn.ReasonBadDateFormat: {code: codeAuthorizationQueryParametersError,
		message:    "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
		headerCode: codeAccessDenied, headerMessage: "AWS authentication requires a valid Date or x-amz-date header"},
	authn.ReasonCredentialMalformed: {code: codeAuthorizationQueryParametersError,
		message:       "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
		headerCode:    codeAuthorizationHeaderMalformed,
		headerMessage: "The authorization header is malformed; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."},
	authn.ReasonCredentialDateMismatch: {code: codeAuthorizationQueryParametersError,
		message:       "Invalid credential date. Date is not the same as X-Amz-Date.",
		headerCode:    codeAuthorizationHeaderMalformed,
		headerMessage: "The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date."},
	authn.ReasonWrongRegion: {code: codeAuthorizationQueryParametersError,
		message:       "Error parsing the X-Amz-Credential parameter; the region is wrong",
		headerCode:    codeAuthorizationHeaderMalformed,
		headerMessage: "The authorization header is malformed; the region is wrong"},
	authn.ReasonWrongService: {code: codeAuthorizationQueryParametersError,
		message:       "Error parsing the X-Amz-Credential parameter; incorrect service. This endpoint belongs to \"s3\".",
		headerCode:    codeAuthorizationHeaderMalformed,
		headerMessage: "The authorization header is malformed; incorrect service. This endpoint belongs to \"s3\"."},
	// On a presigned URL the only thing of this kind that can be wrong is
	// X-Amz-SignedHeaders (a bad list, or host left out): a query
	// parameter error, as AWS answers every presigned parameter problem.
	authn.ReasonHeaderMalformed: {code: codeAuthorizationQueryParametersError,
		message:       "Error parsing the X-Amz-SignedHeaders parameter; it must be a ';'-separated list of lower-case header names that includes host.",
		headerCode:    codeAuthorizationHeaderMalformed,
		headerMessage: "The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature."},
	authn.ReasonHeaderMalformedV2: {code: codeInvalidArgument,
		message: "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature"},
	authn.ReasonMissingDate: {code: codeAccessDenied,
		message: "AWS authentication requires a valid Date or x-amz-date header"},
	authn.ReasonMissingContentSHA256: {code: codeInvalidRequest,
		message: "Missing required header for this request: x-amz-content-sha256"},
	authn.ReasonBadContentSHA256: {code: codeInvalidArgument,
		message: "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value."},
	authn.ReasonHeadersNotSigned: {code: codeAccessDenied,
		message: "There were headers present in the request which were not signed"},
	authn.ReasonUnknownAccessKey:   {code: codeInvalidAccessKeyId},
	authn.ReasonExpiredToken:       {code: codeExpiredToken},
	authn.ReasonInvalidToken:       {code: codeInvalidToken, message: "The provided token is malformed or otherwise not valid."},
	authn.ReasonSignatureMismatch:  {code: codeSignatureDoesNotMatch},
	authn.ReasonRequestExpired:     {code: codeAccessDenied, message: "Request has expired"},
	authn.ReasonRequestNotYetValid: {code: codeAccessDenied, message: "Request is not yet valid"},
	authn.ReasonTimeTooSkewed:      {code: codeRequestTimeTooSkewed},
	authn.ReasonAnonymousResponseOverrides: {code: codeInvalidRequest,
		message: "Request specific response headers cannot be used for anonymous GET requests."},
	// Browser form uploads: the Failure carries the message and fields.
	authn.ReasonPostFormInvalid:   {code: codeInvalidArgument},
	authn.ReasonPostPolicyInvalid: {code: codeInvalidPolicyDocument},
	authn.ReasonPostPolicyExpired: {code: codeAccessDenied, message: postpolicy.ExpiredMessage},
	// signet's own: AWS cannot revoke one URL, so it has no code for it.
	// AccessDenied is what a client already handles for a refused URL
	// (docs/errors.md); the message (the Failure's) says it was revoked.
	authn.ReasonURLRevoked: {code: codeAccessDenied, message: "This presigned URL has been revoked."},
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
	if spec.headerCode != codeNone && !isQueryAuth(r) {
		code, message = spec.headerCode, spec.headerMessage
	}
	e := s3Err(code)
	if code == codeInternalError {
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
	// Before the authentication failures: a key or session the engine
	// could not look up is not an unknown key (authn.Failure wraps the
	// cause).
	if errors.Is(err, meta.ErrUnavailable) {
		return s3Err(codeServiceUnavailable), true
	}
	var f *authn.Failure
	if errors.As(err, &f) {
		if e := failureError(r, f); e != nil {
			return e, true
		}
		return s3Err(codeInternalError), false
	}
	var pm *authn.PayloadMismatch
	if errors.As(err, &pm) {
		return s3Err(codeXAmzContentSHA256Mismatch).
			with("ClientComputedContentSHA256", pm.ClientComputed).
			with("S3ComputedContentSHA256", pm.ServerComputed), true
	}
	if errors.Is(err, authn.ErrPayloadHashMismatch) {
		return s3Err(codeXAmzContentSHA256Mismatch), true
	}
	for _, d := range domainErrors {
		if errors.Is(err, d.err) {
			return s3Err(d.code), true
		}
	}
	// A body that stopped arriving before the server's read timeout is
	// the client's fault (AWS: 400 RequestTimeout), not an internal error.
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return s3Err(codeRequestTimeout), true
	}
	return s3Err(codeInternalError), false
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
	if e.Code == codeServiceUnavailable {
		a.log.LogAttrs(r.Context(), slog.LevelWarn, "s3api: metadata engine unavailable",
			slog.String("request_id", reqID), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	}
	if !ok {
		a.log.LogAttrs(r.Context(), slog.LevelError, "s3api: internal error",
			slog.String("request_id", reqID), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	}
	reqinfo.From(r.Context()).SetError(e.Code.String())
	h := w.Header()
	if e.Status == http.StatusNotModified || r.Method == http.MethodHead {
		w.WriteHeader(e.Status)
		return
	}
	body := errorBody(e, reqID)
	if isS3Control(r) {
		body = controlErrorBody(e, reqID)
	}
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.Status)
	_, _ = io.WriteString(w, body)
}

// writeErrorElements writes e's Code, Message and extra elements, the
// inside of <Error> in S3's body and in S3 Control's.
func writeErrorElements(b *strings.Builder, e *apiError) {
	b.WriteString("<Code>")
	xmlEscape(b, e.Code.String())
	b.WriteString("</Code><Message>")
	xmlEscape(b, e.Message)
	b.WriteString("</Message>")
	for _, f := range e.Fields {
		b.WriteString("<" + f.Name + ">")
		xmlEscape(b, f.Value)
		b.WriteString("</" + f.Name + ">")
	}
}

// errorBody renders <Error>. Extra elements have request-dependent names
// (Token-0, X-Amz-Expires), so it is written by hand, not by encoding/xml.
func errorBody(e *apiError, reqID string) string {
	var b strings.Builder
	b.WriteString(xmlHeader)
	b.WriteString("<Error>")
	writeErrorElements(&b, e)
	b.WriteString("<RequestId>")
	xmlEscape(&b, reqID)
	b.WriteString("</RequestId><HostId>")
	xmlEscape(&b, hostID(reqID))
	b.WriteString("</HostId></Error>")
	return b.String()
}
