package s3api

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"

	"github.com/google/uuid"

	"signet/internal/lifecycle"
	"signet/internal/meta"
)

// BucketLifecycle stores bucket lifecycle configurations (documents in
// the canonical form of package lifecycle) and answers a bucket's parsed
// rules from a cache that its writes invalidate, for x-amz-expiration and
// the sweeper.
type BucketLifecycle interface {
	PutBucketLifecycle(ctx context.Context, bucket, doc string) error
	GetBucketLifecycle(ctx context.Context, bucket string) (string, error)
	DeleteBucketLifecycle(ctx context.Context, bucket string) error
	// BucketLifecycleRules is nil (and no error) for a bucket without a
	// configuration, meta.ErrNoSuchBucket for a missing bucket.
	BucketLifecycleRules(ctx context.Context, bucket string) (*lifecycle.Config, error)
}

// transitionMinSize is the x-amz-transition-default-minimum-object-size
// S3 answers by default. signet has no transitions, so the other value a
// request may ask for is refused (refuse.go) and this one is all there is.
const transitionMinSize = "all_storage_classes_128K"

// maxLifecycleElems and maxLifecycleItems bound a body's elements for
// readXML, generously for any document within lifecycle.MaxDocument.
const (
	maxLifecycleElems = lifecycle.MaxDocument / 4
	maxLifecycleItems = lifecycle.MaxDocument / 8
)

// putBucketLifecycle is PUT ?lifecycle: S3 answers 200 with an empty body.
func (a *API) putBucketLifecycle(rq *request) error {
	if a.cfg.Lifecycle == nil {
		return s3Err(codeNotImplemented)
	}
	if _, err := a.requireBucket(rq); err != nil {
		return err
	}
	body, err := readCheckedBody(rq, lifecycle.MaxDocument)
	if err != nil {
		return err
	}
	var d lifecycle.Document
	if err := readXML(bytes.NewReader(body), lifecycle.MaxDocument, maxLifecycleElems, maxLifecycleItems, &d); err != nil {
		return err
	}
	cfg, err := lifecycle.Validate(&d)
	if err != nil {
		return lifecycleConfigError(err)
	}
	cfg.FillIDs(newRuleID(cfg))
	doc, err := cfg.Marshal()
	if err != nil {
		return err
	}
	if err := a.cfg.Lifecycle.PutBucketLifecycle(rq.r.Context(), rq.bucket, doc); err != nil {
		return noSuchBucket(err, rq.bucket)
	}
	rq.w.Header().Set("x-amz-transition-default-minimum-object-size", transitionMinSize)
	setStatusNoBody(rq.w, http.StatusOK)
	return nil
}

// lifecycleConfigError maps package lifecycle's refusals to S3's codes.
func lifecycleConfigError(err error) error {
	var ae *lifecycle.ArgumentError
	var re *lifecycle.RequestError
	switch {
	case errors.Is(err, lifecycle.ErrMalformed):
		return s3Err(codeMalformedXML)
	case errors.Is(err, lifecycle.ErrStorageClass):
		return s3Err(codeInvalidStorageClass)
	case errors.As(err, &ae):
		e := s3Err(codeInvalidArgument).msg(ae.Message)
		if ae.Name != "" {
			e = e.with("ArgumentName", ae.Name).with("ArgumentValue", ae.Value)
		}
		return e
	case errors.As(err, &re):
		return s3Err(codeInvalidRequest).msg(re.Message)
	}
	return err
}

// newRuleID names a rule put without an ID, as S3 does: the base64 of a
// random UUID, never one of cfg's IDs.
func newRuleID(cfg *lifecycle.Config) func() string {
	return func() string {
		for {
			id := base64.StdEncoding.EncodeToString([]byte(uuid.NewString()))
			if !hasRuleID(cfg, id) {
				return id
			}
		}
	}
}

