package s3api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"signet/internal/lifecycle"
	"signet/internal/meta"
)

// SweepResult counts what one lifecycle sweep did.
type SweepResult struct {
	// Buckets is the number of buckets with a lifecycle configuration.
	Buckets              int
	UploadsAborted       int
	ObjectsExpired       int
	VersionsExpired      int
	DeleteMarkersRemoved int
}

// sweepPage is how many entries a sweep lists at a time.
const sweepPage = 1000

// sweeper names the lifecycle sweep in log lines.
var sweeper = slog.String("by", "lifecycle")

// SweepLifecycle applies every bucket's lifecycle rules once, at the time
// the API's clock says now (so a moved dev clock moves it too): it aborts
// uploads past DaysAfterInitiation, expires current versions (a delete
// marker in a versioned or suspended bucket, as DeleteObject makes),
// removes noncurrent versions past NoncurrentDays and delete markers left
// alone. It acts through the same store calls as AbortMultipartUpload and
// DeleteObject, and frees blobs as they do. A bucket that fails does not
// stop the others; the errors are joined.
func (a *API) SweepLifecycle(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	if a.cfg.Lifecycle == nil {
		return res, nil
	}
	now := a.cfg.Clock.Now()
	buckets, err := a.cfg.Meta.ListBuckets(ctx)
	if err != nil {
		return res, err
	}
	var errs []error
	for _, b := range buckets {
		cfg, err := a.cfg.Lifecycle.BucketLifecycleRules(ctx, b.Name)
		if errors.Is(err, meta.ErrNoSuchBucket) || (err == nil && cfg == nil) {
			continue
		}
		if err == nil {
			res.Buckets++
			err = a.sweepBucket(ctx, b, cfg, now, &res)
		}
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		if err != nil && !errors.Is(err, meta.ErrNoSuchBucket) {
			errs = append(errs, fmt.Errorf("lifecycle of bucket %s: %w", b.Name, err))
		}
	}
	return res, errors.Join(errs...)
}

// sweepBucket lists, for each kind of work, only the prefixes of the
// rules that do it.
func (a *API) sweepBucket(ctx context.Context, b meta.Bucket, cfg *lifecycle.Config, now time.Time, res *SweepResult) error {
	for _, p := range cfg.Prefixes(lifecycle.Uploads) {
		if err := a.sweepUploads(ctx, b.Name, p, cfg, now, res); err != nil {
			return err
		}
	}
	for _, p := range cfg.Prefixes(lifecycle.Current) {
		if err := a.sweepCurrent(ctx, b.Name, p, cfg, now, res); err != nil {
			return err
		}
	}
	if b.Versioning == meta.Unversioned {
		return nil
	}
	for _, p := range cfg.Prefixes(lifecycle.Versions) {
		if err := a.sweepVersions(ctx, b.Name, p, cfg, now, res); err != nil {
			return err
		}
	}
	return nil
}

// sweepUploads aborts the uploads that are due. An upload whose marker
// the next page would start from may be gone by then; the listing then
// resumes after its key, and what it skipped is the next sweep's.
func (a *API) sweepUploads(ctx context.Context, bucket, prefix string, cfg *lifecycle.Config, now time.Time, res *SweepResult) error {
	q := meta.UploadQuery{Prefix: prefix, MaxUploads: sweepPage}
	for {
		page, err := a.cfg.Meta.ListUploads(ctx, bucket, q)
		if err != nil {
			return err
		}
		for _, u := range page.Uploads {
			if at, _, ok := cfg.AbortDue(u.Key, u.Initiated); !ok || now.Before(at) {
				continue
			}
			blobs, err := a.cfg.Meta.AbortUpload(ctx, bucket, u.Key, u.ID)
			if errors.Is(err, meta.ErrNoSuchUpload) {
				continue // completed or aborted since it was listed
			}
			if err != nil {
				return err
			}
			a.freeBlobs(ctx, sweeper, blobs)
			res.UploadsAborted++
		}
		if !page.IsTruncated {
			return nil
		}
		q.KeyMarker, q.UploadIDMarker = page.NextKeyMarker, page.NextUploadIDMarker
	}
}

// sweepCurrent expires the current versions that are due, as DeleteObject
// without a versionId would: the key goes, or gets a delete marker.
func (a *API) sweepCurrent(ctx context.Context, bucket, prefix string, cfg *lifecycle.Config, now time.Time, res *SweepResult) error {
	q := meta.ListQuery{Prefix: prefix, MaxKeys: sweepPage}
	for {
		page, err := a.cfg.Meta.ListObjects(ctx, bucket, q)
		if err != nil {
			return err
		}
		for i := range page.Objects {
			obj := &page.Objects[i]
			if at, _, ok := cfg.Expiry(lifecycleObject(obj), obj.LastModified); !ok || now.Before(at) {
				continue
			}
			expired, err := a.expireCurrent(ctx, obj)
			if err != nil {
				return err
			}
			if expired {
				res.ObjectsExpired++
			}
		}
		if !page.IsTruncated {
			return nil
		}
		q.After = page.NextAfter
	}
}

