package memory

import (
	"context"
	"sort"
	"strings"
	"time"

	"signet/internal/meta"
	"signet/internal/storage"
)

// Objects and versions. Each key of a bucket holds its versions newest
// first; its current object is the newest version unless that is a
// delete marker.

// current returns key's current object in b, nil when it has none.
func (b *bucket) current(key string) *meta.Object {
	vs := b.keys[key]
	if len(vs) == 0 || vs[0].DeleteMarker {
		return nil
	}
	return &vs[0]
}

// versioned reports whether b's versioning was ever enabled: it can never
// go back to Unversioned.
func (b *bucket) versioned() bool { return b.rec.Versioning != meta.Unversioned }

// findVersion returns the index of key's version id in b, -1 when none.
func (b *bucket) findVersion(key, id string) int {
	for i, v := range b.keys[key] {
		if v.VersionID == id {
			return i
		}
	}
	return -1
}

func (s *Store) PutObject(ctx context.Context, obj meta.Object, pre meta.Precondition) ([]storage.BlobID, error) {
	if err := checkKey(obj.Key); err != nil {
		return nil, err
	}
	if err := checkBlobs(obj.Blobs()); err != nil {
		return nil, err
	}
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	b, err := s.bucket(obj.Bucket)
	if err != nil {
		return nil, err
	}
	return s.replaceObject(b, cloneObject(obj), pre, nil)
}

// replaceObject stores obj as key's newest version after pre approved
// what the key holds and its VersionID suits the bucket. Nothing changes
// before both have passed. The new blobs are referenced before anything
// is released — release (a completed upload's parts), then what obj
// replaces — so a blob both use is never reported free.
func (s *Store) replaceObject(b *bucket, obj meta.Object, pre meta.Precondition, release func([]storage.BlobID) []storage.BlobID) ([]storage.BlobID, error) {
	if pre != nil {
		var existing *meta.Object
		if cur := b.current(obj.Key); cur != nil {
			c := cloneObject(*cur)
			existing = &c
		}
		if err := pre(existing); err != nil {
			return nil, err
		}
	}
	state := b.rec.Versioning
	if err := meta.CheckVersionID(state, obj.VersionID); err != nil {
		return nil, err
	}
	obj.IsLatest = false
	s.ref(obj.Blobs())
	var freed []storage.BlobID
	if release != nil {
		freed = release(freed)
	}
	vs := b.keys[obj.Key]
	switch state {
	case meta.Unversioned:
		for _, old := range vs {
			freed = s.unref(old.Blobs(), freed)
		}
		vs = nil
	case meta.VersioningSuspended:
		vs, freed = s.dropNullVersion(vs, freed)
	}
	b.keys[obj.Key] = append([]meta.Object{obj}, vs...)
	return freed, nil
}

// dropNullVersion removes the null version from vs, releasing its blobs:
// a Suspended bucket's write replaces it.
func (s *Store) dropNullVersion(vs []meta.Object, freed []storage.BlobID) ([]meta.Object, []storage.BlobID) {
	out := make([]meta.Object, 0, len(vs))
	for _, v := range vs {
		if v.VersionID == meta.NullVersion {
			freed = s.unref(v.Blobs(), freed)
			continue
		}
		out = append(out, v)
	}
	return out, freed
}

func (s *Store) GetObject(ctx context.Context, bucket, key string) (meta.Object, error) {
	if err := s.lock(ctx); err != nil {
		return meta.Object{}, err
	}
	defer s.mu.Unlock()
	b, err := s.bucket(bucket)
	if err != nil {
		return meta.Object{}, err
	}
	cur := b.current(key)
	if cur == nil {
		return meta.Object{}, meta.ErrNoSuchKey
	}
	return cloneObject(*cur), nil
}

func (s *Store) SetObjectACL(ctx context.Context, bucket, key string, acl *meta.ACL) error {
	acl = cloneACL(acl)
	return s.rewriteCurrent(ctx, bucket, key, func(o *meta.Object) { o.ACL = acl })
}

func (s *Store) SetObjectVersionACL(ctx context.Context, bucket, key, versionID string, acl *meta.ACL) error {
	acl = cloneACL(acl)
	return s.rewriteVersion(ctx, bucket, key, versionID, func(o *meta.Object) { o.ACL = acl })
}

func (s *Store) PutObjectTags(ctx context.Context, bucket, key string, tags []meta.Tag) error {
	tags = cloneTags(tags)
	return s.rewriteCurrent(ctx, bucket, key, func(o *meta.Object) { o.Tags = tags })
}

func (s *Store) PutObjectVersionTags(ctx context.Context, bucket, key, versionID string, tags []meta.Tag) error {
	tags = cloneTags(tags)
	return s.rewriteVersion(ctx, bucket, key, versionID, func(o *meta.Object) { o.Tags = tags })
}

// rewriteCurrent changes key's current object with fn, in place: its
// blobs are the same before and after.
func (s *Store) rewriteCurrent(ctx context.Context, bucket, key string, fn func(*meta.Object)) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	b, err := s.bucket(bucket)
	if err != nil {
		return err
	}
	cur := b.current(key)
	if cur == nil {
		return meta.ErrNoSuchKey
	}
	fn(cur)
	return nil
}

