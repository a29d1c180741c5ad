package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"signet/internal/meta"
)

// dirsFromObjectsSQL derives the directory table from the objects, as
// migration 0004 does: every "/"-terminated prefix of every key, current
// when a key under it is. The tests compare the maintained table with
// it; the benchmark fills the table with it after copying the objects.
const dirsFromObjectsSQL = `WITH RECURSIVE ns(s) AS (
    SELECT string_agg(set_byte('\x00'::bytea, 0, i), '\x'::bytea ORDER BY i) FROM generate_series(0, 255) i WHERE i <> 47),
d(bucket_id, dir, cur) AS (
    SELECT bucket_id, parent, bool_or(latest AND NOT marker) FROM objects
    WHERE parent <> '\x' GROUP BY bucket_id, parent
  UNION
    SELECT d.bucket_id, rtrim(substring(d.dir FROM 1 FOR length(d.dir) - 1), ns.s), d.cur FROM d, ns
    WHERE rtrim(substring(d.dir FROM 1 FOR length(d.dir) - 1), ns.s) <> '\x'
)
SELECT d.bucket_id, rtrim(substring(d.dir FROM 1 FOR length(d.dir) - 1), ns.s), d.dir, bool_or(d.cur)
FROM d, ns GROUP BY d.bucket_id, d.dir, ns.s`

// checkDirs fails t unless the directory table and objects.parent are
// what the objects say they should be.
func checkDirs(t testing.TB, s *Store) {
	t.Helper()
	ctx := context.Background()
	read := func(sql string) []string {
		rows, err := s.pool.Query(ctx, sql)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id int64
			var parent, dir []byte
			var cur bool
			if err := rows.Scan(&id, &parent, &dir, &cur); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%d %q %q %v", id, parent, dir, cur))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		slices.Sort(out)
		return out
	}
	got := read("SELECT bucket_id, parent, dir, current FROM dirs")
	want := read(dirsFromObjectsSQL)
	if !slices.Equal(got, want) {
		t.Fatalf("dirs table\n got %q\nwant %q", got, want)
	}
	var bad int
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM objects WHERE parent <> substring(key FROM 1 FOR length(parent)) OR position('\\x2f'::bytea IN substring(key FROM length(parent) + 1)) > 0").Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if bad > 0 {
		t.Fatalf("%d objects with the wrong parent", bad)
	}
}

func TestDirsOf(t *testing.T) {
	for key, want := range map[string][]string{
		"":          nil,
		"a":         nil,
		"a/":        {"a/", ""},
		"a/b/c":     {"a/b/", "a/", "a/", ""},
		"/x":        {"/", ""},
		"a//b/":     {"a//b/", "a//", "a//", "a/", "a/", ""},
		"\xff/\x00": {"\xff/", ""},
	} {
		dirs, parents := dirsOf([]byte(key))
		var got []string
		for i := range dirs {
			got = append(got, string(dirs[i]), string(parents[i]))
		}
		if !slices.Equal(got, want) {
			t.Errorf("dirsOf(%q) = %q, want %q", key, got, want)
		}
	}
}

// TestDirsFollowWrites runs random writes of every kind over "/"-heavy
// keys, in buckets never versioned, versioned and suspended, and checks
// the directory table against its recomputation from the objects after
// each batch.
func TestDirsFollowWrites(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 18))
	keys := []string{"a", "a/", "a/b", "a/b/", "a/b/c", "a/c/d/e", "b/", "b//", "b//c", "c/d", "/", "//x", "a/b/c/"}
	for _, bucket := range []string{"plain", "versioned", "suspended"} {
		if err := s.CreateBucket(ctx, meta.Bucket{Name: bucket}); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"versioned", "suspended"} {
		if err := s.SetBucketVersioning(ctx, name, meta.VersioningEnabled); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for round := range 20 {
		if round == 5 {
			if err := s.SetBucketVersioning(ctx, "suspended", meta.VersioningSuspended); err != nil {
				t.Fatal(err)
			}
		}
		for range 30 {
			n++
			key := keys[r.IntN(len(keys))]
			bucket := []string{"plain", "versioned", "suspended"}[r.IntN(3)]
			vid := ""
			switch {
			case bucket == "versioned" || bucket == "suspended" && round < 5:
				vid = fmt.Sprintf("v%06d", n)
			case bucket == "suspended":
				vid = meta.NullVersion
			}
			var err error
			switch op := r.IntN(4); {
			case op == 0 || op == 1:
				_, err = s.PutObject(ctx, meta.Object{Bucket: bucket, Key: key, VersionID: vid}, nil)
			case op == 2 && bucket == "plain":
				_, err = s.DeleteObject(ctx, bucket, key)
			case op == 2:
				_, err = s.PutDeleteMarker(ctx, bucket, key, vid, t0)
			default:
				p, lerr := s.ListObjectVersions(ctx, bucket, meta.VersionQuery{Prefix: key, MaxKeys: 1000})
				if lerr != nil {
					t.Fatal(lerr)
				}
				var ids []string
				for _, v := range p.Versions {
					if v.Key == key {
						ids = append(ids, v.VersionID)
					}
				}
				if len(ids) > 0 {
					_, _, err = s.DeleteObjectVersion(ctx, bucket, key, ids[r.IntN(len(ids))])
				}
			}
			if err != nil {
				t.Fatalf("write %d to %s/%q: %v", n, bucket, key, err)
			}
		}
		checkDirs(t, s)
	}
}