// expireCurrent deletes obj's key if it still holds obj: an object
// written since the listing is not the one that expired. (The check and
// the delete are two steps; a write landing between them is the narrow
// window the store's DeleteObject, which takes no precondition, leaves.)
func (a *API) expireCurrent(ctx context.Context, obj *meta.Object) (bool, error) {
	now, err := a.cfg.Meta.GetObject(ctx, obj.Bucket, obj.Key)
	if errors.Is(err, meta.ErrNoSuchKey) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if now.VersionID != obj.VersionID || now.ETag != obj.ETag || !now.LastModified.Equal(obj.LastModified) {
		return false, nil
	}
	_, blobs, err := a.deleteCurrent(ctx, obj.Bucket, obj.Key)
	if err != nil {
		return false, err
	}
	a.freeBlobs(ctx, sweeper, blobs)
	return true, nil
}

// versionGone is one version the sweep removes: a noncurrent version, or
// a delete marker with no version behind it.
type versionGone struct {
	key, id  string
	modified time.Time
	// lone: a current delete marker with no version behind it.
	lone bool
}

// sweepVersions removes noncurrent versions and lone delete markers that
// are due. It lists first and deletes after, since a version marker the
// listing resumes from must still exist.
func (a *API) sweepVersions(ctx context.Context, bucket, prefix string, cfg *lifecycle.Config, now time.Time, res *SweepResult) error {
	var gone []versionGone
	var key string
	var newerModified time.Time
	var noncurrent int // noncurrent versions of key seen so far
	var lone *meta.Object
	flushLone := func() {
		if lone != nil && lone.DeleteMarker && cfg.RemovesExpiredDeleteMarker(lone.Key) {
			gone = append(gone, versionGone{lone.Key, lone.VersionID, lone.LastModified, true})
		}
		lone = nil
	}
	q := meta.VersionQuery{Prefix: prefix, MaxKeys: sweepPage}
	for {
		page, err := a.cfg.Meta.ListObjectVersions(ctx, bucket, q)
		if err != nil {
			return err
		}
		for i := range page.Versions {
			v := &page.Versions[i]
			if v.Key != key || v.IsLatest {
				flushLone()
				key, noncurrent = v.Key, 0
				if v.IsLatest {
					lone = v
				}
			} else {
				lone = nil // the latest version has one behind it
				if cfg.NoncurrentExpired(lifecycleObject(v), newerModified, noncurrent, now) {
					gone = append(gone, versionGone{v.Key, v.VersionID, v.LastModified, false})
				}
				noncurrent++
			}
			newerModified = v.LastModified
		}
		if !page.IsTruncated {
			break
		}
		q.KeyMarker, q.VersionIDMarker = page.NextKeyMarker, page.NextVersionIDMarker
	}
	flushLone()
	for _, g := range gone {
		if err := a.removeVersion(ctx, bucket, g, res); err != nil {
			return err
		}
	}
	return nil
}

// removeVersion deletes one version the listing found due, unless it
// changed since: a null version rewritten in a suspended bucket (now
// current, or newer), or a lone delete marker that is no longer alone.
func (a *API) removeVersion(ctx context.Context, bucket string, g versionGone, res *SweepResult) error {
	v, err := a.cfg.Meta.GetObjectVersion(ctx, bucket, g.key, g.id)
	if errors.Is(err, meta.ErrNoSuchKey) || errors.Is(err, meta.ErrNoSuchVersion) {
		return nil
	}
	if err != nil {
		return err
	}
	if !v.LastModified.Equal(g.modified) || v.IsLatest != g.lone {
		return nil
	}
	if g.lone {
		// Still alone: the newest version, and nothing behind it.
		page, err := a.cfg.Meta.ListObjectVersions(ctx, bucket, meta.VersionQuery{Prefix: g.key, KeyMarker: "", MaxKeys: 2})
		if err != nil {
			return err
		}
		if n := countKey(page.Versions, g.key); n != 1 {
			return nil
		}
	}
	_, blobs, err := a.cfg.Meta.DeleteObjectVersion(ctx, bucket, g.key, g.id)
	if errors.Is(err, meta.ErrNoSuchVersion) {
		return nil
	}
	if err != nil {
		return err
	}
	a.freeBlobs(ctx, sweeper, blobs)
	if g.lone {
		res.DeleteMarkersRemoved++
	} else {
		res.VersionsExpired++
	}
	return nil
}

func countKey(vs []meta.Object, key string) int {
	n := 0
	for _, v := range vs {
		if v.Key == key {
			n++
		}
	}
	return n
}