// rewriteVersion changes one version of key with fn, in place. In a
// bucket never versioned the only version is null.
func (s *Store) rewriteVersion(ctx context.Context, bucket, key, versionID string, fn func(*meta.Object)) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	b, err := s.bucket(bucket)
	if err != nil {
		return err
	}
	vs := b.keys[key]
	if len(vs) == 0 {
		return meta.ErrNoSuchKey
	}
	i := b.findVersion(key, versionID)
	if !b.versioned() {
		i = -1
		if versionID == meta.NullVersion {
			i = 0
		}
	}
	if versionID == "" || i < 0 {
		return meta.ErrNoSuchVersion
	}
	if vs[i].DeleteMarker {
		return meta.ErrDeleteMarker
	}
	fn(&vs[i])
	return nil
}

// DeleteObject removes a key of a bucket never versioned; in a versioned
// bucket deleting is PutDeleteMarker.
func (s *Store) DeleteObject(ctx context.Context, bucket, key string) ([]storage.BlobID, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	b, err := s.bucket(bucket)
	if err != nil {
		return nil, err
	}
	if key == "" {
		return nil, nil
	}
	if b.versioned() {
		return nil, meta.ErrVersioningChanged
	}
	var freed []storage.BlobID
	for _, v := range b.keys[key] {
		freed = s.unref(v.Blobs(), freed)
	}
	delete(b.keys, key)
	return freed, nil
}

func (s *Store) PutDeleteMarker(ctx context.Context, bucket, key, markerID string, at time.Time) ([]storage.BlobID, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	b, err := s.bucket(bucket)
	if err != nil {
		return nil, err
	}
	if !b.versioned() {
		return nil, meta.ErrVersioningChanged
	}
	marker := meta.Object{Bucket: bucket, Key: key, VersionID: markerID, DeleteMarker: true, LastModified: at}
	return s.replaceObject(b, marker, nil, nil)
}

func (s *Store) GetObjectVersion(ctx context.Context, bucket, key, versionID string) (meta.Object, error) {
	if err := s.lock(ctx); err != nil {
		return meta.Object{}, err
	}
	defer s.mu.Unlock()
	b, err := s.bucket(bucket)
	if err != nil {
		return meta.Object{}, err
	}
	vs := b.keys[key]
	if len(vs) == 0 {
		return meta.Object{}, meta.ErrNoSuchKey
	}
	if !b.versioned() {
		if versionID != "" && versionID != meta.NullVersion {
			return meta.Object{}, meta.ErrNoSuchVersion
		}
		o := cloneObject(vs[0])
		o.VersionID, o.IsLatest = meta.NullVersion, true
		return o, nil
	}
	i := 0
	if versionID != "" {
		if i = b.findVersion(key, versionID); i < 0 {
			return meta.Object{}, meta.ErrNoSuchVersion
		}
	}
	o := cloneObject(vs[i])
	o.IsLatest = i == 0
	return o, nil
}

// DeleteObjectVersion removes one version for good; when it was the
// newest, the next newest becomes current by being first.
func (s *Store) DeleteObjectVersion(ctx context.Context, bucket, key, versionID string) (meta.Object, []storage.BlobID, error) {
	if err := s.lock(ctx); err != nil {
		return meta.Object{}, nil, err
	}
	defer s.mu.Unlock()
	b, err := s.bucket(bucket)
	if err != nil {
		return meta.Object{}, nil, err
	}
	vs := b.keys[key]
	i := b.findVersion(key, versionID)
	if !b.versioned() {
		i = -1
		if len(vs) > 0 && versionID == meta.NullVersion {
			i = 0
		}
	}
	if key == "" || versionID == "" || i < 0 {
		return meta.Object{}, nil, meta.ErrNoSuchVersion
	}
	gone := vs[i]
	if !b.versioned() {
		gone.VersionID = meta.NullVersion
	}
	gone.IsLatest = i == 0
	freed := s.unref(gone.Blobs(), nil)
	vs = append(vs[:i:i], vs[i+1:]...)
	if len(vs) == 0 {
		delete(b.keys, key)
	} else {
		b.keys[key] = vs
	}
	return gone, freed, nil
}

// sliceCursor is a meta.KeyCursor over sorted keys.
type sliceCursor struct {
	keys []string
	i    int
}

func (c *sliceCursor) at() []byte {
	if c.i >= len(c.keys) {
		return nil
	}
	return []byte(c.keys[c.i])
}

func (c *sliceCursor) Seek(k []byte) []byte {
	c.i = sort.SearchStrings(c.keys, string(k))
	return c.at()
}

func (c *sliceCursor) Next() []byte {
	c.i++
	return c.at()
}

