package s3api

import (
	"bytes"
	"net/http"
	"strings"

	"signet/internal/checksum"
)

// checksumPlan is the flexible checksum a client asked the server to check
// for an upload: the algorithm and where the expected value comes from.
type checksumPlan struct {
	alg      checksum.Algorithm // "" when none was asked for
	expected []byte             // from the x-amz-checksum-<alg> header
	trailer  bool               // the value arrives as an aws-chunked trailer
}

// checksumHeaderNames are the x-amz-checksum-* headers that are not a
// checksum value.
var checksumHeaderNames = map[string]bool{
	"x-amz-checksum-type": true, "x-amz-checksum-algorithm": true, "x-amz-checksum-mode": true,
}

// parseChecksumPlan reads x-amz-checksum-<alg>, x-amz-trailer and
// x-amz-sdk-checksum-algorithm (reference §2.5: SDKs send the value as a
// header over HTTP and as a trailer over HTTPS; an algorithm with neither is
// a 400).
func parseChecksumPlan(h http.Header) (checksumPlan, error) {
	var p checksumPlan
	for name, vals := range h {
		lower := strings.ToLower(name)
		if !strings.HasPrefix(lower, "x-amz-checksum-") || checksumHeaderNames[lower] {
			continue
		}
		alg, ok := checksum.FromHeaderName(lower)
		if !ok {
			return p, s3Err(codeInvalidRequest).msg("The algorithm type you specified in " + lower + " header is invalid.")
		}
		if p.alg != "" {
			return p, s3Err(codeInvalidRequest).msg("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
		}
		sum, err := checksum.Decode(alg, vals[0])
		if err != nil {
			return p, s3Err(codeInvalidRequest).msg("Value for " + lower + " header is invalid.")
		}
		p.alg, p.expected = alg, sum
	}
	for _, t := range strings.Split(h.Get("x-amz-trailer"), ",") {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" {
			continue
		}
		alg, ok := checksum.FromHeaderName(t)
		if !ok {
			return p, s3Err(codeInvalidRequest).msg("The value specified in the x-amz-trailer header is not supported")
		}
		if p.alg != "" && p.alg != alg {
			return p, s3Err(codeInvalidRequest).msg("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
		}
		p.alg, p.trailer = alg, true
	}
	if sdk := h.Get("x-amz-sdk-checksum-algorithm"); sdk != "" {
		alg, ok := checksum.Parse(sdk)
		if !ok {
			return p, s3Err(codeInvalidRequest).msg("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
		}
		if p.alg == "" {
			return p, s3Err(codeInvalidRequest).msg("x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.")
		}
		if alg != p.alg {
			return p, s3Err(codeInvalidRequest).msg("Value for x-amz-sdk-checksum-algorithm header is invalid.")
		}
	}
	return p, nil
}

// verify compares the computed sum with what the client sent, reading a
// trailer value once the body is at EOF.
func (p checksumPlan) verify(got []byte, trailers func() map[string]string) error {
	if p.alg == "" {
		return nil
	}
	want := p.expected
	if p.trailer {
		var tr map[string]string
		if trailers != nil {
			tr = trailers()
		}
		v, ok := tr[p.alg.HeaderName()]
		if !ok {
			return s3Err(codeMalformedTrailerError)
		}
		sum, err := checksum.Decode(p.alg, v)
		if err != nil {
			return s3Err(codeInvalidRequest).msg("Value for " + p.alg.HeaderName() + " trailing header is invalid.")
		}
		want = sum
	}
	if !bytes.Equal(want, got) {
		return errChecksumMismatch()
	}
	return nil
}

// errChecksumMismatch is BadDigest in its flexible-checksum wording
// (reference §0 rule 19).
func errChecksumMismatch() *apiError {
	return s3Err(codeBadDigest).msg("The Content-MD5 or checksum value that you specified did not match what the server received.")
}

// setChecksumHeaders writes x-amz-checksum-<alg> and x-amz-checksum-type for
// stored checksums.
func setChecksumHeaders(h http.Header, sums map[string]string, typ string) {
	for _, alg := range checksum.Algorithms {
		if v, ok := sums[string(alg)]; ok {
			h.Set(alg.HeaderName(), v)
		}
	}
	if len(sums) > 0 && typ != "" {
		h.Set("x-amz-checksum-type", typ)
	}
}
