package postgres

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"signet/internal/meta"
	"signet/internal/meta/bolt"
	"signet/internal/storage"
)

// The listing benchmark: the same population in bbolt and in PostgreSQL,
// the same pages listed from each, ns/page for each engine and, on the
// PostgreSQL line, its ratio to bbolt ("x-bolt"). The population is
// SIGNET_BENCH_OBJECTS objects (default 5000, so that CI's single pass
// is quick; the design record's figures are at 1,000,000), as many
// versions (four per key) and a tenth as many uploads.

func benchObjects(b *testing.B) int {
	if v := os.Getenv("SIGNET_BENCH_OBJECTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1000 {
			b.Fatalf("SIGNET_BENCH_OBJECTS=%q: want a number ≥ 1000", v)
		}
		return n
	}
	return 5000
}

// benchKey is the i-th key: directories of 1000 files, so a listing with
// delimiter "/" rolls a thousand keys into each common prefix.
func benchKey(i int) string { return fmt.Sprintf("dir%04d/file%03d", i/1000, i%1000) }

func benchObj(bucket, key string, i int) meta.Object {
	return meta.Object{
		Bucket: bucket, Key: key, Size: 1 << 20, ETag: "9e107d9d372bb6826bd81d3542a419d6",
		LastModified: time.Unix(1700000000, 0).UTC(),
		Attrs:        meta.Attrs{ContentType: "image/jpeg", UserMeta: map[string]string{"owner": "alice"}},
		Checksums:    map[string]string{"CRC32": "AAAAAA=="}, ChecksumType: "FULL_OBJECT",
		ServerSideEncryption: "AES256",
		Segments:             []meta.Segment{{Blob: storage.BlobID(fmt.Sprintf("%s-%08d", bucket, i)), Size: 1 << 20}},
	}
}

func versionID(i int) string { return fmt.Sprintf("%032d", i) }

func benchUpload(bucket string, i int) meta.Upload {
	return meta.Upload{Bucket: bucket, Key: benchKey(i * 10), ID: fmt.Sprintf("up%08d", i),
		Initiated: time.Unix(1700000000, int64(i)*1000).UTC(), Attrs: meta.Attrs{ContentType: "image/jpeg"}}
}

