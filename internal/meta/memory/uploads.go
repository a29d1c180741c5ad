package memory

import (
	"context"
	"sort"
	"strings"

	"signet/internal/meta"
	"signet/internal/storage"
)

// Multipart uploads, their parts and the records of completed uploads.

// loadUpload finds an upload by ID and checks that it belongs to bucket
// and key: an upload ID is useless outside its key.
func (s *Store) loadUpload(bucket, key, id string) (*upload, error) {
	if _, err := s.bucket(bucket); err != nil {
		return nil, err
	}
	u, ok := s.uploads[id]
	if id == "" || !ok || u.rec.Bucket != bucket || u.rec.Key != key {
		return nil, meta.ErrNoSuchUpload
	}
	return u, nil
}

// dropUpload deletes an upload and its parts, releasing their blobs.
func (s *Store) dropUpload(id string, freed []storage.BlobID) []storage.BlobID {
	u := s.uploads[id]
	for _, n := range sortedParts(u.parts) {
		freed = s.unref([]storage.BlobID{u.parts[n].Blob}, freed)
	}
	delete(s.uploads, id)
	return freed
}

func sortedParts(parts map[int]meta.Part) []int {
	nums := make([]int, 0, len(parts))
	for n := range parts {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	return nums
}

func (s *Store) CreateUpload(ctx context.Context, u meta.Upload) error {
	if err := checkKey(u.Key); err != nil {
		return err
	}
	if u.ID == "" {
		return invalid("empty upload id")
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, err := s.bucket(u.Bucket); err != nil {
		return err
	}
	if _, ok := s.uploads[u.ID]; ok {
		return invalid("upload id %q already in use", u.ID)
	}
	s.uploads[u.ID] = &upload{rec: cloneUpload(u), parts: map[int]meta.Part{}}
	return nil
}

func (s *Store) GetUpload(ctx context.Context, bucket, key, uploadID string) (meta.Upload, error) {
	if err := s.lock(ctx); err != nil {
		return meta.Upload{}, err
	}
	defer s.mu.Unlock()
	u, err := s.loadUpload(bucket, key, uploadID)
	if err != nil {
		return meta.Upload{}, err
	}
	return cloneUpload(u.rec), nil
}

func (s *Store) PutPart(ctx context.Context, bucket, key, uploadID string, p meta.Part) ([]storage.BlobID, error) {
	if p.Number < 1 {
		return nil, invalid("part number %d", p.Number)
	}
	if err := checkBlobs([]storage.BlobID{p.Blob}); err != nil {
		return nil, err
	}
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	u, err := s.loadUpload(bucket, key, uploadID)
	if err != nil {
		return nil, err
	}
	s.ref([]storage.BlobID{p.Blob})
	var freed []storage.BlobID
	if old, ok := u.parts[p.Number]; ok {
		freed = s.unref([]storage.BlobID{old.Blob}, freed)
	}
	u.parts[p.Number] = clonePart(p)
	return freed, nil
}

func (s *Store) ListParts(ctx context.Context, bucket, key, uploadID string, after, max int) ([]meta.Part, bool, error) {
	if max < 0 {
		return nil, false, invalid("negative max %d", max)
	}
	if err := s.lock(ctx); err != nil {
		return nil, false, err
	}
	defer s.mu.Unlock()
	u, err := s.loadUpload(bucket, key, uploadID)
	if err != nil {
		return nil, false, err
	}
	if max == 0 {
		return nil, false, nil
	}
	var out []meta.Part
	for _, n := range sortedParts(u.parts) {
		if n <= after {
			continue
		}
		if len(out) == max {
			return out, true, nil
		}
		out = append(out, clonePart(u.parts[n]))
	}
	return out, false, nil
}

// uploadBefore orders uploads by key, then initiation, then ID, as
// ListMultipartUploads lists them.
func uploadBefore(a, b meta.Upload) bool {
	if a.Key != b.Key {
		return a.Key < b.Key
	}
	if !a.Initiated.Equal(b.Initiated) {
		return a.Initiated.Before(b.Initiated)
	}
	return a.ID < b.ID
}

// ListUploads pages through a bucket's uploads. With only KeyMarker,
// entries must be greater than it (uploads by key, prefixes by value).
// With UploadIDMarker too, uploads of KeyMarker itself that come after
// the marker upload are included as well; if that upload is gone,
// listing resumes after KeyMarker.
func (s *Store) ListUploads(ctx context.Context, bucket string, q meta.UploadQuery) (meta.UploadPage, error) {
	if q.MaxUploads < 0 {
		return meta.UploadPage{}, invalid("negative MaxUploads %d", q.MaxUploads)
	}
	if err := s.lock(ctx); err != nil {
		return meta.UploadPage{}, err
	}
	defer s.mu.Unlock()
	if _, err := s.bucket(bucket); err != nil {
		return meta.UploadPage{}, err
	}
	var page meta.UploadPage
	if q.MaxUploads == 0 {
		return page, nil
	}
	var pos *meta.Upload
	if q.KeyMarker != "" && q.UploadIDMarker != "" {
		if u, ok := s.uploads[q.UploadIDMarker]; ok && u.rec.Key == q.KeyMarker {
			pos = &u.rec
		}
	}
	var ups []meta.Upload
	for _, u := range s.uploads {
		if u.rec.Bucket == bucket && strings.HasPrefix(u.rec.Key, q.Prefix) {
			ups = append(ups, u.rec)
		}
	}
	sort.Slice(ups, func(i, j int) bool { return uploadBefore(ups[i], ups[j]) })
	n := 0
	full := func() bool {
		if n == q.MaxUploads {
			page.IsTruncated = true
			return true
		}
		n++
		return false
	}
	for i := 0; i < len(ups); i++ {
		u := ups[i]
		if q.Delimiter != "" {
			if j := strings.Index(u.Key[len(q.Prefix):], q.Delimiter); j >= 0 {
				cp := u.Key[:len(q.Prefix)+j+len(q.Delimiter)]
				if cp > q.KeyMarker {
					if full() {
						return page, nil
					}
					page.CommonPrefixes = append(page.CommonPrefixes, cp)
					page.NextKeyMarker, page.NextUploadIDMarker = cp, ""
				}
				for i+1 < len(ups) && strings.HasPrefix(ups[i+1].Key, cp) {
					i++
				}
				continue
			}
		}
		if u.Key > q.KeyMarker || (u.Key == q.KeyMarker && pos != nil && uploadBefore(*pos, u)) {
			if full() {
				return page, nil
			}
			page.Uploads = append(page.Uploads, cloneUpload(u))
			page.NextKeyMarker, page.NextUploadIDMarker = u.Key, u.ID
		}
	}
	return page, nil
}

func (s *Store) CompleteUpload(ctx context.Context, bucket, key, uploadID string, build meta.CompleteFunc, pre meta.Precondition) (meta.Object, []storage.BlobID, error) {
	if err := s.lock(ctx); err != nil {
		return meta.Object{}, nil, err
	}
	defer s.mu.Unlock()
	u, err := s.loadUpload(bucket, key, uploadID)
	if err != nil {
		return meta.Object{}, nil, err
	}
	parts := make(map[int]meta.Part, len(u.parts))
	for n, p := range u.parts {
		parts[n] = clonePart(p)
	}
	obj, err := build(cloneUpload(u.rec), parts)
	if err != nil {
		return meta.Object{}, nil, err
	}
	// The object lands where the upload was started, whatever build
	// filled in.
	obj.Bucket, obj.Key = bucket, key
	if err := checkBlobs(obj.Blobs()); err != nil {
		return meta.Object{}, nil, err
	}
	b := s.buckets[bucket]
	release := func(freed []storage.BlobID) []storage.BlobID { return s.dropUpload(uploadID, freed) }
	freed, err := s.replaceObject(b, cloneObject(obj), pre, release)
	if err != nil {
		return meta.Object{}, nil, err
	}
	s.recordCompletion(b, uploadID, &obj)
	obj.IsLatest = false
	return cloneObject(obj), freed, nil
}

// recordCompletion keeps what a completion answered and forgets the
// records older than meta.CompletedUploadRetention before it.
func (s *Store) recordCompletion(b *bucket, id string, obj *meta.Object) {
	cutoff := obj.LastModified.Add(-meta.CompletedUploadRetention)
	for old, c := range s.completed {
		if c.Completed.Before(cutoff) {
			delete(s.completed, old)
		}
	}
	s.completed[id] = cloneCompleted(meta.CompletedUpload{
		Bucket: obj.Bucket, Key: obj.Key, ID: id, BucketCreated: b.rec.Created,
		Completed: obj.LastModified, ETag: obj.ETag, Size: obj.Size,
		Checksums: obj.Checksums, ChecksumType: obj.ChecksumType, VersionID: obj.VersionID,
		ServerSideEncryption: obj.ServerSideEncryption,
	})
}

func (s *Store) GetCompletedUpload(ctx context.Context, bucket, key, uploadID string) (meta.CompletedUpload, error) {
	if err := s.lock(ctx); err != nil {
		return meta.CompletedUpload{}, err
	}
	defer s.mu.Unlock()
	b, err := s.bucket(bucket)
	if err != nil {
		return meta.CompletedUpload{}, err
	}
	c, ok := s.completed[uploadID]
	if uploadID == "" || !ok || c.Bucket != bucket || c.Key != key || !c.BucketCreated.Equal(b.rec.Created) {
		return meta.CompletedUpload{}, meta.ErrNoSuchUpload
	}
	return cloneCompleted(c), nil
}

func (s *Store) AbortUpload(ctx context.Context, bucket, key, uploadID string) ([]storage.BlobID, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	if _, err := s.loadUpload(bucket, key, uploadID); err != nil {
		return nil, err
	}
	return s.dropUpload(uploadID, nil), nil
}
