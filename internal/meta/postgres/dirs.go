package postgres

import (
	"bytes"
	"context"
	"hash/fnv"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"signet/internal/meta"
)

// The directory table (migration 0004_dirs.sql): every "/"-terminated
// prefix of every key with a version, flagged current while a key under
// it is current and not a delete marker. The write transactions keep it
// in step with the objects, touching a directory's row only when that
// changes: a new key in an existing directory reads the rows and writes
// none, so concurrent PUTs in one directory do not conflict over it (no
// counters). Object writes run READ COMMITTED under their key's lock
// (writeLocked), which does not order two writes of different keys in
// one directory; the directories' own advisory locks do (lockDirs): a
// writer adding a key under a directory holds it shared, a writer that
// may remove the directory or clear its current flag holds it exclusive
// while it probes the keys under it. So a removal's probe runs either
// after the adding write committed (and sees its key) or before it began
// its directory statement (which then sees the removal and puts the
// directory back).

// parentOf is key up to and including its last "/", empty when it has
// none: the directory a key sits directly in.
func parentOf(key []byte) []byte { return key[:bytes.LastIndexByte(key, '/')+1] }

// dirsOf returns the "/"-terminated prefixes of key, deepest first, and
// each one's parent: "a/b/c" gives "a/b/" (parent "a/") and "a/" (parent
// "").
func dirsOf(key []byte) (dirs, parents [][]byte) {
	for d := parentOf(key); len(d) > 0; {
		p := parentOf(d[:len(d)-1])
		dirs, parents = append(dirs, d), append(parents, p)
		d = p
	}
	return dirs, parents
}

// keyState is what a key holds, as far as the directory table cares.
type keyState struct {
	exists  bool // the key has at least one version
	current bool // its latest version is an object, not a delete marker
}

// addDirsSQL makes sure the directories $2 (with parents $3) exist and,
// when $4, are current. It reads the rows first and writes only those
// missing or not yet current: the read is what SERIALIZABLE needs to see
// against a writer that removes the directory's last key.
const addDirsSQL = `WITH want AS (
    SELECT unnest($2::bytea[]) AS dir, unnest($3::bytea[]) AS parent),
have AS (
    SELECT dir, current FROM dirs WHERE bucket_id = $1 AND dir = ANY($2::bytea[]))
INSERT INTO dirs (bucket_id, parent, dir, current)
SELECT $1, w.parent, w.dir, $4 FROM want w
WHERE NOT EXISTS (SELECT 1 FROM have h WHERE h.dir = w.dir AND (h.current OR NOT $4::boolean))
ON CONFLICT (bucket_id, dir) DO UPDATE SET current = true WHERE $4::boolean AND NOT dirs.current`

// dropDirsSQL deletes those of directories $2 under which no key has a
// version any more; a directory ends in "/", so the keys under it are
// those from it up to it with its last byte bumped to "0".
const dropDirsSQL = `DELETE FROM dirs d WHERE d.bucket_id = $1 AND d.dir = ANY($2::bytea[])
    AND NOT EXISTS (SELECT 1 FROM objects o WHERE o.bucket_id = $1
        AND o.key >= d.dir AND o.key < set_byte(d.dir, length(d.dir) - 1, 48))`

// uncurrentDirsSQL clears the current flag of those of directories $2
// under which no key is current any more: one descent of the
// current-objects index each.
const uncurrentDirsSQL = `UPDATE dirs d SET current = false WHERE d.bucket_id = $1 AND d.dir = ANY($2::bytea[]) AND d.current
    AND NOT EXISTS (SELECT 1 FROM objects o WHERE o.bucket_id = $1 AND o.latest AND NOT o.marker
        AND o.key >= d.dir AND o.key < set_byte(d.dir, length(d.dir) - 1, 48))`

// lockDirs takes the advisory locks of dirs, in the order given (every
// write lists a key's directories deepest first, so two writes never
// wait for each other's locks in opposite orders): shared for a write
// that only adds, exclusive for one that may remove. They are held to the
// end of the transaction.
func lockDirs(ctx context.Context, tx pgx.Tx, bucketID int64, dirs [][]byte, exclusive bool) error {
	ids := make([]int64, len(dirs))
	for i, d := range dirs {
		ids[i] = dirLockID(bucketID, d)
	}
	fn := "pg_advisory_xact_lock_shared"
	if exclusive {
		fn = "pg_advisory_xact_lock"
	}
	_, err := tx.Exec(ctx, "SELECT "+fn+"(id) FROM unnest($1::bigint[]) WITH ORDINALITY AS l(id, n) ORDER BY n", ids)
	return err
}

