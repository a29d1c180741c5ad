package s3api

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"hash"
	"io"
	"log/slog"
	"net/http"

	"signet/internal/checksum"
	"signet/internal/storage"
)

// Size limits (reference §0 rule 24, §8.6).
const (
	maxPutSize  = 5 << 30 // single PUT, single part, copy source
	minPartSize = 5 << 20 // every part but the last
	maxParts    = 10000
)

// ingested is a body written to a new blob that passed every check.
type ingested struct {
	blob storage.BlobID
	size int64
	md5  []byte
	alg  checksum.Algorithm // "" when no flexible checksum was computed
	sum  []byte             // raw digest for alg
}

// errTooLarge stops a body of unknown length once it passes the limit.
var errTooLarge = errors.New("s3api: body exceeds the size limit")

// hashingReader hashes and counts what the blob engine reads, and keeps the
// body's own error so it can be told apart from a storage failure.
type hashingReader struct {
	r   io.Reader
	md5 hash.Hash
	sum hash.Hash // nil without a flexible checksum
	n   int64
	max int64
	err error
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if n > 0 {
		h.md5.Write(p[:n])
		if h.sum != nil {
			h.sum.Write(p[:n])
		}
		h.n += int64(n)
		if h.n > h.max {
			h.err = errTooLarge
			return n, errTooLarge
		}
	}
	if err != nil && err != io.EOF {
		h.err = err
	}
	return n, err
}

// ingest streams the verified request body into a new blob while computing
// MD5 (the ETag) and the flexible checksum, then checks length, Content-MD5
// and checksum. On any failure the blob is gone when ingest returns, so
// nothing visible changes. want forces a checksum algorithm (a multipart
// upload's) when the client did not name one.
func (a *API) ingest(rq *request, max int64, want checksum.Algorithm) (ingested, error) {
	plan, err := parseChecksumPlan(rq.r.Header)
	if err != nil {
		return ingested{}, err
	}
	if want != "" && plan.alg != "" && plan.alg != want {
		return ingested{}, s3Err(codeInvalidRequest).msg("Checksum Type mismatch occurred, expected checksum Type: " +
			lowerASCII(string(want)) + ", actual checksum Type: " + lowerASCII(string(plan.alg)))
	}
	var contentMD5 []byte
	if v, ok := rq.r.Header["Content-Md5"]; ok {
		b, err := base64.StdEncoding.DecodeString(v[0])
		if err != nil || len(b) != md5.Size {
			return ingested{}, s3Err(codeInvalidDigest)
		}
		contentMD5 = b
	}
	declared := rq.res.DecodedLength
	if declared > max {
		return ingested{}, errEntityTooLarge(declared, max)
	}
	alg := plan.alg
	if alg == "" {
		alg = want
	}
	hr := &hashingReader{r: rq.res.Body, md5: md5.New(), max: max}
	if alg != "" {
		hr.sum = alg.New()
	}
	id, n, err := a.putBlob(rq, hr)
	if err != nil {
		if hr.err == errTooLarge {
			return ingested{}, errEntityTooLarge(hr.n, max)
		}
		if hr.err != nil {
			return ingested{}, hr.err
		}
		return ingested{}, err
	}
	if hr.err != nil {
		// The engine should have failed; never keep a blob of a body that
		// did not verify.
		a.deleteBlobs(rq, []storage.BlobID{id})
		return ingested{}, hr.err
	}
	in := ingested{blob: id, size: n, md5: hr.md5.Sum(nil), alg: alg}
	if hr.sum != nil {
		in.sum = hr.sum.Sum(nil)
	}
	if err := in.check(rq, declared, contentMD5, plan); err != nil {
		a.deleteBlobs(rq, []storage.BlobID{id})
		return ingested{}, err
	}
	return in, nil
}

func (in ingested) check(rq *request, declared int64, contentMD5 []byte, plan checksumPlan) error {
	if declared >= 0 && in.size < declared {
		return s3Err(codeIncompleteBody)
	}
	if contentMD5 != nil && string(contentMD5) != string(in.md5) {
		return s3Err(codeBadDigest)
	}
	return plan.verify(in.sum, rq.res.Trailers)
}

func errEntityTooLarge(proposed, max int64) *apiError {
	return s3Err(codeEntityTooLarge).with("ProposedSize", itoa(proposed)).with("MaxSizeAllowed", itoa(max))
}

// deleteBlobs removes blobs no longer referenced. It outlives a cancelled
// request (the commit already happened); a failure only leaves an orphan
// for start-up recovery, so it is logged, not returned.
func (a *API) deleteBlobs(rq *request, ids []storage.BlobID) {
	a.freeBlobs(rq.r.Context(), slog.String("request_id", rq.reqID), ids)
}

// freeBlobs is deleteBlobs for any caller (the lifecycle sweeper too),
// who names itself in the log line with by.
func (a *API) freeBlobs(ctx context.Context, by slog.Attr, ids []storage.BlobID) {
	ctx = context.WithoutCancel(ctx)
	for _, id := range ids {
		if err := a.cfg.Blobs.Delete(ctx, id); err != nil {
			a.log.LogAttrs(ctx, slog.LevelWarn, "s3api: blob delete failed",
				by, slog.String("blob", string(id)), slog.String("error", err.Error()))
		}
	}
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// setStatusNoBody finishes a bodiless success.
func setStatusNoBody(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(status)
}
