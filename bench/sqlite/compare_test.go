package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"signet/internal/meta"
	"signet/internal/meta/bolt"
	"signet/internal/storage"
)

// engine is the part of a metadata store the comparison exercises: the
// durable write of one object record (with its blob reference), the
// lookup on every GET and HEAD, and a listing.
type engine interface {
	put(ctx context.Context, o meta.Object) error
	get(ctx context.Context, bucket, key string) (meta.Object, error)
	list(ctx context.Context, bucket string, q meta.ListQuery) (int, error)
	close() error
}

// --- bbolt: signet's own store, as the server uses it ---------------------

type boltEngine struct{ s *bolt.Store }

func openBolt(dir string) (engine, error) {
	s, err := bolt.Open(filepath.Join(dir, "meta.db"))
	if err != nil {
		return nil, err
	}
	if err := s.CreateBucket(context.Background(), meta.Bucket{Name: "b", Created: time.Unix(1700000000, 0)}); err != nil {
		return nil, err
	}
	return boltEngine{s}, nil
}

func (e boltEngine) put(ctx context.Context, o meta.Object) error {
	_, err := e.s.PutObject(ctx, o, nil)
	return err
}

func (e boltEngine) get(ctx context.Context, bucket, key string) (meta.Object, error) {
	return e.s.GetObject(ctx, bucket, key)
}

func (e boltEngine) list(ctx context.Context, bucket string, q meta.ListQuery) (int, error) {
	p, err := e.s.ListObjects(ctx, bucket, q)
	return len(p.Objects) + len(p.CommonPrefixes), err
}

func (e boltEngine) close() error { return e.s.Close() }

// --- SQLite (modernc.org/sqlite, pure Go like bbolt) -----------------------
//
// The schema a SQLite backend would have: one row per object with its
// fields as columns, one row per referenced blob, in WAL mode with
// synchronous=FULL so that a commit is durable when it returns (an fsync
// of the WAL), as bbolt's is. SQLite has one writer at a time; the write
// pool has one connection, so concurrent PUTs queue for it and each pays
// its own commit, which is how database/sql uses SQLite unless the
// application groups writes itself.

type sqliteEngine struct {
	w, r      *sql.DB
	put1, ref *sql.Stmt
	get1      *sql.Stmt
	listObj   *sql.Stmt
	nextKey   *sql.Stmt
}

const schema = `
CREATE TABLE objects (
	bucket TEXT NOT NULL, key TEXT NOT NULL,
	size INTEGER NOT NULL, etag TEXT NOT NULL, modified INTEGER NOT NULL,
	content_type TEXT NOT NULL, user_meta TEXT NOT NULL, checksums TEXT NOT NULL,
	blob TEXT NOT NULL,
	PRIMARY KEY (bucket, key)
) WITHOUT ROWID;
CREATE TABLE blobs (id TEXT PRIMARY KEY) WITHOUT ROWID;
`