// currentKeys returns the keys of b that have a current object, sorted.
func (b *bucket) currentKeys() []string {
	var keys []string
	for k := range b.keys {
		if b.current(k) != nil {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

func (s *Store) ListObjects(ctx context.Context, bucket string, q meta.ListQuery) (meta.ListPage, error) {
	if err := s.lock(ctx); err != nil {
		return meta.ListPage{}, err
	}
	defer s.mu.Unlock()
	b, err := s.bucket(bucket)
	if err != nil {
		return meta.ListPage{}, err
	}
	var page meta.ListPage
	page.IsTruncated, page.NextAfter, err = meta.WalkList(&sliceCursor{keys: b.currentKeys()}, q, func(k []byte, cp bool) error {
		if cp {
			page.CommonPrefixes = append(page.CommonPrefixes, string(k))
			return nil
		}
		page.Objects = append(page.Objects, cloneObject(*b.current(string(k))))
		return nil
	})
	if err != nil {
		return meta.ListPage{}, err
	}
	return page, nil
}

func (s *Store) ListObjectVersions(ctx context.Context, bucket string, q meta.VersionQuery) (meta.VersionPage, error) {
	if q.MaxKeys < 0 {
		return meta.VersionPage{}, invalid("negative MaxKeys %d", q.MaxKeys)
	}
	if q.VersionIDMarker != "" && q.KeyMarker == "" {
		return meta.VersionPage{}, invalid("version ID marker without a key marker")
	}
	if err := s.lock(ctx); err != nil {
		return meta.VersionPage{}, err
	}
	defer s.mu.Unlock()
	b, err := s.bucket(bucket)
	if err != nil {
		return meta.VersionPage{}, err
	}
	if !b.versioned() {
		return listNullVersions(b, q)
	}
	return listVersions(b, q)
}

// listNullVersions lists a bucket never versioned: each object is its
// key's null version, so the listing is ListObjects' walk starting after
// KeyMarker.
func listNullVersions(b *bucket, q meta.VersionQuery) (meta.VersionPage, error) {
	if q.VersionIDMarker != "" && q.VersionIDMarker != meta.NullVersion {
		return meta.VersionPage{}, invalid("version ID marker %q in a bucket never versioned", q.VersionIDMarker)
	}
	var page meta.VersionPage
	lastIsVersion := false
	lq := meta.ListQuery{Prefix: q.Prefix, Delimiter: q.Delimiter, After: q.KeyMarker, MaxKeys: q.MaxKeys}
	truncated, last, err := meta.WalkList(&sliceCursor{keys: b.currentKeys()}, lq, func(k []byte, cp bool) error {
		lastIsVersion = !cp
		if cp {
			page.CommonPrefixes = append(page.CommonPrefixes, string(k))
			return nil
		}
		o := cloneObject(*b.current(string(k)))
		o.VersionID, o.IsLatest = meta.NullVersion, true
		page.Versions = append(page.Versions, o)
		return nil
	})
	if err != nil {
		return meta.VersionPage{}, err
	}
	if truncated {
		page.IsTruncated, page.NextKeyMarker = true, last
		if lastIsVersion {
			page.NextVersionIDMarker = meta.NullVersion
		}
	}
	return page, nil
}

// listVersions lists a versioned bucket: keys in order, each key's
// versions newest first, keys under a common prefix rolled up into one
// entry.
func listVersions(b *bucket, q meta.VersionQuery) (meta.VersionPage, error) {
	var page meta.VersionPage
	if q.MaxKeys == 0 {
		return page, nil
	}
	// from is the first version of the marker key to list, when the
	// listing starts inside it.
	from := 0
	if q.VersionIDMarker != "" {
		i := b.findVersion(q.KeyMarker, q.VersionIDMarker)
		if i < 0 {
			return meta.VersionPage{}, invalid("version ID marker %q names no version of the key marker", q.VersionIDMarker)
		}
		from = i + 1
	}
	n := 0
	full := func() bool {
		if n < q.MaxKeys {
			return false
		}
		page.IsTruncated = true
		return true
	}
	keys := sortedKeys(b.keys)
	for i := 0; i < len(keys); i++ {
		key := keys[i]
		if !strings.HasPrefix(key, q.Prefix) {
			continue
		}
		start := 0
		switch {
		case key < q.KeyMarker:
			continue
		case key == q.KeyMarker:
			if q.VersionIDMarker == "" {
				continue
			}
			start = from
		}
		if q.Delimiter != "" {
			if j := strings.Index(key[len(q.Prefix):], q.Delimiter); j >= 0 {
				cp := key[:len(q.Prefix)+j+len(q.Delimiter)]
				if cp > q.KeyMarker {
					if full() {
						return page, nil
					}
					page.CommonPrefixes = append(page.CommonPrefixes, cp)
					page.NextKeyMarker, page.NextVersionIDMarker = cp, ""
					n++
				}
				for i+1 < len(keys) && strings.HasPrefix(keys[i+1], cp) {
					i++
				}
				continue
			}
		}
		for vi := start; vi < len(b.keys[key]); vi++ {
			if full() {
				return page, nil
			}
			o := cloneObject(b.keys[key][vi])
			o.IsLatest = vi == 0
			page.Versions = append(page.Versions, o)
			page.NextKeyMarker, page.NextVersionIDMarker = o.Key, o.VersionID
			n++
		}
	}
	page.NextKeyMarker, page.NextVersionIDMarker = "", ""
	return page, nil
}