// dirLockID is the advisory lock of one directory of one bucket, hashed
// apart from the keys' locks (keyLockID).
func dirLockID(bucketID int64, dir []byte) int64 {
	h := fnv.New64a()
	h.Write([]byte("dir\x00"))
	h.Write([]byte(strconv.FormatInt(bucketID, 10)))
	h.Write([]byte{0})
	h.Write(dir)
	return int64(h.Sum64())
}

// syncDirs brings the directories above key in step with its change
// from state was to state now, inside the write's transaction (after the
// change to the objects, so the probes see it).
func syncDirs(ctx context.Context, tx pgx.Tx, bucketID int64, key []byte, was, now keyState) error {
	if was == now {
		return nil
	}
	dirs, parents := dirsOf(key)
	if len(dirs) == 0 {
		return nil
	}
	adding := now.exists && (!was.exists || now.current && !was.current)
	if err := lockDirs(ctx, tx, bucketID, dirs, !adding); err != nil {
		return err
	}
	switch {
	case adding:
		_, err := tx.Exec(ctx, addDirsSQL, bucketID, dirs, parents, now.current)
		return err
	case !now.exists:
		b := &pgx.Batch{}
		b.Queue(dropDirsSQL, bucketID, dirs)
		if was.current {
			b.Queue(uncurrentDirsSQL, bucketID, dirs)
		}
		return tx.SendBatch(ctx, b).Close()
	case was.current && !now.current:
		_, err := tx.Exec(ctx, uncurrentDirsSQL, bucketID, dirs)
		return err
	}
	return nil
}

// Listings with delimiter "/". Under a prefix P, with pp the prefix up to
// and including its last "/", a key under P is listed as an object
// exactly when it has no "/" after P, i.e. when its parent is pp; and the
// common prefixes are exactly the directories under P whose parent is
// pp (P itself, when it ends in "/", has a shorter parent). So the page is
// the merge in key order of two range scans, objects and directories of
// parent pp from the page's start, each cut at the page's length: no
// step per common prefix. Other delimiters keep the walk (listing.go).

// A "/" page is two statements, the objects and the directories of
// parent $2 from the page's start, each cut at the page's length $5, sent
// in one round trip with the bucket's lookup and merged here: as one
// UNION, PostgreSQL sorted the rows of a version page (it cannot merge
// on (key, ord) what only one side orders by ord). Both statements find
// the bucket by its name, $1, and answer dirCurrentSQL's columns.

// dirObjectsCurrentSQL and dirDirsCurrentSQL are a ListObjects page's:
// from $3 up to (not including) $4. A directory's record is NULL.
const (
	dirObjectsCurrentSQL = `SELECT key, 0::bigint, false, version_id, true, false, rec FROM objects
    WHERE bucket_id = (SELECT id FROM buckets WHERE name = $1) AND parent = $2 AND latest AND NOT marker AND key >= $3 AND key < $4
    ORDER BY key LIMIT $5`
	dirDirsCurrentSQL = `SELECT dir, 0::bigint, true, '', false, false, NULL::bytea FROM dirs
    WHERE bucket_id = (SELECT id FROM buckets WHERE name = $1) AND parent = $2 AND current AND dir >= $3 AND dir < $4
    ORDER BY dir LIMIT $5`
)

// dirCurrentStmts are a ListObjects page's statements.
func dirCurrentStmts(q meta.ListQuery) []stmt {
	args := []any{parentOf([]byte(q.Prefix)), listStart(q), rangeEnd(q.Prefix), q.MaxKeys + 1}
	return []stmt{{dirObjectsCurrentSQL, args}, {dirDirsCurrentSQL, args}}
}

// listDirCurrent is listCurrent for delimiter "/".
func listDirCurrent(ctx context.Context, tx querier, b bucketInfo, q meta.ListQuery) ([]entry, error) {
	_, entries, err := dirPage(ctx, tx, b.name, q.MaxKeys, nil, dirCurrentStmts(q))
	return entries, err
}