func openSQLite(dir string) (engine, error) {
	dsn := "file:" + filepath.Join(dir, "meta.sqlite") + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)"
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	if _, err := w.Exec(schema); err != nil {
		return nil, err
	}
	r, err := sql.Open("sqlite", dsn+"&mode=ro")
	if err != nil {
		return nil, err
	}
	r.SetMaxOpenConns(8)
	e := &sqliteEngine{w: w, r: r}
	prep := func(db *sql.DB, q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		st, err = db.Prepare(q)
		return st
	}
	e.put1 = prep(w, `INSERT OR REPLACE INTO objects VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	e.ref = prep(w, `INSERT OR IGNORE INTO blobs VALUES (?)`)
	e.get1 = prep(r, `SELECT size, etag, modified, content_type, user_meta, checksums, blob FROM objects WHERE bucket = ? AND key = ?`)
	e.listObj = prep(r, `SELECT key, size, etag, modified, content_type, user_meta, checksums, blob FROM objects WHERE bucket = ? AND key >= ? AND key < ? ORDER BY key LIMIT ?`)
	e.nextKey = prep(r, `SELECT key FROM objects WHERE bucket = ? AND key >= ? ORDER BY key LIMIT 1`)
	if err != nil {
		return nil, err
	}
	return e, nil
}

func (e *sqliteEngine) put(ctx context.Context, o meta.Object) error {
	tx, err := e.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.Stmt(e.ref).ExecContext(ctx, string(o.Segments[0].Blob)); err != nil {
		return err
	}
	if _, err := tx.Stmt(e.put1).ExecContext(ctx, o.Bucket, o.Key, o.Size, o.ETag, o.LastModified.UnixNano(),
		o.Attrs.ContentType, "owner=alice", "CRC32=AAAAAA==", string(o.Segments[0].Blob)); err != nil {
		return err
	}
	return tx.Commit()
}

func (e *sqliteEngine) get(ctx context.Context, bucket, key string) (meta.Object, error) {
	o := meta.Object{Bucket: bucket, Key: key}
	var mod int64
	var um, cs, blob string
	err := e.get1.QueryRowContext(ctx, bucket, key).Scan(&o.Size, &o.ETag, &mod, &o.Attrs.ContentType, &um, &cs, &blob)
	o.LastModified = time.Unix(0, mod)
	o.Segments = []meta.Segment{{Blob: storage.BlobID(blob), Size: o.Size}}
	return o, err
}

// list does what bolt.ListObjects does for the two shapes measured: the
// objects under a prefix, or the common prefixes at a delimiter, found by
// seeking past each one (one query per prefix).
func (e *sqliteEngine) list(ctx context.Context, bucket string, q meta.ListQuery) (int, error) {
	if q.Prefix != "" {
		rows, err := e.listObj.QueryContext(ctx, bucket, q.Prefix, q.Prefix+"\xff", q.MaxKeys+1)
		if err != nil {
			return 0, err
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var o meta.Object
			var mod int64
			var um, cs, blob string
			if err := rows.Scan(&o.Key, &o.Size, &o.ETag, &mod, &o.Attrs.ContentType, &um, &cs, &blob); err != nil {
				return n, err
			}
			o.LastModified = time.Unix(0, mod)
			o.Segments = []meta.Segment{{Blob: storage.BlobID(blob), Size: o.Size}}
			if n < q.MaxKeys {
				n++
			}
		}
		return n, rows.Err()
	}
	n, from := 0, ""
	for n < q.MaxKeys {
		var key string
		err := e.nextKey.QueryRowContext(ctx, bucket, from).Scan(&key)
		if err == sql.ErrNoRows {
			break
		}
		if err != nil {
			return n, err
		}
		i := 0
		for i < len(key) && key[i] != '/' {
			i++
		}
		n++
		if i == len(key) {
			from = key + "\x00"
			continue
		}
		from = key[:i] + "0" // '0' is the byte after '/'
	}
	return n, nil
}

func (e *sqliteEngine) close() error { return e.w.Close() }

// --- the comparison --------------------------------------------------------

var engines = []struct {
	name string
	open func(dir string) (engine, error)
}{
	{"bbolt", openBolt},
	{"sqlite", openSQLite},
}

const (
	dirs    = 20
	perDir  = 1000
	objects = dirs * perDir
)

func key(i int) string { return fmt.Sprintf("d%03d/f%05d", i/perDir, i) }

func object(k string, i int) meta.Object {
	return meta.Object{
		Bucket: "b", Key: k, Size: 1 << 20, ETag: "9e107d9d372bb6826bd81d3542a419d6",
		LastModified: time.Unix(1700000000, 0),
		Attrs:        meta.Attrs{ContentType: "image/jpeg", UserMeta: map[string]string{"owner": "alice"}},
		Checksums:    map[string]string{"CRC32": "AAAAAA=="}, ChecksumType: "FULL_OBJECT",
		Segments: []meta.Segment{{Blob: storage.BlobID(fmt.Sprintf("b%09d", i)), Size: 1 << 20}},
	}
}

// filled opens each engine once per test binary and writes the 20,000
// objects the lookups and listings read, through the engines' own durable
// put, 64 writers at a time.
var filled = map[string]engine{}
var fillMu sync.Mutex

func filledEngine(b *testing.B, name string, open func(string) (engine, error)) engine {
	b.Helper()
	fillMu.Lock()
	defer fillMu.Unlock()
	if e, ok := filled[name]; ok {
		return e
	}
	dir, err := tempDir(name)
	if err != nil {
		b.Fatal(err)
	}
	e, err := open(dir)
	if err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for range 64 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= objects {
					return
				}
				if err := e.put(context.Background(), object(key(i), i)); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		b.Fatal(err)
	}
	filled[name] = e
	return e
}

// BenchmarkGetObject is the metadata lookup of every GET and HEAD: one
// object among 20,000.
func BenchmarkGetObject(b *testing.B) {
	for _, en := range engines {
		b.Run(en.name, func(b *testing.B) {
			e := filledEngine(b, en.name, en.open)
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				k := i * 7919 % objects
				o, err := e.get(ctx, "b", key(k))
				if err != nil || o.Size != 1<<20 {
					b.Fatalf("get %s: %v (size %d)", key(k), err, o.Size)
				}
				i++
			}
		})
	}
}

// BenchmarkListObjects: a directory's 1000 objects, and the 20 common
// prefixes at the root.
func BenchmarkListObjects(b *testing.B) {
	for _, en := range engines {
		for _, c := range []struct {
			name string
			q    meta.ListQuery
			want int
		}{
			{"objects1000", meta.ListQuery{Prefix: "d007/", Delimiter: "/", MaxKeys: 1000}, 1000},
			{"prefixes", meta.ListQuery{Delimiter: "/", MaxKeys: 1000}, dirs},
		} {
			b.Run(en.name+"/"+c.name, func(b *testing.B) {
				e := filledEngine(b, en.name, en.open)
				ctx := context.Background()
				b.ReportAllocs()
				for b.Loop() {
					n, err := e.list(ctx, "b", c.q)
					if err != nil || n != c.want {
						b.Fatalf("list: %d entries, %v; want %d", n, err, c.want)
					}
				}
			})
		}
	}
}

// BenchmarkPutDurable is the metadata commit of a PUT, acknowledged only
// once durable, from 1, 16 and 64 concurrent writers, each object a new
// key. ns/op is wall time per put over all writers: its inverse is the
// engine's durable puts per second.
func BenchmarkPutDurable(b *testing.B) {
	for _, en := range engines {
		for _, writers := range []int{1, 16, 64} {
			b.Run(fmt.Sprintf("%s/writers=%d", en.name, writers), func(b *testing.B) {
				dir, err := tempDir(en.name)
				if err != nil {
					b.Fatal(err)
				}
				e, err := en.open(dir)
				if err != nil {
					b.Fatal(err)
				}
				defer e.close()
				var next atomic.Int64
				// RunParallel starts parallelism × GOMAXPROCS goroutines.
				procs := runtime.GOMAXPROCS(0)
				b.SetParallelism((writers + procs - 1) / procs)
				b.ReportAllocs()
				b.ResetTimer()
				run := func(pb *testing.PB) {
					for pb.Next() {
						i := int(next.Add(1))
						if err := e.put(context.Background(), object(fmt.Sprintf("new/%09d", i), i)); err != nil {
							b.Error(err)
							return
						}
					}
				}
				if writers == 1 {
					for i := 0; i < b.N; i++ {
						if err := e.put(context.Background(), object(fmt.Sprintf("new/%09d", i), i)); err != nil {
							b.Fatal(err)
						}
					}
					return
				}
				b.RunParallel(run)
			})
		}
	}
}

// tempDirs are removed by TestMain: the filled engines outlive the
// benchmark that created them, so b.TempDir does not fit. They are made
// under TMPDIR, which must be on the disk under test (not tmpfs, where
// fsync is free).
var tempDirs []string

func tempDir(name string) (string, error) {
	d, err := os.MkdirTemp("", "signet-bench-"+name+"-")
	if err == nil {
		tempDirs = append(tempDirs, d)
	}
	return d, err
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, e := range filled {
		e.close()
	}
	for _, d := range tempDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}