// TestDirsRaceDeleteAndPut races deletes of the last key of a directory
// against PUTs of new keys into it, from two Stores (two nodes), and
// checks the directory table against its recomputation afterwards:
// SERIALIZABLE must abort (and the store retry) one of any two writes
// that would leave a directory missing or wrongly not current.
func TestDirsRaceDeleteAndPut(t *testing.T) {
	s1, dsn := openTest(t)
	s2, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	ctx := t.Context()
	for _, b := range []string{"plain", "versioned"} {
		if err := s1.CreateBucket(ctx, meta.Bucket{Name: b}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s1.SetBucketVersioning(ctx, "versioned", meta.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	for round := range 40 {
		dir := fmt.Sprintf("d%02d/sub/", round)
		for _, b := range []string{"plain", "versioned"} {
			if _, err := s1.PutObject(ctx, meta.Object{Bucket: b, Key: dir + "old", VersionID: vid(b, round, 0)}, nil); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		wg.Go(func() {
			_, err := s1.DeleteObject(ctx, "plain", dir+"old")
			errs <- err
		})
		wg.Go(func() {
			_, err := s2.PutObject(ctx, meta.Object{Bucket: "plain", Key: dir + "new"}, nil)
			errs <- err
		})
		wg.Go(func() {
			_, err := s1.PutDeleteMarker(ctx, "versioned", dir+"old", vid("versioned", round, 1), t0)
			errs <- err
		})
		wg.Go(func() {
			_, err := s2.PutObject(ctx, meta.Object{Bucket: "versioned", Key: dir + "new", VersionID: vid("versioned", round, 2)}, nil)
			errs <- err
		})
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		checkDirs(t, s1)
		// The directory is listed, in both, as holding "new".
		for _, b := range []string{"plain", "versioned"} {
			p, err := s2.ListObjects(ctx, b, meta.ListQuery{Prefix: fmt.Sprintf("d%02d/", round), Delimiter: "/", MaxKeys: 10})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p.CommonPrefixes, []string{dir}) || len(p.Objects) != 0 {
				t.Fatalf("%s round %d: common prefixes %q, objects %d", b, round, p.CommonPrefixes, len(p.Objects))
			}
		}
	}
}

func vid(bucket string, round, i int) string {
	if bucket == "plain" {
		return ""
	}
	return fmt.Sprintf("r%02d-%d", round, i)
}

// TestMigrationDerivesDirs takes a database back to schema 3 (no
// directory table, no objects.parent) with objects in it, opens it, and
// checks that migration 0004 derives what the writes would have kept.
func TestMigrationDerivesDirs(t *testing.T) {
	s, dsn := openTest(t)
	ctx := t.Context()
	for _, b := range []string{"p", "v"} {
		if err := s.CreateBucket(ctx, meta.Bucket{Name: b}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetBucketVersioning(ctx, "v", meta.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	for i, k := range []string{"a", "a/", "a/b/c", "a/b/d/", "x//y", "/z", "m/n/o"} {
		if _, err := s.PutObject(ctx, meta.Object{Bucket: "p", Key: k}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PutObject(ctx, meta.Object{Bucket: "v", Key: k, VersionID: fmt.Sprintf("v%d", i)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	// "m/" and "m/n/" hold only a delete marker as current: directories,
	// not current.
	if _, err := s.PutDeleteMarker(ctx, "v", "m/n/o", "dm", t0); err != nil {
		t.Fatal(err)
	}
	want := listAll(t, s)
	for _, q := range []string{
		"DROP TABLE dirs",
		"ALTER TABLE objects DROP COLUMN parent",
		// Later migrations go too, so that 0004 runs again.
		"DROP TABLE url_revocations",
		"DROP TABLE iam_login_profiles",
		"DROP TABLE console_links",
		"DELETE FROM schema_migrations WHERE version >= 4",
	} {
		if _, err := s.pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s2, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	checkDirs(t, s2)
	var rows int
	if err := s2.pool.QueryRow(ctx, "SELECT count(*) FROM dirs WHERE NOT current").Scan(&rows); err != nil || rows != 2 {
		t.Fatalf("%d directories not current (%v), want 2 (m/ and m/n/ of bucket v)", rows, err)
	}
	if got := listAll(t, s2); !slices.Equal(got, want) {
		t.Fatalf("after the migration\n got %q\nwant %q", got, want)
	}
}

// listAll lists buckets p and v with delimiter "/" under every prefix
// the test's keys have.
func listAll(t *testing.T, s *Store) []string {
	t.Helper()
	var out []string
	for _, b := range []string{"p", "v"} {
		for _, prefix := range []string{"", "a/", "a/b/", "x/", "x//", "m/", "m/n/", "a"} {
			p, err := s.ListObjects(t.Context(), b, meta.ListQuery{Prefix: prefix, Delimiter: "/", MaxKeys: 100})
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range p.Objects {
				out = append(out, b+" "+prefix+": "+o.Key)
			}
			out = append(out, fmt.Sprintf("%s %s: %q", b, prefix, p.CommonPrefixes))
			v, err := s.ListObjectVersions(t.Context(), b, meta.VersionQuery{Prefix: prefix, Delimiter: "/", MaxKeys: 100})
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range v.Versions {
				out = append(out, b+" "+prefix+" version: "+o.Key+"@"+o.VersionID)
			}
			out = append(out, fmt.Sprintf("%s %s versions: %q", b, prefix, v.CommonPrefixes))
		}
	}
	return out
}
