package metatest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"signet/internal/meta"
	"signet/internal/storage"
)

// The versioning part of the suite: bucket states, versioned writes,
// delete markers, permanent deletes and ListObjectVersions.

// vput writes an object with a version ID and one blob.
func vput(t *testing.T, s meta.Store, bucket, key, id string, blob storage.BlobID) []storage.BlobID {
	t.Helper()
	o := object(bucket, key, blob)
	o.VersionID = id
	freed, err := s.PutObject(t.Context(), o, nil)
	if err != nil {
		t.Fatalf("PutObject(%q, %q, version %q): %v", bucket, key, id, err)
	}
	return freed
}

func setVersioning(t *testing.T, s meta.Store, bucket string, v meta.Versioning) {
	t.Helper()
	if err := s.SetBucketVersioning(t.Context(), bucket, v); err != nil {
		t.Fatalf("SetBucketVersioning(%q, %q): %v", bucket, v, err)
	}
}

// versionsOf lists every version of the bucket as "key@id" (with "!" for
// a delete marker and "*" for the latest), one page at a time of max.
func allVersions(t *testing.T, s meta.Store, bucket string, q meta.VersionQuery) []string {
	t.Helper()
	var out []string
	for range 10000 {
		p, err := s.ListObjectVersions(t.Context(), bucket, q)
		if err != nil {
			t.Fatalf("ListObjectVersions(%+v): %v", q, err)
		}
		if n := len(p.Versions) + len(p.CommonPrefixes); n > q.MaxKeys {
			t.Fatalf("page of %d entries, MaxKeys %d", n, q.MaxKeys)
		}
		out = append(out, pageEntries(p)...)
		if !p.IsTruncated {
			if p.NextKeyMarker != "" || p.NextVersionIDMarker != "" {
				t.Fatalf("markers on the last page: %+v", p)
			}
			return out
		}
		q.KeyMarker, q.VersionIDMarker = p.NextKeyMarker, p.NextVersionIDMarker
	}
	t.Fatal("version listing did not end")
	return nil
}

// pageEntries renders a page's entries in listing order: versions and
// prefixes merged by key (a prefix sorts with the keys it covers).
func pageEntries(p meta.VersionPage) []string {
	type entry struct{ key, s string }
	var es []entry
	for _, o := range p.Versions {
		s := o.Key + "@" + o.VersionID
		if o.DeleteMarker {
			s += "!"
		}
		if o.IsLatest {
			s += "*"
		}
		es = append(es, entry{o.Key, s})
	}
	for _, cp := range p.CommonPrefixes {
		es = append(es, entry{cp, cp + "/"})
	}
	slices.SortStableFunc(es, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.s
	}
	return out
}

