package s3api

import (
	"bytes"
	"io"

	"signet/internal/access"
)

// maxCreateBucketBody is the largest CreateBucket body: one byte more is
// read to find its LocationConstraint, and createBucket refuses it.
const maxCreateBucketBody = 64 << 10

// withBodyConditions attaches the condition keys AWS reads from a request
// body before the Authorizer sees the request: for CreateBucket,
// s3:locationconstraint. The body is read here and handed back to the
// handler unchanged, read error included.
func withBodyConditions(rq *request, action string) {
	if action != "s3:CreateBucket" || rq.res == nil || rq.res.Body == nil {
		return
	}
	data, err := io.ReadAll(io.LimitReader(rq.res.Body, maxCreateBucketBody+1))
	var rest io.Reader = bytes.NewReader(data)
	if err != nil {
		rest = io.MultiReader(rest, errReader{err})
	}
	rq.res.Body = rest
	if err != nil {
		return
	}
	cfg, err := parseCreateBucketConfiguration(data)
	if err != nil || cfg.LocationConstraint == "" {
		return
	}
	ctx := access.WithConditions(rq.r.Context(), map[string][]string{"s3:locationconstraint": {cfg.LocationConstraint}})
	rq.r = rq.r.WithContext(ctx)
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
