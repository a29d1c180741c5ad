package s3api

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"signet/internal/meta"
	"signet/internal/storage"
)

// Versioning: PutBucketVersioning and GetBucketVersioning, version IDs on
// writes, delete markers, and reads and deletes of one version.

type versioningConfiguration struct {
	XMLName xml.Name `xml:"VersioningConfiguration"`
	NS      string   `xml:"xmlns,attr"`
	Status  string   `xml:"Status,omitempty"`
	// MFADelete is sent back only once versioning was configured, as S3
	// does; signet has no MFA devices, so it is always Disabled then.
	MFADelete string        `xml:"MfaDelete,omitempty"`
	Other     []bodyElement `xml:",any"`
}

// maxVersioningBody bounds a PutBucketVersioning body, which holds two
// short elements.
const maxVersioningBody = 4 << 10

// getBucketVersioning answers the bucket's state: an empty configuration
// before versioning was first enabled, as AWS answers.
func (a *API) getBucketVersioning(rq *request) error {
	b, err := a.requireBucket(rq)
	if err != nil {
		return err
	}
	out := versioningConfiguration{NS: s3NS, Status: string(b.Versioning)}
	return writeXML(rq.w, http.StatusOK, out)
}

func (a *API) putBucketVersioning(rq *request) error {
	if _, err := a.requireBucket(rq); err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(rq.res.Body, maxVersioningBody+1))
	if err != nil {
		return err
	}
	state, apiErr := parseVersioningConfiguration(data)
	if apiErr != nil {
		return apiErr
	}
	if err := a.cfg.Meta.SetBucketVersioning(rq.r.Context(), rq.bucket, state); err != nil {
		return noSuchBucket(err, rq.bucket)
	}
	setStatusNoBody(rq.w, http.StatusOK)
	return nil
}

// parseVersioningConfiguration reads a PutBucketVersioning body: Status
// Enabled or Suspended (absent is AWS's IllegalVersioningConfiguration),
// MfaDelete Disabled or absent (Enabled is refused: signet has no MFA
// devices), nothing else.
func parseVersioningConfiguration(data []byte) (meta.Versioning, *apiError) {
	if len(data) > maxVersioningBody {
		return "", s3Err(codeMalformedXML)
	}
	var cfg versioningConfiguration
	if err := xml.NewDecoder(bytes.NewReader(data)).Decode(&cfg); err != nil {
		return "", s3Err(codeMalformedXML)
	}
	if err := refuseElements("PutBucketVersioning", cfg.Other); err != nil {
		return "", err
	}
	switch cfg.MFADelete {
	case "", "Disabled":
	case "Enabled":
		return "", notImplemented("MFA delete", "MfaDelete Enabled", "PutBucketVersioning")
	default:
		return "", s3Err(codeMalformedXML)
	}
	switch v := meta.Versioning(cfg.Status); v {
	case meta.VersioningEnabled, meta.VersioningSuspended:
		return v, nil
	case "":
		return "", s3Err(codeIllegalVersioningConfigurationException)
	}
	return "", s3Err(codeMalformedXML)
}