func testVersioningState(t *testing.T, s meta.Store) {
	ctx := t.Context()
	mkBucket(t, s, "b")
	if b, err := s.GetBucket(ctx, "b"); err != nil || b.Versioning != meta.Unversioned {
		t.Fatalf("new bucket: %+v, %v; want Unversioned", b, err)
	}
	wantErr(t, "state Unversioned", s.SetBucketVersioning(ctx, "b", meta.Unversioned), meta.ErrInvalidArgument)
	wantErr(t, "state enabled", s.SetBucketVersioning(ctx, "b", "enabled"), meta.ErrInvalidArgument)
	wantErr(t, "missing bucket", s.SetBucketVersioning(ctx, "nope", meta.VersioningEnabled), meta.ErrNoSuchBucket)
	for _, v := range []meta.Versioning{meta.VersioningEnabled, meta.VersioningSuspended, meta.VersioningEnabled} {
		setVersioning(t, s, "b", v)
		if b, err := s.GetBucket(ctx, "b"); err != nil || b.Versioning != v || b.Region != "us-east-1" || !b.Created.Equal(t0) {
			t.Fatalf("after %s: %+v, %v", v, b, err)
		}
	}
	// A bucket created again under the name starts unversioned.
	setVersioning(t, s, "b", meta.VersioningSuspended)
	if _, err := s.DeleteBucket(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	mkBucket(t, s, "b")
	if b, _ := s.GetBucket(ctx, "b"); b.Versioning != meta.Unversioned {
		t.Fatalf("recreated bucket: %+v", b)
	}
	vput(t, s, "b", "k", "", "x")
}

func testVersionsNeverVersioned(t *testing.T, s meta.Store) {
	ctx := t.Context()
	mkBucket(t, s, "b")
	for _, k := range []string{"a", "d/1", "d/2", "e"} {
		put(t, s, object("b", k, storage.BlobID("blob-"+k)))
	}
	want := []string{"a@null*", "d//", "e@null*"}
	for _, max := range []int{1, 2, 1000} {
		if got := allVersions(t, s, "b", meta.VersionQuery{Delimiter: "/", MaxKeys: max}); !slices.Equal(got, want) {
			t.Errorf("max %d: %q, want %q", max, got, want)
		}
	}
	p, err := s.ListObjectVersions(ctx, "b", meta.VersionQuery{KeyMarker: "d/1", VersionIDMarker: meta.NullVersion, MaxKeys: 10})
	if err != nil || len(p.Versions) != 2 || p.Versions[0].Key != "d/2" {
		t.Errorf("after d/1's null version: %+v, %v", p, err)
	}
	_, err = s.ListObjectVersions(ctx, "b", meta.VersionQuery{KeyMarker: "a", VersionIDMarker: "v1", MaxKeys: 10})
	wantErr(t, "marker not null", err, meta.ErrInvalidArgument)
	_, err = s.ListObjectVersions(ctx, "b", meta.VersionQuery{VersionIDMarker: meta.NullVersion, MaxKeys: 10})
	wantErr(t, "version marker alone", err, meta.ErrInvalidArgument)
	_, err = s.ListObjectVersions(ctx, "nope", meta.VersionQuery{MaxKeys: 10})
	wantErr(t, "missing bucket", err, meta.ErrNoSuchBucket)

	o, err := s.GetObjectVersion(ctx, "b", "a", meta.NullVersion)
	if err != nil || o.VersionID != meta.NullVersion || !o.IsLatest || o.Segments[0].Blob != "blob-a" {
		t.Errorf("null version of a: %+v, %v", o, err)
	}
	_, err = s.GetObjectVersion(ctx, "b", "a", "v1")
	wantErr(t, "other version", err, meta.ErrNoSuchVersion)
	_, err = s.GetObjectVersion(ctx, "b", "zz", meta.NullVersion)
	wantErr(t, "missing key", err, meta.ErrNoSuchKey)
	_, err = s.PutDeleteMarker(ctx, "b", "a", "m1", at(1))
	wantErr(t, "marker in an unversioned bucket", err, meta.ErrVersioningChanged)
	wantErr(t, "versioned write to an unversioned bucket", func() error { _, err := s.PutObject(ctx, withVersion(object("b", "a", "z"), "v9"), nil); return err }(), meta.ErrVersioningChanged)

	gone, freed, err := s.DeleteObjectVersion(ctx, "b", "a", meta.NullVersion)
	if err != nil || gone.Key != "a" || gone.VersionID != meta.NullVersion {
		t.Fatalf("delete the null version: %+v, %v", gone, err)
	}
	checkBlobs(t, "freed by deleting a's null version", freed, ids("blob-a"))
	_, _, err = s.DeleteObjectVersion(ctx, "b", "a", meta.NullVersion)
	wantErr(t, "delete it again", err, meta.ErrNoSuchVersion)
}

func withVersion(o meta.Object, id string) meta.Object { o.VersionID = id; return o }

func testVersionedWrites(t *testing.T, s meta.Store) {
	ctx := t.Context()
	mkBucket(t, s, "b")
	put(t, s, object("b", "k", "b0"))
	setVersioning(t, s, "b", meta.VersioningEnabled)
	if o, err := s.GetObject(ctx, "b", "k"); err != nil || o.VersionID != meta.NullVersion {
		t.Fatalf("object written before versioning: %+v, %v; want the null version", o, err)
	}
	checkBlobs(t, "first version", vput(t, s, "b", "k", "v1", "b1"), nil)
	checkBlobs(t, "second version", vput(t, s, "b", "k", "v2", "b2"), nil)
	for _, bad := range []string{"", meta.NullVersion} {
		_, err := s.PutObject(ctx, withVersion(object("b", "k", "bx"), bad), nil)
		wantErr(t, "version ID "+bad+" in an Enabled bucket", err, meta.ErrVersioningChanged)
	}
	_, err := s.DeleteObject(ctx, "b", "k")
	wantErr(t, "DeleteObject in a versioned bucket", err, meta.ErrVersioningChanged)

	o, err := s.GetObject(ctx, "b", "k")
	if err != nil || o.VersionID != "v2" || o.Segments[0].Blob != "b2" {
		t.Fatalf("current: %+v, %v", o, err)
	}
	for id, blob := range map[string]storage.BlobID{"v1": "b1", "v2": "b2", meta.NullVersion: "b0"} {
		o, err := s.GetObjectVersion(ctx, "b", "k", id)
		if err != nil || o.VersionID != id || o.Segments[0].Blob != blob || o.IsLatest != (id == "v2") {
			t.Errorf("version %s: %+v, %v", id, o, err)
		}
	}
	_, err = s.GetObjectVersion(ctx, "b", "k", "v3")
	wantErr(t, "missing version", err, meta.ErrNoSuchVersion)
	if got, want := allVersions(t, s, "b", meta.VersionQuery{MaxKeys: 1}), []string{"k@v2*", "k@v1", "k@null"}; !slices.Equal(got, want) {
		t.Errorf("versions %q, want %q", got, want)
	}
	checkBlobs(t, "every version's blobs are referenced", walk(t, s), ids("b0", "b1", "b2"))

	// The precondition sees the current version.
	_, err = s.PutObject(ctx, withVersion(object("b", "k", "b3"), "v3"), func(ex *meta.Object) error {
		if ex == nil || ex.VersionID != "v2" {
			return fmt.Errorf("precondition saw %+v", ex)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testDeleteMarkers(t *testing.T, s meta.Store) {
	ctx := t.Context()
	mkBucket(t, s, "b")
	setVersioning(t, s, "b", meta.VersioningEnabled)
	vput(t, s, "b", "k", "v1", "b1")
	vput(t, s, "b", "k", "v2", "b2")
	vput(t, s, "b", "other", "v3", "b3")
	freed, err := s.PutDeleteMarker(ctx, "b", "k", "m1", at(5))
	if err != nil || len(freed) != 0 {
		t.Fatalf("PutDeleteMarker: %v, freed %q", err, freed)
	}
	_, err = s.PutDeleteMarker(ctx, "b", "k", meta.NullVersion, at(5))
	wantErr(t, "null marker in an Enabled bucket", err, meta.ErrVersioningChanged)
	_, err = s.GetObject(ctx, "b", "k")
	wantErr(t, "GetObject behind a marker", err, meta.ErrNoSuchKey)
	m, err := s.GetObjectVersion(ctx, "b", "k", "")
	if err != nil || !m.DeleteMarker || !m.IsLatest || m.VersionID != "m1" || !m.LastModified.Equal(at(5)) {
		t.Fatalf("newest version: %+v, %v", m, err)
	}
	lp, err := s.ListObjects(ctx, "b", meta.ListQuery{MaxKeys: 10})
	if err != nil || len(lp.Objects) != 1 || lp.Objects[0].Key != "other" {
		t.Fatalf("ListObjects behind a marker: %+v, %v", lp, err)
	}
	if got, want := allVersions(t, s, "b", meta.VersionQuery{MaxKeys: 2}), []string{"k@m1!*", "k@v2", "k@v1", "other@v3*"}; !slices.Equal(got, want) {
		t.Errorf("versions %q, want %q", got, want)
	}
	// Removing the marker brings the version under it back.
	gone, freed, err := s.DeleteObjectVersion(ctx, "b", "k", "m1")
	if err != nil || !gone.DeleteMarker || !gone.IsLatest || len(freed) != 0 {
		t.Fatalf("deleting the marker: %+v %q %v", gone, freed, err)
	}
	if o, err := s.GetObject(ctx, "b", "k"); err != nil || o.VersionID != "v2" {
		t.Fatalf("after the marker went: %+v, %v", o, err)
	}
	// Deleting versions for good frees their blobs; the newest left
	// becomes current, and none left is no key.
	_, freed, err = s.DeleteObjectVersion(ctx, "b", "k", "v1")
	if err != nil {
		t.Fatal(err)
	}
	checkBlobs(t, "v1 deleted", freed, ids("b1"))
	if o, err := s.GetObject(ctx, "b", "k"); err != nil || o.VersionID != "v2" {
		t.Fatalf("after deleting an older version: %+v, %v", o, err)
	}
	_, freed, err = s.DeleteObjectVersion(ctx, "b", "k", "v2")
	if err != nil {
		t.Fatal(err)
	}
	checkBlobs(t, "v2 deleted", freed, ids("b2"))
	_, err = s.GetObject(ctx, "b", "k")
	wantErr(t, "GetObject with no version left", err, meta.ErrNoSuchKey)
	_, err = s.GetObjectVersion(ctx, "b", "k", "v2")
	wantErr(t, "GetObjectVersion with no version left", err, meta.ErrNoSuchKey)
	_, _, err = s.DeleteObjectVersion(ctx, "b", "k", "v2")
	wantErr(t, "deleting it again", err, meta.ErrNoSuchVersion)

	// A delete marker alone keeps the bucket.
	if _, err := s.PutDeleteMarker(ctx, "b", "other", "m2", at(6)); err != nil {
		t.Fatal(err)
	}
	_, err = s.DeleteBucket(ctx, "b")
	wantErr(t, "DeleteBucket with versions left", err, meta.ErrBucketNotEmpty)
	for _, id := range []string{"m2", "v3"} {
		if _, _, err := s.DeleteObjectVersion(ctx, "b", "other", id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.DeleteBucket(ctx, "b"); err != nil {
		t.Fatalf("DeleteBucket once empty: %v", err)
	}
	checkBlobs(t, "no blob left", walk(t, s), nil)
}

func testSuspendedNullVersion(t *testing.T, s meta.Store) {
	ctx := t.Context()
	mkBucket(t, s, "b")
	setVersioning(t, s, "b", meta.VersioningEnabled)
	vput(t, s, "b", "k", "v1", "b1")
	setVersioning(t, s, "b", meta.VersioningSuspended)
	_, err := s.PutObject(ctx, withVersion(object("b", "k", "bx"), "v2"), nil)
	wantErr(t, "new ID in a Suspended bucket", err, meta.ErrVersioningChanged)
	checkBlobs(t, "first null version", vput(t, s, "b", "k", meta.NullVersion, "n1"), nil)
	checkBlobs(t, "null version replaced", vput(t, s, "b", "k", meta.NullVersion, "n2"), ids("n1"))
	if got, want := allVersions(t, s, "b", meta.VersionQuery{MaxKeys: 1000}), []string{"k@null*", "k@v1"}; !slices.Equal(got, want) {
		t.Errorf("versions %q, want %q", got, want)
	}
	freed, err := s.PutDeleteMarker(ctx, "b", "k", meta.NullVersion, at(9))
	if err != nil {
		t.Fatal(err)
	}
	checkBlobs(t, "a null marker replaces the null version", freed, ids("n2"))
	if got, want := allVersions(t, s, "b", meta.VersionQuery{MaxKeys: 1000}), []string{"k@null!*", "k@v1"}; !slices.Equal(got, want) {
		t.Errorf("versions %q, want %q", got, want)
	}
	// Enabled again: new versions go on top, the null marker stays.
	setVersioning(t, s, "b", meta.VersioningEnabled)
	vput(t, s, "b", "k", "v3", "b3")
	if got, want := allVersions(t, s, "b", meta.VersionQuery{MaxKeys: 1000}), []string{"k@v3*", "k@null!", "k@v1"}; !slices.Equal(got, want) {
		t.Errorf("versions %q, want %q", got, want)
	}
	checkBlobs(t, "referenced", walk(t, s), ids("b1", "b3"))
}

// refVersion is a version in the model of a versioned bucket.
type refVersion struct {
	id     string
	marker bool
}

func testListVersionsModel(t *testing.T, s meta.Store) {
	ctx := t.Context()
	r := rand.New(rand.NewPCG(7, 16))
	mkBucket(t, s, "b")
	setVersioning(t, s, "b", meta.VersioningEnabled)
	model := map[string][]refVersion{} // newest first
	n := 0
	for range 150 {
		key := randKey(r)
		n++
		id := fmt.Sprintf("id%04d", n)
		if r.IntN(4) == 0 {
			if _, err := s.PutDeleteMarker(ctx, "b", key, id, at(n)); err != nil {
				t.Fatal(err)
			}
			model[key] = append([]refVersion{{id, true}}, model[key]...)
			continue
		}
		vput(t, s, "b", key, id, storage.BlobID("blob-"+id))
		model[key] = append([]refVersion{{id, false}}, model[key]...)
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range model {
			if !yield(k) {
				return
			}
		}
	})
	for range 40 {
		q := randListQuery(r, keys)
		want := refVersions(model, keys, q.Prefix, q.Delimiter)
		vq := meta.VersionQuery{Prefix: q.Prefix, Delimiter: q.Delimiter, MaxKeys: 1 + r.IntN(5)}
		if got := allVersions(t, s, "b", vq); !slices.Equal(got, want) {
			t.Fatalf("%+v:\n got %q\nwant %q", vq, got, want)
		}
	}
	// ListObjects sees only current, non-marker versions.
	var cur []string
	for _, k := range keys {
		if !model[k][0].marker {
			cur = append(cur, k)
		}
	}
	lp, err := s.ListObjects(ctx, "b", meta.ListQuery{MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range lp.Objects {
		got = append(got, o.Key)
		if v := model[o.Key][0].id; o.VersionID != v {
			t.Errorf("ListObjects %q: version %q, want %q", o.Key, o.VersionID, v)
		}
	}
	if !slices.Equal(got, cur) {
		t.Errorf("ListObjects %q, want %q", got, cur)
	}
}

// refVersions is the reference listing of every page together.
func refVersions(model map[string][]refVersion, keys []string, prefix, delim string) []string {
	var out []string
	seen := map[string]bool{}
	for _, k := range keys {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		if delim != "" {
			if i := strings.Index(k[len(prefix):], delim); i >= 0 {
				cp := k[:len(prefix)+i+len(delim)]
				if !seen[cp] {
					seen[cp] = true
					out = append(out, cp+"/")
				}
				continue
			}
		}
		for i, v := range model[k] {
			s := k + "@" + v.id
			if v.marker {
				s += "!"
			}
			if i == 0 {
				s += "*"
			}
			out = append(out, s)
		}
	}
	return out
}

func testVersionsConcurrentPuts(t *testing.T, s meta.Store) {
	ctx := t.Context()
	mkBucket(t, s, "b")
	setVersioning(t, s, "b", meta.VersioningEnabled)
	const writers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id := fmt.Sprintf("w%d-%d", w, i)
				if _, err := s.PutObject(ctx, withVersion(object("b", "k", storage.BlobID(id)), id), nil); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	p, err := s.ListObjectVersions(ctx, "b", meta.VersionQuery{MaxKeys: 1000})
	if err != nil || len(p.Versions) != writers*each {
		t.Fatalf("%d versions, %v; want %d", len(p.Versions), err, writers*each)
	}
	cur, err := s.GetObject(ctx, "b", "k")
	if err != nil || cur.VersionID != p.Versions[0].VersionID || !p.Versions[0].IsLatest {
		t.Fatalf("current %q, newest listed %+v, %v", cur.VersionID, p.Versions[0], err)
	}
	// Each writer's versions appear newest first, in the order it wrote.
	pos := map[string]int{}
	seen := map[string]bool{}
	for i, v := range p.Versions {
		if seen[v.VersionID] {
			t.Fatalf("version %s twice", v.VersionID)
		}
		seen[v.VersionID] = true
		pos[v.VersionID] = i
	}
	for w := range writers {
		for i := 1; i < each; i++ {
			if pos[fmt.Sprintf("w%d-%d", w, i)] > pos[fmt.Sprintf("w%d-%d", w, i-1)] {
				t.Fatalf("writer %d: version %d listed after version %d", w, i, i-1)
			}
		}
	}
}

// testVersionedTagsAndACL: in a versioned bucket, PutObjectTags and
// SetObjectACL change the key's current version, not only what GetObject
// reads: GetObjectVersion and ListObjectVersions see the change, and it
// stays when a newer version comes and is deleted by ID (the changed
// version becomes current again). Older versions keep their own.
func testVersionedTagsAndACL(t *testing.T, s meta.Store) {
	ctx := t.Context()
	mkBucket(t, s, "b")
	put(t, s, object("b", "k", "b0"))
	setVersioning(t, s, "b", meta.VersioningEnabled)
	vput(t, s, "b", "k", "v1", "b1")
	acl := &meta.ACL{Grants: []meta.Grant{{Type: meta.GranteeGroup, URI: meta.GroupAllUsers, Permission: meta.PermRead}}}
	if err := s.PutObjectTags(ctx, "b", "k", tagsB); err != nil {
		t.Fatal(err)
	}
	if err := s.SetObjectACL(ctx, "b", "k", acl); err != nil {
		t.Fatal(err)
	}
	check := func(what string, o meta.Object, err error, tags []meta.Tag, public bool) {
		t.Helper()
		if err != nil || !sameTags(o.Tags, tags) || o.ACL.Public() != public {
			t.Errorf("%s: %+v, %v; want tags %+v, public ACL %v", what, o, err, tags, public)
		}
	}
	o, err := s.GetObject(ctx, "b", "k")
	check("current", o, err, tagsB, true)
	o, err = s.GetObjectVersion(ctx, "b", "k", "v1")
	check("v1 by ID", o, err, tagsB, true)
	o, err = s.GetObjectVersion(ctx, "b", "k", meta.NullVersion)
	check("null version", o, err, nil, false)

	vput(t, s, "b", "k", "v2", "b2")
	o, err = s.GetObject(ctx, "b", "k")
	check("newer version", o, err, nil, false)
	if _, _, err := s.DeleteObjectVersion(ctx, "b", "k", "v2"); err != nil {
		t.Fatal(err)
	}
	o, err = s.GetObject(ctx, "b", "k")
	check("v1 current again", o, err, tagsB, true)

	// Making it private again sticks the same way.
	if err := s.SetObjectACL(ctx, "b", "k", nil); err != nil {
		t.Fatal(err)
	}
	vput(t, s, "b", "k", "v3", "b3")
	if _, _, err := s.DeleteObjectVersion(ctx, "b", "k", "v3"); err != nil {
		t.Fatal(err)
	}
	o, err = s.GetObject(ctx, "b", "k")
	check("v1 private after v3 came and went", o, err, tagsB, false)
	checkBlobs(t, "blobs", walk(t, s), ids("b0", "b1"))
}