// fillBolt writes the population through the store's own API from many
// goroutines, which its group commit folds into large transactions.
func fillBolt(b *testing.B, s *bolt.Store, n int) {
	ctx := context.Background()
	for _, name := range []string{"o", "v", "u"} {
		if err := s.CreateBucket(ctx, meta.Bucket{Name: name, Created: time.Unix(1700000000, 0)}); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.SetBucketVersioning(ctx, "v", meta.VersioningEnabled); err != nil {
		b.Fatal(err)
	}
	const workers = 1024 // enough queued writers to fill every group commit
	parallel := func(count int, fn func(i int) error) {
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := range workers {
			wg.Go(func() {
				for i := w; i < count; i += workers {
					if err := fn(i); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
	}
	parallel(n, func(i int) error { _, err := s.PutObject(ctx, benchObj("o", benchKey(i), i), nil); return err })
	// Four versions per key, each key's written by one goroutine so they
	// are in version order.
	parallel(n/4, func(k int) error {
		for j := range 4 {
			o := benchObj("v", benchKey(k), k*4+j)
			o.VersionID = versionID(k*4 + j)
			if _, err := s.PutObject(ctx, o, nil); err != nil {
				return err
			}
		}
		return nil
	})
	parallel(n/10, func(i int) error { return s.CreateUpload(ctx, benchUpload("u", i)) })
}

// fillPostgres copies the same population straight into the tables.
func fillPostgres(b *testing.B, s *Store, n int) map[string]int64 {
	ctx := context.Background()
	ids := map[string]int64{}
	for _, name := range []string{"o", "v", "u"} {
		if err := s.CreateBucket(ctx, meta.Bucket{Name: name, Created: time.Unix(1700000000, 0)}); err != nil {
			b.Fatal(err)
		}
		var id int64
		if err := s.pool.QueryRow(ctx, "SELECT id FROM buckets WHERE name = $1", name).Scan(&id); err != nil {
			b.Fatal(err)
		}
		ids[name] = id
	}
	if err := s.SetBucketVersioning(ctx, "v", meta.VersioningEnabled); err != nil {
		b.Fatal(err)
	}
	objCols := []string{"bucket_id", "key", "ord", "version_id", "latest", "marker", "rec", "parent"}
	copyRows := func(table string, cols []string, count int, row func(i int) []any) {
		_, err := s.pool.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() func() ([]any, error) {
			i := 0
			return func() ([]any, error) {
				if i == count {
					return nil, nil
				}
				i++
				return row(i - 1), nil
			}
		}()))
		if err != nil {
			b.Fatal(err)
		}
	}
	copyRows("objects", objCols, n, func(i int) []any {
		o := benchObj("o", benchKey(i), i)
		return []any{ids["o"], []byte(o.Key), int64(-1 - i), "", true, false, encodeObject(&o), parentOf([]byte(o.Key))}
	})
	copyRows("objects", objCols, n/4*4, func(i int) []any {
		o := benchObj("v", benchKey(i/4), i)
		// Newer versions take smaller ords, as nextval would give them.
		return []any{ids["v"], []byte(o.Key), int64(-1 - n - i), versionID(i), i%4 == 3, false, encodeObject(&o), parentOf([]byte(o.Key))}
	})
	copyRows("uploads", []string{"id", "bucket_id", "key", "initiated_ns", "rec"}, n/10, func(i int) []any {
		u := benchUpload("u", i)
		return []any{u.ID, ids["u"], []byte(u.Key), u.Initiated.UnixNano(), encodeUpload(&u)}
	})
	// The directories, derived from the objects as the migration does.
	if _, err := s.pool.Exec(ctx, "INSERT INTO dirs (bucket_id, parent, dir, current) "+dirsFromObjectsSQL); err != nil {
		b.Fatal(err)
	}
	for _, q := range []string{"SELECT setval('object_ord', $1)", "VACUUM ANALYZE objects", "VACUUM ANALYZE uploads", "VACUUM ANALYZE dirs"} {
		var err error
		if q[0] == 'S' {
			_, err = s.pool.Exec(ctx, q, int64(2*n+1))
		} else {
			_, err = s.pool.Exec(ctx, q)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	return ids
}

// listCase lists one page from a store and returns how many entries it
// held.
type listCase struct {
	name string
	list func(ctx context.Context, s meta.Store) (int, error)
	want int
	// plans are the statements the PostgreSQL engine runs for the page
	// (the bucket's lookup, sent with the statement or before it, left out), for EXPLAIN.
	plans []planStmt
}

type planStmt struct {
	sql  string
	args []any
}

func listCases(n int, ids map[string]int64) []listCase {
	deep := benchKey(n * 9 / 10)
	dirs := (n + 999) / 1000
	dirDeep := fmt.Sprintf("dir%04d/", dirs*9/10)
	return []listCase{
		{"objects", func(ctx context.Context, s meta.Store) (int, error) {
			p, err := s.ListObjects(ctx, "o", meta.ListQuery{MaxKeys: 1000})
			return len(p.Objects) + len(p.CommonPrefixes), err
		}, 1000, []planStmt{{currentPageSQL, []any{"o", []byte{}, keySpaceEnd, 1001}}}},
		{"objects-start-after-deep", func(ctx context.Context, s meta.Store) (int, error) {
			p, err := s.ListObjects(ctx, "o", meta.ListQuery{After: deep, MaxKeys: 1000})
			return len(p.Objects) + len(p.CommonPrefixes), err
		}, min(1000, n-n*9/10-1), []planStmt{{currentPageSQL, []any{"o", successor([]byte(deep)), keySpaceEnd, 1001}}}},
		// The root: one common prefix per directory, each rolling up a
		// thousand keys.
		{"delimiter-prefixes", func(ctx context.Context, s meta.Store) (int, error) {
			p, err := s.ListObjects(ctx, "o", meta.ListQuery{Delimiter: "/", MaxKeys: 1000})
			return len(p.Objects) + len(p.CommonPrefixes), err
		}, min(dirs, 1000), []planStmt{
			{dirObjectsCurrentSQL, []any{"o", []byte{}, []byte{}, keySpaceEnd, 1001}},
			{dirDirsCurrentSQL, []any{"o", []byte{}, []byte{}, keySpaceEnd, 1001}}}},
		// Inside one directory deep in the keyspace: a thousand objects,
		// each checked for the delimiter.
		{"delimiter-objects-deep", func(ctx context.Context, s meta.Store) (int, error) {
			p, err := s.ListObjects(ctx, "o", meta.ListQuery{Prefix: dirDeep, Delimiter: "/", MaxKeys: 1000})
			return len(p.Objects) + len(p.CommonPrefixes), err
		}, 1000, []planStmt{
			{dirObjectsCurrentSQL, []any{"o", []byte(dirDeep), []byte(dirDeep), rangeEnd(dirDeep), 1001}},
			{dirDirsCurrentSQL, []any{"o", []byte(dirDeep), []byte(dirDeep), rangeEnd(dirDeep), 1001}}}},
		{"versions-deep", func(ctx context.Context, s meta.Store) (int, error) {
			p, err := s.ListObjectVersions(ctx, "v", meta.VersionQuery{KeyMarker: benchKey(n / 4 * 9 / 10), MaxKeys: 1000})
			return len(p.Versions) + len(p.CommonPrefixes), err
		}, min(1000, (n/4-n/4*9/10-1)*4), []planStmt{{versionPageSQL, []any{"v", []byte(benchKey(n / 4 * 9 / 10)), keySpaceEnd, 1001, int64(math.MaxInt64)}}}},
		{"versions-delimiter", func(ctx context.Context, s meta.Store) (int, error) {
			p, err := s.ListObjectVersions(ctx, "v", meta.VersionQuery{Delimiter: "/", MaxKeys: 1000})
			return len(p.Versions) + len(p.CommonPrefixes), err
		}, min((n/4+999)/1000, 1000), []planStmt{
			{dirObjectVersionsSQL, []any{"v", []byte{}, []byte{}, keySpaceEnd, 1001, int64(math.MinInt64)}},
			{dirDirVersionsSQL, []any{"v", []byte{}, []byte{}, keySpaceEnd, 1001}}}},
		{"uploads-deep", func(ctx context.Context, s meta.Store) (int, error) {
			u := benchUpload("u", n/10/2)
			p, err := s.ListUploads(ctx, "u", meta.UploadQuery{KeyMarker: u.Key, MaxUploads: 1000})
			return len(p.Uploads) + len(p.CommonPrefixes), err
		}, min(1000, n/10-n/10/2-1), []planStmt{{uploadRangeSQL, []any{ids["u"], successor([]byte(benchUpload("u", n/10/2).Key)), int64(math.MinInt64), "", keySpaceEnd, 1001}}}},
	}
}

func BenchmarkListingBoltVsPostgres(b *testing.B) {
	n := benchObjects(b)
	bs, err := bolt.Open(filepath.Join(b.TempDir(), "meta.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer bs.Close()
	start := time.Now()
	fillBolt(b, bs, n)
	b.Logf("bolt: %d objects, %d versions, %d uploads in %v", n, n/4*4, n/10, time.Since(start).Round(time.Millisecond))
	ps, _ := openTest(b)
	start = time.Now()
	ids := fillPostgres(b, ps, n)
	b.Logf("postgres: the same in %v", time.Since(start).Round(time.Millisecond))

	ctx := context.Background()
	cases := listCases(n, ids)
	if path := os.Getenv("SIGNET_BENCH_PLANS"); path != "" {
		writePlans(b, ps, cases, path)
	}
	for _, c := range cases {
		var boltNs float64
		for _, e := range []struct {
			name string
			s    meta.Store
		}{{"bolt", bs}, {"postgres", ps}} {
			b.Run(c.name+"/"+e.name, func(b *testing.B) {
				// One page first, untimed: a connection's first use of a
				// statement prepares it. And no garbage of the fill or of
				// the other engine's run left for this one to collect.
				if _, err := c.list(ctx, e.s); err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				for b.Loop() {
					got, err := c.list(ctx, e.s)
					if err != nil {
						b.Fatal(err)
					}
					if got != c.want {
						b.Fatalf("%d entries, want %d", got, c.want)
					}
				}
				perPage := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
				b.ReportMetric(perPage, "ns/page")
				if e.name == "bolt" {
					boltNs = perPage
				} else if boltNs > 0 {
					b.ReportMetric(perPage/boltNs, "x-bolt")
				}
			})
		}
		// The two runs above are minutes apart on a shared machine, so
		// their ratio carries whatever else the machine did meanwhile.
		// Interleaved rounds measure both engines under the same
		// conditions: the median of the rounds' ratios is the figure the
		// design record quotes, with the worst round beside it.
		b.Run(c.name+"/interleaved", func(b *testing.B) {
			var ratios []float64
			for b.Loop() {
				ratios = interleave(b, ctx, c, bs, ps)
			}
			slices.Sort(ratios)
			b.ReportMetric(ratios[len(ratios)/2], "median-x-bolt")
			b.ReportMetric(ratios[len(ratios)-1], "worst-x-bolt")
		})
	}
}

// interleaveRounds rounds of interleavePages pages from each engine in
// turn give one ratio per round.
const (
	interleaveRounds = 15
	interleavePages  = 20
)

func interleave(b *testing.B, ctx context.Context, c listCase, bs, ps meta.Store) []float64 {
	timePages := func(s meta.Store) time.Duration {
		runtime.GC()
		start := time.Now()
		for range interleavePages {
			if got, err := c.list(ctx, s); err != nil || got != c.want {
				b.Fatalf("%d entries (%v), want %d", got, err, c.want)
			}
		}
		return time.Since(start)
	}
	ratios := make([]float64, 0, interleaveRounds)
	for range interleaveRounds {
		bolt := timePages(bs)
		pg := timePages(ps)
		ratios = append(ratios, float64(pg)/float64(bolt))
	}
	return ratios
}

// writePlans writes EXPLAIN (ANALYZE, BUFFERS) of every case's statements
// to path (SIGNET_BENCH_PLANS), for the design record.
func writePlans(b *testing.B, s *Store, cases []listCase, path string) {
	ctx := context.Background()
	var out strings.Builder
	for _, c := range cases {
		fmt.Fprintf(&out, "### %s\n\n", c.name)
		for _, p := range c.plans {
			// Twice: the first run warms the cache, the second is the
			// steady state a listing sees.
			var plan []string
			for range 2 {
				rows, err := s.pool.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+p.sql, p.args...)
				if err != nil {
					b.Fatal(err)
				}
				if plan, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
					b.Fatal(err)
				}
			}
			fmt.Fprintf(&out, "```\n%s\n```\n\n", strings.Join(plan, "\n"))
		}
	}
	// keySpaceEnd prints as 2,050 'f's: shorten it for the reader.
	text := strings.ReplaceAll(out.String(), "\\x"+strings.Repeat("ff", len(keySpaceEnd)), "<end of key space>")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		b.Fatal(err)
	}
}
