package sigv4

// Mode selects how the canonical URI is built, the one place where S3
// differs from every other SigV4 service.
type Mode int

const (
	// S3: the canonical URI is the path exactly as sent on the wire (already
	// percent-encoded once). It is never re-encoded and never normalised, so
	// keys containing "//", "./" or "../" keep their meaning.
	S3 Mode = iota
	// Generic: other services (IAM, STS). The path is normalised (dot
	// segments removed, "//" merged) and each segment URI-encoded again, as
	// the AWS SigV4 test suite expects.
	Generic
	// GenericUnnormalized encodes the path again like Generic but does not
	// normalise it. It exists for services that disable normalisation and for
	// the test suite's "normalize": false cases.
	GenericUnnormalized
)

// UnsignedPayload is the payload hash of presigned requests and of header
// requests whose body is not covered by the signature.
const UnsignedPayload = "UNSIGNED-PAYLOAD"

// x-amz-content-sha256 values announcing an aws-chunked body.
const (
	StreamingSigned          = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	StreamingSignedTrailer   = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	StreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)
