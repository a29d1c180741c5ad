package metatest

import (
	"testing"

	"signet/internal/meta"
)

// testVersionTagsAndACL: PutObjectVersionTags and SetObjectVersionACL
// change only the version they name. An old version's change leaves the
// current object alone and stays with that version; the current one's
// reaches GetObject too. Missing keys, versions and delete markers are
// refused with the store's sentinels.
func testVersionTagsAndACL(t *testing.T, s meta.Store) {
	ctx := t.Context()
	acl := &meta.ACL{Grants: []meta.Grant{{Type: meta.GranteeGroup, URI: meta.GroupAllUsers, Permission: meta.PermRead}}}
	mkBucket(t, s, "b")
	put(t, s, object("b", "k", "b0"))

	// A bucket never versioned: null is the object itself.
	wantErr(t, "never versioned, other ID", s.PutObjectVersionTags(ctx, "b", "k", "v9", tagsA), meta.ErrNoSuchVersion)
	wantErr(t, "never versioned, missing key", s.SetObjectVersionACL(ctx, "b", "nokey", meta.NullVersion, acl), meta.ErrNoSuchKey)
	if err := s.PutObjectVersionTags(ctx, "b", "k", meta.NullVersion, tagsA); err != nil {
		t.Fatal(err)
	}
	if o, err := s.GetObject(ctx, "b", "k"); err != nil || !sameTags(o.Tags, tagsA) {
		t.Errorf("never versioned, null tagged: %+v, %v", o, err)
	}

	setVersioning(t, s, "b", meta.VersioningEnabled)
	vput(t, s, "b", "k", "v1", "b1")
	errCases := []struct {
		what, bucket, key, id string
		want                  error
	}{
		{"missing bucket", "nob", "k", "v1", meta.ErrNoSuchBucket},
		{"missing key", "b", "nokey", "v1", meta.ErrNoSuchKey},
		{"empty key", "b", "", "v1", meta.ErrNoSuchKey},
		{"missing version", "b", "k", "v9", meta.ErrNoSuchVersion},
		{"empty version ID", "b", "k", "", meta.ErrNoSuchVersion},
	}
	for _, c := range errCases {
		wantErr(t, "PutObjectVersionTags "+c.what, s.PutObjectVersionTags(ctx, c.bucket, c.key, c.id, tagsB), c.want)
		wantErr(t, "SetObjectVersionACL "+c.what, s.SetObjectVersionACL(ctx, c.bucket, c.key, c.id, acl), c.want)
	}

	// The old null version: the current one (v1) is untouched.
	if err := s.PutObjectVersionTags(ctx, "b", "k", meta.NullVersion, tagsB); err != nil {
		t.Fatal(err)
	}
	if err := s.SetObjectVersionACL(ctx, "b", "k", meta.NullVersion, acl); err != nil {
		t.Fatal(err)
	}
	check := func(what string, o meta.Object, err error, tags []meta.Tag, public bool) {
		t.Helper()
		if err != nil || !sameTags(o.Tags, tags) || o.ACL.Public() != public {
			t.Errorf("%s: %+v, %v; want tags %+v, public ACL %v", what, o, err, tags, public)
		}
	}
	o, err := s.GetObjectVersion(ctx, "b", "k", meta.NullVersion)
	check("null version changed", o, err, tagsB, true)
	if want := object("b", "k", "b0"); o.ETag != want.ETag || o.Size != want.Size || !o.LastModified.Equal(want.LastModified) {
		t.Errorf("null version's record changed beyond tags and ACL: %+v", o)
	}
	o, err = s.GetObject(ctx, "b", "k")
	check("current untouched", o, err, nil, false)

	// The current version by ID: GetObject sees it at once.
	if err := s.PutObjectVersionTags(ctx, "b", "k", "v1", tagsA); err != nil {
		t.Fatal(err)
	}
	if err := s.SetObjectVersionACL(ctx, "b", "k", "v1", acl); err != nil {
		t.Fatal(err)
	}
	o, err = s.GetObject(ctx, "b", "k")
	check("current by ID", o, err, tagsA, true)

	// A delete marker has nothing to change; the versions under it keep
	// theirs, and the null one becomes current again with its own.
	if _, err := s.PutDeleteMarker(ctx, "b", "k", "m1", o.LastModified); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "tags of a delete marker", s.PutObjectVersionTags(ctx, "b", "k", "m1", tagsA), meta.ErrDeleteMarker)
	wantErr(t, "ACL of a delete marker", s.SetObjectVersionACL(ctx, "b", "k", "m1", nil), meta.ErrDeleteMarker)
	if err := s.PutObjectVersionTags(ctx, "b", "k", "v1", nil); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"m1", "v1"} {
		if _, _, err := s.DeleteObjectVersion(ctx, "b", "k", id); err != nil {
			t.Fatal(err)
		}
	}
	o, err = s.GetObject(ctx, "b", "k")
	check("null current again", o, err, tagsB, true)
	checkBlobs(t, "blobs", walk(t, s), ids("b0"))
}