// dirObjectVersionsSQL and dirDirVersionsSQL are a ListObjectVersions
// page's: versions after position ($3, $6) in (key, ord) order up to key
// $4, directories from $3 up to $4. The bucket and the parent are
// equalities and the position a row comparison that starts with the key
// column: as an upper bound a row comparison (bucket_id, parent, key) <
// … did not stop the scan, which read the rest of the bucket (73 ms at
// 1,000,000 versions).
const (
	dirObjectVersionsSQL = `SELECT key, ord, false, version_id, latest, marker, rec FROM objects
    WHERE bucket_id = (SELECT id FROM buckets WHERE name = $1) AND parent = $2 AND (key, ord) > ($3, $6) AND key < $4
    ORDER BY key, ord LIMIT $5`
	dirDirVersionsSQL = `SELECT dir, 0::bigint, true, '', false, false, NULL::bytea FROM dirs
    WHERE bucket_id = (SELECT id FROM buckets WHERE name = $1) AND parent = $2 AND dir >= $3 AND dir < $4
    ORDER BY dir LIMIT $5`
)

// dirVersionsStmts are a ListObjectVersions page's statements, for a
// listing from after position (pk, po).
func dirVersionsStmts(q meta.VersionQuery, pk []byte, po int64) []stmt {
	// A common prefix is listed when it is after the key marker.
	from := []byte(q.Prefix)
	if q.KeyMarker >= q.Prefix {
		from = successor([]byte(q.KeyMarker))
	}
	parent, end := parentOf([]byte(q.Prefix)), rangeEnd(q.Prefix)
	return []stmt{
		{dirObjectVersionsSQL, []any{parent, pk, end, q.MaxKeys + 1, po}},
		{dirDirVersionsSQL, []any{parent, from, end, q.MaxKeys + 1}},
	}
}

// listDirVersions is listVersions for delimiter "/", from after
// position (pk, po).
func listDirVersions(ctx context.Context, tx querier, b bucketInfo, q meta.VersionQuery, pk []byte, po int64) ([]entry, error) {
	_, entries, err := dirPage(ctx, tx, b.name, q.MaxKeys, nil, dirVersionsStmts(q, pk, po))
	return entries, err
}

// dirPage looks the bucket up and runs a "/" page's statements in one
// round trip, and merges their rows into up to maxKeys+1 entries; when
// read says no of the bucket found, the rows are left unread.
func dirPage(ctx context.Context, tx querier, name string, maxKeys int, read func(bucketInfo) bool, stmts []stmt) (bucketInfo, []entry, error) {
	var parts [2][]entry
	b, err := lookupWith(ctx, tx, name, func(b bucketInfo, i int, rows pgx.Rows) (err error) {
		if read == nil || read(b) {
			parts[i], err = scanDirEntries(rows, maxKeys)
		}
		return err
	}, stmts...)
	if err != nil {
		return b, nil, err
	}
	return b, mergeEntries(parts[0], parts[1], maxKeys+1), nil
}

// mergeEntries merges two runs of entries in key order (a directory and
// a key are never equal), keeping the first n.
func mergeEntries(a, b []entry, n int) []entry {
	switch {
	case len(b) == 0:
		return a[:min(n, len(a))]
	case len(a) == 0:
		return b[:min(n, len(b))]
	}
	out := make([]entry, 0, min(n, len(a)+len(b)))
	for len(out) < n && (len(a) > 0 || len(b) > 0) {
		if len(b) == 0 || len(a) > 0 && bytes.Compare(a[0].val, b[0].val) < 0 {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return out
}

// scanDirEntries reads the rows of one of the page statements.
func scanDirEntries(rows pgx.Rows, maxKeys int) ([]entry, error) {
	out := make([]entry, 0, min(maxKeys+1, 1024))
	var buf arena
	// Scanned into once per page, not per row: a variable Scan takes the
	// address of escapes to the heap.
	var key, rec pgtype.DriverBytes
	for rows.Next() {
		var e entry
		if err := rows.Scan(&key, &e.ord, &e.cp, &e.row.versionID, &e.row.latest, &e.row.marker, &rec); err != nil {
			return nil, err
		}
		e.val, e.row.rec = buf.keep(key), buf.keep(rec)
		e.row.key = e.val
		out = append(out, e)
	}
	return out, rows.Err()
}

// arena holds the bytes of a page's rows (keys and records) in a few
// large allocations rather than two per row: pgx lends each row's bytes
// only until the next, and a page copies a thousand of them.
type arena []byte

// keep copies b into the arena and returns the copy (nil for nil b,
// which a common prefix's record is).
func (a *arena) keep(b []byte) []byte {
	if b == nil {
		return nil
	}
	if len(*a)+len(b) > cap(*a) {
		// A new chunk, not a grown one: the copies already handed out
		// keep pointing into the old.
		*a = make([]byte, 0, max(64<<10, len(b)))
	}
	start := len(*a)
	*a = append(*a, b...)
	return (*a)[start:len(*a):len(*a)]
}
