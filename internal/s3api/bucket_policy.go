package s3api

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"signet/internal/meta"
	"signet/internal/policy"
)

// maxBucketPolicy is S3's bucket policy size limit.
const maxBucketPolicy = 20 * 1024

func (a *api) getBucketPolicy(rq *request) error {
	if a.cfg.Policies == nil {
		return s3Err("NotImplemented")
	}
	ctx := rq.r.Context()
	if _, err := a.cfg.Meta.GetBucket(ctx, rq.bucket); err != nil {
		return err
	}
	doc, err := a.cfg.Policies.GetBucketPolicy(ctx, rq.bucket)
	if errors.Is(err, meta.ErrNoSuchBucketPolicy) {
		return s3Err("NoSuchBucketPolicy").with("BucketName", rq.bucket)
	}
	if err != nil {
		return err
	}
	rq.w.Header().Set("Content-Type", "application/json")
	rq.w.Header().Set("Content-Length", itoa(int64(len(doc))))
	rq.w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(rq.w, doc)
	return nil
}

func (a *api) putBucketPolicy(rq *request) error {
	if a.cfg.Policies == nil {
		return s3Err("NotImplemented")
	}
	ctx := rq.r.Context()
	if _, err := a.cfg.Meta.GetBucket(ctx, rq.bucket); err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(rq.res.Body, maxBucketPolicy+1))
	if err != nil {
		return err
	}
	if len(body) > maxBucketPolicy {
		return s3Err("MalformedPolicy").msg("Policy exceeds the maximum allowed document size.")
	}
	if _, err := policy.Parse(policy.Resource, body); err != nil {
		msg := strings.TrimPrefix(err.Error(), policy.ErrMalformed.Error()+": ")
		if !strings.HasPrefix(strings.TrimSpace(string(body)), "{") {
			return s3Err("MalformedPolicy")
		}
		if errors.Is(err, policy.ErrMalformed) {
			return s3Err("MalformedPolicy").msg(msg)
		}
		return err
	}
	if err := a.cfg.Policies.PutBucketPolicy(ctx, rq.bucket, string(body)); err != nil {
		return err
	}
	rq.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *api) deleteBucketPolicy(rq *request) error {
	if a.cfg.Policies == nil {
		return s3Err("NotImplemented")
	}
	ctx := rq.r.Context()
	if _, err := a.cfg.Meta.GetBucket(ctx, rq.bucket); err != nil {
		return err
	}
	if err := a.cfg.Policies.DeleteBucketPolicy(ctx, rq.bucket); err != nil {
		return err
	}
	rq.w.WriteHeader(http.StatusNoContent)
	return nil
}
