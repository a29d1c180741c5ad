package s3api

import (
	"bytes"
	"encoding/xml"
	"io"

	"signet/internal/access"
)

// maxCreateBucketBody is the most of a CreateBucket body read to find its
// LocationConstraint; createBucket refuses anything longer.
const maxCreateBucketBody = 64<<10 + 1

// withBodyConditions attaches the condition keys AWS reads from a request
// body before the Authorizer sees the request: for CreateBucket,
// s3:locationconstraint. The body is read here and handed back to the
// handler unchanged, read error included.
func withBodyConditions(rq *request, action string) {
	if action != "s3:CreateBucket" || rq.res == nil || rq.res.Body == nil {
		return
	}
	data, err := io.ReadAll(io.LimitReader(rq.res.Body, maxCreateBucketBody))
	var rest io.Reader = bytes.NewReader(data)
	if err != nil {
		rest = io.MultiReader(rest, errReader{err})
	}
	rq.res.Body = rest
	if err != nil {
		return
	}
	var cfg createBucketConfiguration
	if xml.Unmarshal(data, &cfg) != nil || cfg.LocationConstraint == "" {
		return
	}
	ctx := access.WithConditions(rq.r.Context(), map[string][]string{"s3:locationconstraint": {cfg.LocationConstraint}})
	rq.r = rq.r.WithContext(ctx)
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
