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
	if rq.res == nil || rq.res.Body == nil {
		return
	}
	switch action {
	case "s3:CreateBucket":
		withLocationConstraint(rq)
	case "s3:PutObjectTagging", "s3:PutObjectVersionTagging":
		withBodyTags(rq)
	}
}

// peekBody reads up to limit+1 bytes of the body and hands them back to
// the handler unchanged, read error included; ok is false on that error.
func peekBody(rq *request, limit int64) (data []byte, ok bool) {
	data, err := io.ReadAll(io.LimitReader(rq.res.Body, limit+1))
	var rest io.Reader = bytes.NewReader(data)
	if err != nil {
		rest = io.MultiReader(rest, errReader{err})
	}
	rq.res.Body = io.MultiReader(rest, rq.res.Body)
	return data, err == nil
}

// withBodyTags attaches s3:RequestObjectTag/<key> and
// s3:RequestObjectTagKeys from a PutObjectTagging body, where its tags
// are; a body the handler will refuse attaches nothing.
func withBodyTags(rq *request) {
	data, ok := peekBody(rq, maxTaggingBody)
	if !ok || len(data) > maxTaggingBody {
		return
	}
	tags, err := parseTaggingDoc(data, maxObjectTags)
	if err != nil || len(tags) == 0 {
		return
	}
	conds := map[string][]string{}
	keys := make([]string, 0, len(tags))
	for _, t := range tags {
		conds["s3:RequestObjectTag/"+t.Key] = []string{t.Value}
		keys = append(keys, t.Key)
	}
	conds["s3:RequestObjectTagKeys"] = keys
	rq.r = rq.r.WithContext(access.WithConditions(rq.r.Context(), conds))
}

func withLocationConstraint(rq *request) {
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