func hasRuleID(cfg *lifecycle.Config, id string) bool {
	for _, r := range cfg.Rules {
		if r.ID == id {
			return true
		}
	}
	return false
}

// getBucketLifecycle is GET ?lifecycle: the configuration as stored, in
// S3's namespace.
func (a *API) getBucketLifecycle(rq *request) error {
	if a.cfg.Lifecycle == nil {
		return s3Err(codeNotImplemented)
	}
	if _, err := a.requireBucket(rq); err != nil {
		return err
	}
	doc, err := a.cfg.Lifecycle.GetBucketLifecycle(rq.r.Context(), rq.bucket)
	if errors.Is(err, meta.ErrNoSuchLifecycleConfiguration) {
		return s3Err(codeNoSuchLifecycleConfiguration).with("BucketName", rq.bucket)
	}
	if err != nil {
		return noSuchBucket(err, rq.bucket)
	}
	cfg, err := lifecycle.Parse(doc)
	if err != nil {
		return err
	}
	rq.w.Header().Set("x-amz-transition-default-minimum-object-size", transitionMinSize)
	return writeXML(rq.w, http.StatusOK, cfg.Document(s3NS))
}

// deleteBucketLifecycle is DELETE ?lifecycle: 204, with or without a
// configuration.
func (a *API) deleteBucketLifecycle(rq *request) error {
	if a.cfg.Lifecycle == nil {
		return s3Err(codeNotImplemented)
	}
	if _, err := a.requireBucket(rq); err != nil {
		return err
	}
	if err := a.cfg.Lifecycle.DeleteBucketLifecycle(rq.r.Context(), rq.bucket); err != nil {
		return noSuchBucket(err, rq.bucket)
	}
	rq.w.WriteHeader(http.StatusNoContent)
	return nil
}

// setExpirationHeader sends x-amz-expiration on a PutObject, or a read of
// a current version, that an Expiration rule will expire, as S3 does:
// when and by which rule, the rule's ID URL-encoded. A configuration that
// cannot be read costs the header, not the request.
func (a *API) setExpirationHeader(rq *request, obj *meta.Object) {
	if a.cfg.Lifecycle == nil {
		return
	}
	if _, byVersion := rq.query["versionId"]; byVersion && !obj.IsLatest {
		return
	}
	cfg, err := a.cfg.Lifecycle.BucketLifecycleRules(rq.r.Context(), rq.bucket)
	if err != nil || cfg == nil {
		return
	}
	at, ruleID, ok := cfg.Expiry(lifecycleObject(obj), obj.LastModified)
	if !ok {
		return
	}
	rq.w.Header().Set("x-amz-expiration", `expiry-date="`+at.UTC().Format(http.TimeFormat)+`", rule-id="`+url.PathEscape(ruleID)+`"`)
}

// lifecycleObject is what a lifecycle filter sees of an object.
func lifecycleObject(obj *meta.Object) lifecycle.Object {
	o := lifecycle.Object{Key: obj.Key, Size: obj.Size}
	for _, t := range obj.Tags {
		o.Tags = append(o.Tags, lifecycle.Tag{Key: t.Key, Value: t.Value})
	}
	return o
}

// setAbortHeaders sends x-amz-abort-date and x-amz-abort-rule-id on a
// CreateMultipartUpload that an AbortIncompleteMultipartUpload rule will
// abort, as S3 does.
func (a *API) setAbortHeaders(rq *request, u *meta.Upload) {
	if a.cfg.Lifecycle == nil {
		return
	}
	cfg, err := a.cfg.Lifecycle.BucketLifecycleRules(rq.r.Context(), rq.bucket)
	if err != nil || cfg == nil {
		return
	}
	if at, ruleID, ok := cfg.AbortDue(u.Key, u.Initiated); ok {
		rq.w.Header().Set("x-amz-abort-date", at.UTC().Format(http.TimeFormat))
		rq.w.Header().Set("x-amz-abort-rule-id", ruleID)
	}
}