// newVersionID is an opaque, URL-safe version ID of 32 characters, as
// long as S3's, from 24 random bytes.
func newVersionID() string {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("s3api: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// versionFor is the VersionID a write in a bucket of this state makes.
func versionFor(state meta.Versioning) string {
	switch state {
	case meta.VersioningEnabled:
		return newVersionID()
	case meta.VersioningSuspended:
		return meta.NullVersion
	}
	return ""
}

// versionAttempts bounds the retries of a write that raced a change of
// its bucket's versioning state.
const versionAttempts = 3

// putVersioned stores obj as the version its bucket's state makes, setting
// obj.VersionID. The store refuses a VersionID that does not suit the
// state it sees, so the ID answered is always the ID stored.
func (a *API) putVersioned(ctx context.Context, obj *meta.Object, pre meta.Precondition) ([]storage.BlobID, error) {
	for attempt := 1; ; attempt++ {
		b, err := a.cfg.Meta.GetBucket(ctx, obj.Bucket)
		if err != nil {
			return nil, err
		}
		obj.VersionID = versionFor(b.Versioning)
		old, err := a.cfg.Meta.PutObject(ctx, *obj, pre)
		if errors.Is(err, meta.ErrVersioningChanged) && attempt < versionAttempts {
			continue
		}
		return old, err
	}
}

// completeVersioned is putVersioned for CompleteMultipartUpload: build's
// object gets the version ID.
func (a *API) completeVersioned(ctx context.Context, bucket, key, id string, build meta.CompleteFunc, pre meta.Precondition) (meta.Object, []storage.BlobID, error) {
	for attempt := 1; ; attempt++ {
		b, err := a.cfg.Meta.GetBucket(ctx, bucket)
		if err != nil {
			return meta.Object{}, nil, err
		}
		vid := versionFor(b.Versioning)
		versioned := func(u meta.Upload, parts map[int]meta.Part) (meta.Object, error) {
			o, err := build(u, parts)
			o.VersionID = vid
			return o, err
		}
		obj, freed, err := a.cfg.Meta.CompleteUpload(ctx, bucket, key, id, versioned, pre)
		if errors.Is(err, meta.ErrVersioningChanged) && attempt < versionAttempts {
			continue
		}
		return obj, freed, err
	}
}

// setVersionHeader sends x-amz-version-id for an object of a bucket whose
// versioning was ever enabled; S3 sends none for other buckets.
func setVersionHeader(h http.Header, id string) {
	if id != "" {
		h.Set("x-amz-version-id", id)
	}
}

// deleteCurrent is DeleteObject without a versionId: in a versioned bucket
// a delete marker becomes the key's newest version (its ID is returned);
// otherwise the key goes.
func (a *API) deleteCurrent(ctx context.Context, bucket, key string) (markerID string, freed []storage.BlobID, err error) {
	for attempt := 1; ; attempt++ {
		b, err := a.cfg.Meta.GetBucket(ctx, bucket)
		if err != nil {
			return "", nil, err
		}
		markerID = versionFor(b.Versioning)
		if markerID == "" {
			freed, err = a.cfg.Meta.DeleteObject(ctx, bucket, key)
		} else {
			freed, err = a.cfg.Meta.PutDeleteMarker(ctx, bucket, key, markerID, a.cfg.Clock.Now())
		}
		if errors.Is(err, meta.ErrVersioningChanged) && attempt < versionAttempts {
			continue
		}
		return markerID, freed, err
	}
}

// deleteVersion is DeleteObject with a versionId: that version goes for
// good. A version that does not exist is not an error, as for keys; the
// answer says whether the version removed was a delete marker.
func (a *API) deleteVersion(ctx context.Context, bucket, key, versionID string) (wasMarker bool, freed []storage.BlobID, err error) {
	gone, freed, err := a.cfg.Meta.DeleteObjectVersion(ctx, bucket, key, versionID)
	if errors.Is(err, meta.ErrNoSuchVersion) {
		return false, nil, nil
	}
	return gone.DeleteMarker, freed, err
}

// checkVersionID refuses a versionId the bucket cannot hold: in a bucket
// never versioned only null exists, and S3's own IDs are URL-safe text of
// at most 1024 bytes. Both are AWS's 400 InvalidArgument.
func checkVersionID(b meta.Bucket, id string) error {
	if id == "" {
		return s3Err(codeInvalidArgument).msg("Version id cannot be the empty string").
			with("ArgumentName", "versionId").with("ArgumentValue", id)
	}
	ok := id == meta.NullVersion || (b.Versioning != meta.Unversioned && id != "" && len(id) <= 1024 && urlSafe(id))
	if ok {
		return nil
	}
	return s3Err(codeInvalidArgument).msg("Invalid version id specified").
		with("ArgumentName", "versionId").with("ArgumentValue", id)
}

func urlSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// versionRecord reads the version a GET or HEAD names. done is false in a
// bucket never versioned, where the null version is the current object
// and the usual read answers. A delete marker cannot be read: S3 answers
// 405 with the marker's headers.
func (a *API) versionRecord(rq *request, id string) (obj meta.Object, done bool, err error) {
	b, err := a.requireBucket(rq)
	if err != nil {
		return obj, true, err
	}
	if err := checkVersionID(b, id); err != nil {
		return obj, true, err
	}
	if b.Versioning == meta.Unversioned {
		return obj, false, nil
	}
	obj, err = a.cfg.Meta.GetObjectVersion(rq.r.Context(), rq.bucket, rq.key, id)
	switch {
	case errors.Is(err, meta.ErrNoSuchKey), errors.Is(err, meta.ErrNoSuchVersion):
		if !a.allowed(rq, "s3:ListBucket", rq.bucket, "", false) {
			return obj, true, s3Err(codeAccessDenied)
		}
		return obj, true, s3Err(codeNoSuchVersion).with("Key", rq.key).with("VersionId", id)
	case err != nil:
		return obj, true, noSuchBucket(err, rq.bucket)
	case obj.DeleteMarker:
		h := rq.w.Header()
		h.Set("x-amz-delete-marker", "true")
		setVersionHeader(h, obj.VersionID)
		h.Set("Last-Modified", obj.LastModified.UTC().Format(http.TimeFormat))
		return obj, true, s3Err(codeMethodNotAllowed).with("Method", rq.r.Method).with("ResourceType", "DeleteMarker")
	}
	return obj, true, nil
}

// versionWriteErr maps a store's answer to a change of one version's tags
// or ACL, after versionRecord found the version: it went (deleted by ID
// in between) or became a delete marker only in a race, and the answers
// are those a read would have given then.
func versionWriteErr(rq *request, id string, err error) error {
	switch {
	case errors.Is(err, meta.ErrNoSuchKey), errors.Is(err, meta.ErrNoSuchVersion):
		return s3Err(codeNoSuchVersion).with("Key", rq.key).with("VersionId", id)
	case errors.Is(err, meta.ErrDeleteMarker):
		return s3Err(codeMethodNotAllowed).with("Method", rq.r.Method).with("ResourceType", "DeleteMarker")
	}
	return noSuchBucket(err, rq.bucket)
}

// markDeleted adds S3's delete-marker headers to a NoSuchKey answer when
// the key's newest version is a delete marker.
func (a *API) markDeleted(rq *request) {
	// Only a versioned bucket has markers; a dry run has no response.
	if b, err := a.cfg.Meta.GetBucket(rq.r.Context(), rq.bucket); err != nil || b.Versioning == meta.Unversioned || rq.w == nil {
		return
	}
	m, err := a.cfg.Meta.GetObjectVersion(rq.r.Context(), rq.bucket, rq.key, "")
	if err != nil || !m.DeleteMarker {
		return
	}
	h := rq.w.Header()
	h.Set("x-amz-delete-marker", "true")
	setVersionHeader(h, m.VersionID)
}

// copySourceVersion returns the versionId x-amz-copy-source names, if any.
func copySourceVersion(v string) (string, bool) {
	_, q, ok := strings.Cut(v, "?")
	if !ok {
		return "", false
	}
	vals, err := url.ParseQuery(q)
	if err != nil || !vals.Has("versionId") {
		return "", false
	}
	return vals.Get("versionId"), true
}

// copySourceVersion reads the named version of a copy's source, as a GET
// with versionId does; a delete marker is no source, as on AWS.
func (a *API) copySourceVersion(rq *request, bucket, key, id string) (meta.Object, error) {
	if !a.allowed(rq, "s3:GetObjectVersion", bucket, key, true) {
		return meta.Object{}, s3Err(codeAccessDenied)
	}
	b, err := a.cfg.Meta.GetBucket(rq.r.Context(), bucket)
	if err != nil {
		return meta.Object{}, noSuchBucket(err, bucket)
	}
	if err := checkVersionID(b, id); err != nil {
		return meta.Object{}, err
	}
	src, err := a.cfg.Meta.GetObjectVersion(rq.r.Context(), bucket, key, id)
	switch {
	case errors.Is(err, meta.ErrNoSuchKey) && b.Versioning == meta.Unversioned:
		return src, s3Err(codeNoSuchKey).with("Key", key)
	case errors.Is(err, meta.ErrNoSuchKey), errors.Is(err, meta.ErrNoSuchVersion):
		return src, s3Err(codeNoSuchVersion).with("Key", key).with("VersionId", id)
	case err != nil:
		return src, noSuchBucket(err, bucket)
	case src.DeleteMarker:
		return src, s3Err(codeInvalidRequest).msg("The source of a copy request may not specifically refer to a delete marker by version id.")
	}
	if b.Versioning == meta.Unversioned {
		src.VersionID = ""
	}
	if err := checkConditions(rq.r.Header, copyConditions, &src, s3Err(codePreconditionFailed)); err != nil {
		return src, err
	}
	return src, nil
}

// setCopySourceVersionHeader names the version a copy read, for a source
// in a bucket ever versioned.
func setCopySourceVersionHeader(h http.Header, src *meta.Object) {
	if src.VersionID != "" {
		h.Set("x-amz-copy-source-version-id", src.VersionID)
	}
}
