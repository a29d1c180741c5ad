package s3api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"signet/internal/meta"
	"signet/internal/policy"
)

// maxBucketPolicy is S3's bucket policy size limit.
const maxBucketPolicy = 20 * 1024

func (a *API) getBucketPolicy(rq *request) error {
	if a.cfg.Policies == nil {
		return s3Err(codeNotImplemented)
	}
	ctx := rq.r.Context()
	if _, err := a.cfg.Meta.GetBucket(ctx, rq.bucket); err != nil {
		return err
	}
	doc, err := a.cfg.Policies.GetBucketPolicy(ctx, rq.bucket)
	if errors.Is(err, meta.ErrNoSuchBucketPolicy) {
		return s3Err(codeNoSuchBucketPolicy).with("BucketName", rq.bucket)
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

func (a *API) putBucketPolicy(rq *request) error {
	if a.cfg.Policies == nil {
		return s3Err(codeNotImplemented)
	}
	ctx := rq.r.Context()
	if _, err := a.cfg.Meta.GetBucket(ctx, rq.bucket); err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(rq.res.Body, maxBucketPolicy+1))
	if err != nil {
		return err
	}
	if err := checkBucketPolicy(body, rq.bucket); err != nil {
		return err
	}
	if err := a.blockPublicPolicy(rq, body); err != nil {
		return err
	}
	if err := a.cfg.Policies.PutBucketPolicy(ctx, rq.bucket, string(body)); err != nil {
		if errors.Is(err, policy.ErrInvalidPrincipal) {
			// A user or role ARN that names no one: S3 will not bind a
			// grant to whoever takes the name later.
			return s3Err(codeMalformedPolicy).msg("Invalid principal in policy")
		}
		return err
	}
	rq.w.WriteHeader(http.StatusNoContent)
	return nil
}

// checkBucketPolicy decides whether body may become bucket's policy: at
// most maxBucketPolicy bytes, a valid resource policy, and about this
// bucket only. Every refusal is MalformedPolicy with the reason.
func checkBucketPolicy(body []byte, bucket string) error {
	if len(body) > maxBucketPolicy {
		return s3Err(codeMalformedPolicy).msg("Policy exceeds the maximum allowed document size.")
	}
	if _, err := policy.Parse(policy.Resource, body); err != nil {
		msg := strings.TrimPrefix(err.Error(), policy.ErrMalformed.Error()+": ")
		if !strings.HasPrefix(strings.TrimSpace(string(body)), "{") {
			return s3Err(codeMalformedPolicy)
		}
		if errors.Is(err, policy.ErrMalformed) {
			return s3Err(codeMalformedPolicy).msg(msg)
		}
		return err
	}
	if r, outside := resourceOutside(body, bucket); outside {
		return s3Err(codeMalformedPolicy).msg("Policy has invalid resource").with("Resource", r)
	}
	return nil
}

func (a *API) deleteBucketPolicy(rq *request) error {
	if a.cfg.Policies == nil {
		return s3Err(codeNotImplemented)
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

// resourceOutside returns the first Resource or NotResource of a bucket
// policy (already parsed as valid) that can name nothing in bucket: S3
// refuses such a policy with "Policy has invalid resource", since a
// bucket's policy governs that bucket and its objects only. Wildcards in
// the bucket part are matched against the bucket's name.
func resourceOutside(doc []byte, bucket string) (string, bool) {
	var d struct {
		Statement json.RawMessage
	}
	if json.Unmarshal(doc, &d) != nil {
		return "", false
	}
	var stmts []map[string]json.RawMessage
	if json.Unmarshal(d.Statement, &stmts) != nil {
		var one map[string]json.RawMessage
		if json.Unmarshal(d.Statement, &one) != nil {
			return "", false
		}
		stmts = append(stmts, one)
	}
	for _, st := range stmts {
		for _, field := range []string{"Resource", "NotResource"} {
			raw, ok := st[field]
			if !ok {
				continue
			}
			var list []string
			if json.Unmarshal(raw, &list) != nil {
				var one string
				if json.Unmarshal(raw, &one) != nil {
					continue
				}
				list = []string{one}
			}
			for _, r := range list {
				if !inBucket(r, bucket) {
					return r, true
				}
			}
		}
	}
	return "", false
}

// inBucket reports whether the resource pattern r can match bucket's ARN
// or an object ARN in it.
func inBucket(r, bucket string) bool {
	if r == "*" {
		return true
	}
	rest, ok := strings.CutPrefix(r, "arn:aws:s3:::")
	if !ok {
		return false
	}
	name, _, _ := strings.Cut(rest, "/")
	return globMatch(name, bucket)
}

// globMatch matches s against pattern, where * is any run of characters
// and ? any one character, as in IAM resource patterns.
func globMatch(pattern, s string) bool {
	// Iterative matching with one backtrack point: linear in practice,
	// never exponential on hostile patterns.
	p, i, star, mark := 0, 0, -1, 0
	for i < len(s) {
		// A '*' is a wildcard even where s holds a '*': test it first.
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case star >= 0:
			p, mark = star+1, mark+1
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
