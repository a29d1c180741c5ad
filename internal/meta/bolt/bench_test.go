package bolt

import (
	"encoding/json"
	"flag"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"signet/internal/meta"
	"signet/internal/storage"
)

func benchObject(key string, blob storage.BlobID) meta.Object {
	return meta.Object{
		Bucket: "b", Key: key, Size: 1 << 20, ETag: "9e107d9d372bb6826bd81d3542a419d6",
		LastModified: time.Unix(1700000000, 0),
		Attrs:        meta.Attrs{ContentType: "image/jpeg", UserMeta: map[string]string{"owner": "alice"}},
		Checksums:    map[string]string{"CRC32": "AAAAAA=="}, ChecksumType: "FULL_OBJECT",
		Segments: []meta.Segment{{Blob: blob, Size: 1 << 20}},
	}
}

// fill writes n objects in one transaction, bypassing per-call commits so
// that setting up 100k keys takes a second, not minutes.
func fill(b *testing.B, s *Store, keys func(i int) string, n int) {
	b.Helper()
	if err := s.CreateBucket(b.Context(), meta.Bucket{Name: "b"}); err != nil {
		b.Fatal(err)
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		ob := objects(tx, "b")
		for i := range n {
			o := benchObject(keys(i), storage.BlobID(fmt.Sprintf("b%07d", i)))
			if err := ref(tx, o.Blobs()); err != nil {
				return err
			}
			if err := ob.Put([]byte(o.Key), encodeObject(&o)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkGetObject is the metadata lookup on every GET and HEAD.
func BenchmarkGetObject(b *testing.B) {
	s, _ := openTemp(b)
	const n = 100_000
	fill(b, s, func(i int) string { return fmt.Sprintf("photos/%04d/img%07d.jpg", i%1000, i) }, n)
	ctx := b.Context()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		k := i * 7919 % n
		if _, err := s.GetObject(ctx, "b", fmt.Sprintf("photos/%04d/img%07d.jpg", k%1000, k)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkPutObject is one writer: each put pays its own commit.
func BenchmarkPutObject(b *testing.B) {
	s, _ := openTemp(b)
	ctx := b.Context()
	if err := s.CreateBucket(ctx, meta.Bucket{Name: "b"}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := s.PutObject(ctx, benchObject(fmt.Sprintf("k%09d", i), storage.BlobID(fmt.Sprintf("b%09d", i))), nil); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkPutObjectParallel shows group commit: many writers share
// commits, so ns/op falls well below one fsync.
func BenchmarkPutObjectParallel(b *testing.B) {
	s, _ := openTemp(b)
	ctx := b.Context()
	if err := s.CreateBucket(ctx, meta.Bucket{Name: "b"}); err != nil {
		b.Fatal(err)
	}
	var seq atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := seq.Add(1)
			if _, err := s.PutObject(ctx, benchObject(fmt.Sprintf("k%09d", i), storage.BlobID(fmt.Sprintf("b%09d", i))), nil); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkListObjects1000 lists pages of 1000 with delimiter "/" over
// 100k keys in 100 directories of 1000.
func BenchmarkListObjects1000(b *testing.B) {
	s, _ := openTemp(b)
	fill(b, s, func(i int) string { return fmt.Sprintf("d%03d/f%05d", i/1000, i) }, 100_000)
	ctx := b.Context()
	for _, c := range []struct {
		name string
		q    meta.ListQuery
		want int
	}{
		// One directory's 1000 objects: decode-bound.
		{"objects", meta.ListQuery{Prefix: "d042/", Delimiter: "/", MaxKeys: 1000}, 1000},
		// The root: 100 common prefixes rolled up from 100k keys, one
		// seek each.
		{"prefixes", meta.ListQuery{Delimiter: "/", MaxKeys: 1000}, 100},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p, err := s.ListObjects(ctx, "b", c.q)
				if err != nil {
					b.Fatal(err)
				}
				if got := len(p.Objects) + len(p.CommonPrefixes); got != c.want {
					b.Fatalf("%d entries, want %d", got, c.want)
				}
			}
		})
	}
}

// BenchmarkDecodeObject compares the record codec with encoding/json on
// the same record, the numbers behind the choice in codec.go.
func BenchmarkDecodeObject(b *testing.B) {
	o := benchObject("photos/0001/img0000001.jpg", "b0000001")
	b.Run("binary", func(b *testing.B) {
		v := encodeObject(&o)
		b.ReportMetric(float64(len(v)), "bytes")
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeObject("b", o.Key, v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		v, _ := json.Marshal(o)
		b.ReportMetric(float64(len(v)), "bytes")
		b.ReportAllocs()
		for b.Loop() {
			var got meta.Object
			if err := json.Unmarshal(v, &got); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchVersions is the number of entries BenchmarkListVersionsVsObjects
// lists: go test -bench ListVersionsVsObjects -versions 1000000 for the
// issue's million.
var benchVersions = flag.Int("versions", 100_000, "entries in each bucket of BenchmarkListVersionsVsObjects")

// fillVersions writes n versions into an Enabled bucket, four per key,
// as the version writes do (index entry, objects copy of the newest), in
// transactions of 100k so a million take seconds.
func fillVersions(b *testing.B, s *Store, bucket string, n int) {
	b.Helper()
	if err := s.CreateBucket(b.Context(), meta.Bucket{Name: bucket}); err != nil {
		b.Fatal(err)
	}
	if err := s.SetBucketVersioning(b.Context(), bucket, meta.VersioningEnabled); err != nil {
		b.Fatal(err)
	}
	const perKey, chunk = 4, 100_000
	for start := 0; start < n; start += chunk {
		err := s.db.Update(func(tx *bbolt.Tx) error {
			ob, vb := objects(tx, bucket), versionsOf(tx, bucket)
			for i := start; i < min(start+chunk, n); i++ {
				o := benchObject(fmt.Sprintf("d%03d/f%07d", i/perKey/1000, i/perKey), storage.BlobID(fmt.Sprintf("v%08d", i)))
				o.Bucket, o.VersionID = bucket, fmt.Sprintf("%032d", i)
				val := encodeObject(&o)
				if err := addVersion(vb, o.Key, val); err != nil {
					return err
				}
				if err := ob.Put([]byte(o.Key), val); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListVersionsVsObjects pages through a whole bucket in pages of
// 1000: ListObjects over *benchVersions objects, and ListObjectVersions
// over as many versions. The figure is ns/page of each; their ratio is
// what the version index costs a listing.
func BenchmarkListVersionsVsObjects(b *testing.B) {
	n := *benchVersions
	s, _ := openTemp(b)
	fill(b, s, func(i int) string { return fmt.Sprintf("d%03d/f%07d", i/1000, i) }, n)
	fillVersions(b, s, "v", n)
	ctx := b.Context()
	b.Run("objects", func(b *testing.B) {
		b.ReportAllocs()
		pages := 0
		for b.Loop() {
			q := meta.ListQuery{MaxKeys: 1000}
			for got := 0; ; {
				p, err := s.ListObjects(ctx, "b", q)
				if err != nil {
					b.Fatal(err)
				}
				pages++
				got += len(p.Objects)
				if !p.IsTruncated {
					if got != n {
						b.Fatalf("listed %d objects, want %d", got, n)
					}
					break
				}
				q.After = p.NextAfter
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(pages), "ns/page")
	})
	b.Run("versions", func(b *testing.B) {
		b.ReportAllocs()
		pages := 0
		for b.Loop() {
			q := meta.VersionQuery{MaxKeys: 1000}
			for got := 0; ; {
				p, err := s.ListObjectVersions(ctx, "v", q)
				if err != nil {
					b.Fatal(err)
				}
				pages++
				got += len(p.Versions)
				if !p.IsTruncated {
					if got != n {
						b.Fatalf("listed %d versions, want %d", got, n)
					}
					break
				}
				q.KeyMarker, q.VersionIDMarker = p.NextKeyMarker, p.NextVersionIDMarker
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(pages), "ns/page")
	})
}
