package postgres

import (
	"bytes"
	"context"
	"math"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"signet/internal/meta"
)

// Listings. A page without a delimiter is one range scan of an index,
// and so is one with delimiter "/", which reads the directory table
// (dirs.go). A page with another delimiter must skip every key under each common prefix it rolls
// up: a round trip per prefix would cost a page of 1000 prefixes a
// thousand round trips, so the walk runs inside PostgreSQL as one
// recursive query (a "loose index scan": each step is one index descent
// to the first key at or after a position, and a common prefix moves the
// position past its whole range). The rules are meta.WalkList's.

// keySpaceEnd is greater than every key: keys are at most maxKeyLen
// bytes, so maxKeyLen+1 0xFF bytes bound them all.
var keySpaceEnd = bytes.Repeat([]byte{0xFF}, maxKeyLen+1)

// rangeEnd is the exclusive upper bound of the keys under prefix.
func rangeEnd(prefix string) []byte {
	if end := meta.PrefixEnd([]byte(prefix)); end != nil {
		return end
	}
	return keySpaceEnd
}

// firstDelimBatch is how many keys a listing with a delimiter reads in
// its first range scan, looking for the first common prefix.
const firstDelimBatch = 64

// successor is the smallest key greater than k.
func successor(k []byte) []byte { return append(bytes.Clone(k), 0) }

// rollupSQL can seek past a common prefix in SQL only when it can
// compute the prefix's end by bumping its last byte, the delimiter's
// last byte: that byte must not be 0xFF. (A key that is valid UTF-8,
// as S3 keys are, never holds 0xFF.)
func rollupSQL(delim string) bool { return delim != "" && delim[len(delim)-1] != 0xFF }

// entry is one entry of a page: a common prefix, or a row.
type entry struct {
	val []byte // the key, or the common prefix
	cp  bool
	row objectRow
	ord int64
}

// currentWalkSQL walks the current objects of bucket $1 from key $2 up
// to (not including) $3, rolling keys up at the first delimiter $5
// (of $8 bytes) after the prefix's $4 bytes; $6 is the delimiter's last
// byte plus one and $7 the most entries to produce. Each step is one
// descent of the current-objects index that reads only the index (once
// the visibility map says so): the records of the entries that are
// objects are joined in at the end (in a lateral subquery kept apart by
// OFFSET 0, so that PostgreSQL checks "NOT w.cp" as a one-time filter
// before it probes: a common prefix costs no probe).
const currentWalkSQL = `WITH RECURSIVE walk(n, pos, val, cp) AS (
    SELECT 0, $2::bytea, NULL::bytea, false
  UNION ALL
    SELECT w.n + 1,
        CASE WHEN d.i > 0 THEN set_byte(substring(f.key FROM 1 FOR $4::int + d.i - 1 + $8::int), $4::int + d.i + $8::int - 2, $6::int)
            ELSE f.key || '\x00'::bytea END,
        CASE WHEN d.i > 0 THEN substring(f.key FROM 1 FOR $4::int + d.i - 1 + $8::int) ELSE f.key END,
        d.i > 0
    FROM walk w
    CROSS JOIN LATERAL (
        SELECT o.key FROM objects o
        WHERE o.bucket_id = $1 AND o.latest AND NOT o.marker AND o.key >= w.pos AND o.key < $3
        ORDER BY o.key LIMIT 1) f
    CROSS JOIN LATERAL (SELECT position($5::bytea IN substring(f.key FROM $4::int + 1)) AS i) d
    WHERE w.n < $7
)
SELECT w.val, w.cp, coalesce(o.version_id, ''), o.rec FROM walk w
LEFT JOIN LATERAL (
    SELECT o.version_id, o.rec FROM objects o
    WHERE NOT w.cp AND o.bucket_id = $1 AND o.key = w.val AND o.latest AND NOT o.marker OFFSET 0) o ON true
WHERE w.n > 0 ORDER BY w.n`

// currentRangeSQL is the page without a delimiter.
const currentRangeSQL = `SELECT key, false, version_id, rec FROM objects
    WHERE bucket_id = $1 AND latest AND NOT marker AND key >= $2 AND key < $3
    ORDER BY key LIMIT $4`

// currentRangeDelimSQL is currentRangeSQL flagging the keys that hold
// delimiter $6 after the prefix's $5 bytes, and not sending their
// records: the caller stops at the first, and at the root of a bucket of
// directories every key is one.
const currentRangeDelimSQL = `SELECT key, position($6::bytea IN substring(key FROM $5::int + 1)) > 0 AS cp, version_id,
        CASE WHEN position($6::bytea IN substring(key FROM $5::int + 1)) > 0 THEN NULL ELSE rec END
    FROM objects
    WHERE bucket_id = $1 AND latest AND NOT marker AND key >= $2 AND key < $3
    ORDER BY key LIMIT $4`

// listStart is the first key a ListObjects page may hold.
func listStart(q meta.ListQuery) []byte {
	if q.After >= q.Prefix {
		return successor([]byte(q.After))
	}
	return []byte(q.Prefix)
}

// listCurrent returns up to max+1 entries of the current objects that
// ListObjects with q (and After) would list, in order.
func listCurrent(ctx context.Context, tx querier, b bucketInfo, q meta.ListQuery) ([]entry, error) {
	start, end := listStart(q), rangeEnd(q.Prefix)
	if q.Delimiter == "/" {
		return listDirCurrent(ctx, tx, b, q)
	}
	if q.Delimiter != "" && !rollupSQL(q.Delimiter) {
		return walkCurrent(ctx, tx, b, q)
	}
	// A range scan first: with no delimiter it is the page; with one,
	// it serves the keys up to the first common prefix, often all of
	// them (a listing inside a directory). Past that prefix the walk
	// continues in SQL. With a delimiter the first scan is short, so a
	// page of common prefixes does not read a page of keys under the
	// first one; if it finds none, a second scan reads the rest.
	delim := []byte(q.Delimiter)
	want := q.MaxKeys + 1
	batch := want
	if len(delim) > 0 {
		batch = min(want, firstDelimBatch)
	}
	out := make([]entry, 0, min(batch, 1001))
	var buf arena
	var rollup []byte // where the walk goes on, past the first common prefix
	for pos := start; ; {
		var rows pgx.Rows
		var err error
		if len(delim) == 0 {
			rows, err = tx.Query(ctx, currentRangeSQL, b.id, pos, end, batch)
		} else {
			rows, err = tx.Query(ctx, currentRangeDelimSQL, b.id, pos, end, batch, len(q.Prefix), delim)
		}
		if err != nil {
			return nil, err
		}
		n := 0
		for rows.Next() {
			n++
			var e entry
			var key, rec pgtype.DriverBytes
			if err := rows.Scan(&key, &e.cp, &e.row.versionID, &rec); err != nil {
				rows.Close()
				return nil, err
			}
			e.val, e.row.rec = buf.keep(key), buf.keep(rec)
			if cp := commonPrefix(e.val, q.Prefix, delim); cp != nil {
				if string(cp) > q.After {
					out = append(out, entry{val: cp, cp: true})
				}
				rollup = meta.PrefixEnd(cp)
				break
			}
			e.row.key, e.row.latest = e.val, true
			out = append(out, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if rollup != nil || n < batch || len(out) >= want {
			break
		}
		pos, batch = successor(out[len(out)-1].val), want-len(out)
	}
	if rollup == nil || len(out) > q.MaxKeys {
		return out, nil
	}
	rows, err := tx.Query(ctx, currentWalkSQL, b.id, rollup, end, len(q.Prefix), delim, int(delim[len(delim)-1])+1, q.MaxKeys+1-len(out), len(delim))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e entry
		var key, rec pgtype.DriverBytes
		if err := rows.Scan(&key, &e.cp, &e.row.versionID, &rec); err != nil {
			return nil, err
		}
		e.val, e.row.rec = buf.keep(key), buf.keep(rec)
		e.row.key, e.row.latest = e.val, true
		out = append(out, e)
	}
	return out, rows.Err()
}

// commonPrefix returns the common prefix key rolls up into under prefix
// and delim, nil when it rolls up into none.
func commonPrefix(key []byte, prefix string, delim []byte) []byte {
	if len(delim) == 0 {
		return nil
	}
	i := bytes.Index(key[len(prefix):], delim)
	if i < 0 {
		return nil
	}
	return key[:len(prefix)+i+len(delim)]
}

// countObjects counts the entries that are objects, not common
// prefixes, to size a page's slice once.
func countObjects(entries []entry) int {
	n := 0
	for _, e := range entries {
		if !e.cp {
			n++
		}
	}
	return n
}

// walkCurrent is listCurrent for a delimiter whose last byte is 0xFF:
// meta.WalkList over a cursor that queries once per seek.
func walkCurrent(ctx context.Context, tx querier, b bucketInfo, q meta.ListQuery) ([]entry, error) {
	c := &seekCursor{ctx: ctx, tx: tx, bucketID: b.id, end: rangeEnd(q.Prefix), batch: q.MaxKeys + 1}
	var out []entry
	walkQ := q
	walkQ.MaxKeys = q.MaxKeys + 1
	_, _, err := meta.WalkList(c, walkQ, func(k []byte, cp bool) error {
		e := entry{val: bytes.Clone(k), cp: cp}
		if !cp {
			e.row = c.row()
		}
		out = append(out, e)
		return nil
	})
	if err == nil {
		err = c.err
	}
	return out, err
}

// seekCursor is a meta.KeyCursor over a bucket's current objects: a Seek
// is one query, fetching a batch that Next walks.
type seekCursor struct {
	ctx      context.Context
	tx       querier
	bucketID int64
	end      []byte
	batch    int
	buf      []objectRow
	i        int
	full     bool // the last fetch filled its batch: more may follow
	err      error
}

func (c *seekCursor) fetch(from []byte) []byte {
	c.buf, c.i, c.full = nil, 0, false
	if c.err != nil {
		return nil
	}
	rows, err := c.tx.Query(c.ctx, currentRangeSQL, c.bucketID, from, c.end, c.batch)
	if err != nil {
		c.err = err
		return nil
	}
	defer rows.Close()
	for rows.Next() {
		var r objectRow
		var cp bool
		if err := rows.Scan(&r.key, &cp, &r.versionID, &r.rec); err != nil {
			c.err = err
			return nil
		}
		r.latest = true
		c.buf = append(c.buf, r)
	}
	if c.err = rows.Err(); c.err != nil {
		return nil
	}
	c.full = len(c.buf) == c.batch
	return c.at()
}

func (c *seekCursor) at() []byte {
	if c.i >= len(c.buf) {
		return nil
	}
	return c.buf[c.i].key
}

func (c *seekCursor) row() objectRow { return c.buf[c.i] }

func (c *seekCursor) Seek(k []byte) []byte { return c.fetch(k) }

func (c *seekCursor) Next() []byte {
	c.i++
	if c.i == len(c.buf) && c.full {
		return c.fetch(successor(c.buf[len(c.buf)-1].key))
	}
	return c.at()
}

func (s *Store) ListObjects(ctx context.Context, bucket string, q meta.ListQuery) (meta.ListPage, error) {
	if q.MaxKeys < 0 {
		return meta.ListPage{}, badArg("negative MaxKeys %d", q.MaxKeys)
	}
	var page meta.ListPage
	err := s.readDirect(ctx, func(ctx context.Context, tx querier) error {
		page = meta.ListPage{}
		var entries []entry
		var err error
		if (q.Delimiter == "" || q.Delimiter == "/") && q.MaxKeys > 0 {
			// The whole page is one statement: send the bucket's
			// lookup with it.
			stmts := []stmt{{currentPageSQL, []any{listStart(q), rangeEnd(q.Prefix), q.MaxKeys + 1}}}
			if q.Delimiter == "/" {
				stmts = dirCurrentStmts(q)
			}
			_, entries, err = dirPage(ctx, tx, bucket, q.MaxKeys, nil, stmts)
		} else {
			var b bucketInfo
			if b, err = lookupBucket(ctx, tx, bucket); err != nil || q.MaxKeys == 0 {
				return err
			}
			entries, err = listCurrent(ctx, tx, b, q)
		}
		if err != nil {
			return err
		}
		if len(entries) > q.MaxKeys {
			entries, page.IsTruncated = entries[:q.MaxKeys], true
		}
		objects := countObjects(entries)
		page.Objects = make([]meta.Object, 0, objects)
		if cps := len(entries) - objects; cps > 0 {
			page.CommonPrefixes = make([]string, 0, cps)
		}
		for _, e := range entries {
			if e.cp {
				page.CommonPrefixes = append(page.CommonPrefixes, string(e.val))
			} else {
				page.Objects = append(page.Objects, meta.Object{})
				o := &page.Objects[len(page.Objects)-1]
				if err := e.row.decodeInto(bucket, o); err != nil {
					return err
				}
				o.IsLatest = false
			}
		}
		if len(entries) > 0 {
			page.NextAfter = string(entries[len(entries)-1].val)
		}
		if len(page.Objects) == 0 {
			page.Objects = nil
		}
		return nil
	})
	return page, err
}

// versionWalkSQL walks every version of bucket $1 in (key, ord) order
// from after position ($2, $9) up to key $3, rolling keys up as
// currentWalkSQL does (same parameters), each step reading the primary
// key's index alone.
const versionWalkSQL = `WITH RECURSIVE walk(n, pk, po, cp) AS (
    SELECT 0, $2::bytea, $9::bigint, false
  UNION ALL
    SELECT w.n + 1,
        CASE WHEN d.i > 0 THEN set_byte(substring(f.key FROM 1 FOR $4::int + d.i - 1 + $8::int), $4::int + d.i + $8::int - 2, $6::int)
            ELSE f.key END,
        CASE WHEN d.i > 0 THEN -9223372036854775808 ELSE f.ord END,
        d.i > 0
    FROM walk w
    CROSS JOIN LATERAL (
        SELECT o.key, o.ord FROM objects o
        WHERE o.bucket_id = $1 AND (o.key, o.ord) > (w.pk, w.po) AND o.key < $3
        ORDER BY o.key, o.ord LIMIT 1) f
    CROSS JOIN LATERAL (SELECT position($5::bytea IN substring(f.key FROM $4::int + 1)) AS i) d
    WHERE w.n < $7
)
SELECT CASE WHEN w.cp THEN set_byte(w.pk, length(w.pk) - 1, $6::int - 1) ELSE w.pk END,
    w.cp, coalesce(o.version_id, ''), coalesce(o.latest, false), coalesce(o.marker, false), o.rec FROM walk w
LEFT JOIN LATERAL (
    SELECT o.version_id, o.latest, o.marker, o.rec FROM objects o
    WHERE NOT w.cp AND o.bucket_id = $1 AND o.key = w.pk AND o.ord = w.po OFFSET 0) o ON true
WHERE w.n > 0 ORDER BY w.n`

// versionRangeSQL is the version page without a delimiter. The bucket is
// an equality and the position a row comparison that starts with the key
// column: PostgreSQL starts the scan at the position and stops it at key
// $3. (A row comparison starting with bucket_id beside "bucket_id = $1"
// started the scan at the bucket's first row; as an upper bound,
// (bucket_id, key) < ($1, $3) did not stop the scan before the bucket's
// end.)
const versionRangeSQL = `SELECT key, ord, false, version_id, latest, marker, rec FROM objects
    WHERE bucket_id = $1 AND (key, ord) > ($2, $5) AND key < $3
    ORDER BY key, ord LIMIT $4`

// currentPageSQL and versionPageSQL are currentRangeSQL and
// versionRangeSQL on the bucket named $1, in the columns of the "/" page
// statements (dirs.go): a
// page without a delimiter is one statement, sent with the bucket's
// lookup (lookupWith).
const (
	currentPageSQL = `WITH b AS MATERIALIZED (SELECT id FROM buckets WHERE name = $1)
SELECT key, 0::bigint, false, version_id, true, false, rec FROM objects
    WHERE bucket_id = (SELECT id FROM b) AND latest AND NOT marker AND key >= $2 AND key < $3
    ORDER BY key LIMIT $4`
	versionPageSQL = `WITH b AS MATERIALIZED (SELECT id FROM buckets WHERE name = $1)
SELECT key, ord, false, version_id, latest, marker, rec FROM objects
    WHERE bucket_id = (SELECT id FROM b) AND (key, ord) > ($2, $5) AND key < $3
    ORDER BY key, ord LIMIT $4`
)

// versionRangeDelimSQL is versionRangeSQL flagging keys as
// currentRangeDelimSQL does.
const versionRangeDelimSQL = `SELECT key, ord, position($7::bytea IN substring(key FROM $6::int + 1)) > 0 AS cp, version_id, latest, marker,
        CASE WHEN position($7::bytea IN substring(key FROM $6::int + 1)) > 0 THEN NULL ELSE rec END
    FROM objects
    WHERE bucket_id = $1 AND (key, ord) > ($2, $5) AND key < $3
    ORDER BY key, ord LIMIT $4`

func (s *Store) ListObjectVersions(ctx context.Context, bucket string, q meta.VersionQuery) (meta.VersionPage, error) {
	if q.MaxKeys < 0 {
		return meta.VersionPage{}, badArg("negative MaxKeys %d", q.MaxKeys)
	}
	if q.VersionIDMarker != "" && q.KeyMarker == "" {
		return meta.VersionPage{}, badArg("version ID marker without a key marker")
	}
	var page meta.VersionPage
	err := s.readDirect(ctx, func(ctx context.Context, tx querier) error {
		page = meta.VersionPage{}
		var b bucketInfo
		var entries []entry
		var err error
		listed := false // entries hold the page already
		if (q.Delimiter == "" || q.Delimiter == "/") && q.MaxKeys > 0 && q.VersionIDMarker == "" {
			// The whole page is one statement, if the bucket is
			// versioned: send the bucket's lookup with it.
			pk, po := versionStart(q)
			stmts := []stmt{{versionPageSQL, []any{pk, rangeEnd(q.Prefix), q.MaxKeys + 1, po}}}
			if q.Delimiter == "/" {
				stmts = dirVersionsStmts(q, pk, po)
			}
			b, entries, err = dirPage(ctx, tx, bucket, q.MaxKeys, bucketInfo.versioned, stmts)
			listed = true
		} else {
			b, err = lookupBucket(ctx, tx, bucket)
		}
		if err != nil {
			return err
		}
		if !b.versioned() {
			page, err = listNullVersions(ctx, tx, b, bucket, q)
			return err
		}
		if q.MaxKeys == 0 {
			return nil
		}
		if !listed {
			if entries, err = listVersions(ctx, tx, b, q); err != nil {
				return err
			}
		}
		if len(entries) > q.MaxKeys {
			entries, page.IsTruncated = entries[:q.MaxKeys], true
		}
		n := countObjects(entries)
		if n > 0 {
			page.Versions = make([]meta.Object, 0, n)
		}
		if cps := len(entries) - n; cps > 0 {
			page.CommonPrefixes = make([]string, 0, cps)
		}
		for i, e := range entries {
			if e.cp {
				page.CommonPrefixes = append(page.CommonPrefixes, string(e.val))
				if i == len(entries)-1 {
					page.NextKeyMarker, page.NextVersionIDMarker = page.CommonPrefixes[len(page.CommonPrefixes)-1], ""
				}
				continue
			}
			page.Versions = append(page.Versions, meta.Object{})
			o := &page.Versions[len(page.Versions)-1]
			if err := e.row.decodeInto(bucket, o); err != nil {
				return err
			}
			page.NextKeyMarker, page.NextVersionIDMarker = o.Key, o.VersionID
		}
		if !page.IsTruncated {
			page.NextKeyMarker, page.NextVersionIDMarker = "", ""
		}
		return nil
	})
	return page, err
}

// versionStart is the position a version listing starts after, but
// for a version ID marker: after every version of KeyMarker (or before
// every key).
func versionStart(q meta.VersionQuery) ([]byte, int64) {
	if q.KeyMarker < q.Prefix {
		return []byte(q.Prefix), math.MinInt64
	}
	if q.KeyMarker == "" {
		return []byte{}, math.MinInt64 // not nil: pgx sends nil as NULL
	}
	return []byte(q.KeyMarker), math.MaxInt64
}

// listVersions returns up to MaxKeys+1 entries of a versioned bucket's
// version listing.
func listVersions(ctx context.Context, tx querier, b bucketInfo, q meta.VersionQuery) ([]entry, error) {
	pk, po := versionStart(q)
	if q.VersionIDMarker != "" {
		err := tx.QueryRow(ctx, "SELECT ord FROM objects WHERE bucket_id = $1 AND key = $2 AND version_id = $3",
			b.id, []byte(q.KeyMarker), q.VersionIDMarker).Scan(&po)
		if err == pgx.ErrNoRows {
			return nil, badArg("version ID marker %q names no version of the key marker", q.VersionIDMarker)
		}
		if err != nil {
			return nil, err
		}
	}
	if q.KeyMarker < q.Prefix {
		pk, po = []byte(q.Prefix), math.MinInt64
	}
	end := rangeEnd(q.Prefix)
	if q.Delimiter == "/" {
		return listDirVersions(ctx, tx, b, q, pk, po)
	}
	if q.Delimiter != "" && !rollupSQL(q.Delimiter) {
		return walkVersions(ctx, tx, b, q, pk, po)
	}
	// As in listCurrent: range scans up to the first common prefix,
	// the walk in SQL past it.
	delim := []byte(q.Delimiter)
	want := q.MaxKeys + 1
	batch := want
	if len(delim) > 0 {
		batch = min(want, firstDelimBatch)
	}
	out := make([]entry, 0, min(batch, 1001))
	var buf arena
	var rollup []byte
	for {
		var rows pgx.Rows
		var err error
		if len(delim) == 0 {
			rows, err = tx.Query(ctx, versionRangeSQL, b.id, pk, end, batch, po)
		} else {
			rows, err = tx.Query(ctx, versionRangeDelimSQL, b.id, pk, end, batch, po, len(q.Prefix), delim)
		}
		if err != nil {
			return nil, err
		}
		n := 0
		for rows.Next() {
			n++
			var e entry
			var key, rec pgtype.DriverBytes
			if err := rows.Scan(&key, &e.ord, &e.cp, &e.row.versionID, &e.row.latest, &e.row.marker, &rec); err != nil {
				rows.Close()
				return nil, err
			}
			e.val, e.row.rec = buf.keep(key), buf.keep(rec)
			if cp := commonPrefix(e.val, q.Prefix, delim); cp != nil {
				if string(cp) > q.KeyMarker {
					out = append(out, entry{val: cp, cp: true})
				}
				rollup = meta.PrefixEnd(cp)
				break
			}
			e.row.key = e.val
			out = append(out, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if rollup != nil || n < batch || len(out) >= want {
			break
		}
		last := out[len(out)-1]
		pk, po, batch = last.val, last.ord, want-len(out)
	}
	if rollup == nil || len(out) > q.MaxKeys {
		return out, nil
	}
	rows, err := tx.Query(ctx, versionWalkSQL, b.id, rollup, end, len(q.Prefix), delim, int(delim[len(delim)-1])+1,
		q.MaxKeys+1-len(out), len(delim), int64(math.MinInt64))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e entry
		if err := rows.Scan(&e.val, &e.cp, &e.row.versionID, &e.row.latest, &e.row.marker, &e.row.rec); err != nil {
			return nil, err
		}
		e.row.key = e.val
		out = append(out, e)
	}
	return out, rows.Err()
}

// walkVersions is listVersions for a delimiter whose last byte is 0xFF:
// rows fetched a page at a time, with one query per common prefix
// skipped.
func walkVersions(ctx context.Context, tx querier, b bucketInfo, q meta.VersionQuery, pk []byte, po int64) ([]entry, error) {
	end := rangeEnd(q.Prefix)
	var out []entry
	for len(out) <= q.MaxKeys {
		rows, err := tx.Query(ctx, `SELECT key, ord, version_id, latest, marker, rec FROM objects
			WHERE bucket_id = $1 AND (key, ord) > ($2, $5) AND key < $3
			ORDER BY key, ord LIMIT $4`, b.id, pk, end, q.MaxKeys+1, po)
		if err != nil {
			return nil, err
		}
		batch, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (entry, error) {
			var e entry
			err := r.Scan(&e.row.key, &e.ord, &e.row.versionID, &e.row.latest, &e.row.marker, &e.row.rec)
			e.val = e.row.key
			return e, err
		})
		if err != nil {
			return nil, err
		}
		if len(batch) == 0 {
			break
		}
		rolled := false
		for _, e := range batch {
			rest := e.val[len(q.Prefix):]
			if i := bytes.Index(rest, []byte(q.Delimiter)); i >= 0 {
				cp := e.val[:len(q.Prefix)+i+len(q.Delimiter)]
				if string(cp) > q.KeyMarker {
					out = append(out, entry{val: bytes.Clone(cp), cp: true})
				}
				next := meta.PrefixEnd(cp)
				if next == nil {
					return out, nil
				}
				pk, po, rolled = next, math.MinInt64, true
				break
			}
			out = append(out, e)
			pk, po = e.val, e.ord
			if len(out) > q.MaxKeys {
				break
			}
		}
		if !rolled && len(batch) < q.MaxKeys+1 {
			break
		}
	}
	if len(out) > q.MaxKeys+1 {
		out = out[:q.MaxKeys+1]
	}
	return out, nil
}

// listNullVersions lists a bucket never versioned: each object is its
// key's null version, so the listing is ListObjects' starting after
// KeyMarker.
func listNullVersions(ctx context.Context, tx querier, b bucketInfo, bucket string, q meta.VersionQuery) (meta.VersionPage, error) {
	if q.VersionIDMarker != "" && q.VersionIDMarker != meta.NullVersion {
		return meta.VersionPage{}, badArg("version ID marker %q in a bucket never versioned", q.VersionIDMarker)
	}
	var page meta.VersionPage
	if q.MaxKeys == 0 {
		return page, nil
	}
	entries, err := listCurrent(ctx, tx, b, meta.ListQuery{Prefix: q.Prefix, Delimiter: q.Delimiter, After: q.KeyMarker, MaxKeys: q.MaxKeys})
	if err != nil {
		return page, err
	}
	if len(entries) > q.MaxKeys {
		entries, page.IsTruncated = entries[:q.MaxKeys], true
	}
	lastIsVersion := false
	if n := countObjects(entries); n > 0 {
		page.Versions = make([]meta.Object, 0, n)
	}
	for _, e := range entries {
		lastIsVersion = !e.cp
		if e.cp {
			page.CommonPrefixes = append(page.CommonPrefixes, string(e.val))
			continue
		}
		page.Versions = append(page.Versions, meta.Object{})
		o := &page.Versions[len(page.Versions)-1]
		if err := e.row.decodeInto(bucket, o); err != nil {
			return page, err
		}
		o.VersionID, o.IsLatest = meta.NullVersion, true
	}
	if page.IsTruncated {
		page.NextKeyMarker = string(entries[len(entries)-1].val)
		if lastIsVersion {
			page.NextVersionIDMarker = meta.NullVersion
		}
	}
	return page, nil
}

// uploadRow is one row of the uploads table in listing order.
type uploadRow struct {
	key       []byte
	initiated int64
	id        string
	rec       []byte
}

// ListUploads pages through a bucket's uploads with the rules of the
// reference engine: entries greater than KeyMarker (uploads by key,
// common prefixes by value), and with UploadIDMarker naming an upload of
// KeyMarker, that key's uploads after it too. Rows are read a page at a
// time from a position in (key, initiated, id) order; each common prefix
// rolled up costs one query to move past it.
func (s *Store) ListUploads(ctx context.Context, bucket string, q meta.UploadQuery) (meta.UploadPage, error) {
	if q.MaxUploads < 0 {
		return meta.UploadPage{}, badArg("negative MaxUploads %d", q.MaxUploads)
	}
	var page meta.UploadPage
	err := s.readDirect(ctx, func(ctx context.Context, tx querier) error {
		page = meta.UploadPage{}
		b, err := lookupBucket(ctx, tx, bucket)
		if err != nil || q.MaxUploads == 0 {
			return err
		}
		// The position rows start after: before every upload of the
		// later of Prefix and KeyMarker, or after the marker upload.
		pos := uploadRow{key: []byte(q.Prefix), initiated: math.MinInt64}
		if q.KeyMarker >= q.Prefix && q.KeyMarker != "" {
			pos = uploadRow{key: successor([]byte(q.KeyMarker)), initiated: math.MinInt64}
		}
		if q.KeyMarker != "" && q.UploadIDMarker != "" {
			var init int64
			err := tx.QueryRow(ctx, "SELECT initiated_ns FROM uploads WHERE id = $1 AND key = $2", q.UploadIDMarker, []byte(q.KeyMarker)).Scan(&init)
			switch {
			case err == nil && q.KeyMarker >= q.Prefix:
				pos = uploadRow{key: []byte(q.KeyMarker), initiated: init, id: q.UploadIDMarker}
			case err != nil && err != pgx.ErrNoRows:
				return err
			}
		}
		return listUploads(ctx, tx, b, bucket, q, pos, &page)
	})
	return page, err
}

// uploadRangeSQL reads bucket $1's uploads after position ($2, $3, $4)
// in listing order, up to key $5, at most $6. The bucket is an equality
// and the position a row comparison from the key column on, which
// starts the index scan, and key < $5 stops it: a row comparison as the
// upper bound does not stop a btree scan, which then read to the end of
// the bucket's uploads under a small prefix.
const uploadRangeSQL = `SELECT key, initiated_ns, id, rec FROM uploads
    WHERE bucket_id = $1 AND (key, initiated_ns, id) > ($2, $3, $4) AND key < $5
    ORDER BY bucket_id, key, initiated_ns, id LIMIT $6`

func listUploads(ctx context.Context, tx querier, b bucketInfo, bucket string, q meta.UploadQuery, pos uploadRow, page *meta.UploadPage) error {
	end := rangeEnd(q.Prefix)
	delim := []byte(q.Delimiter)
	n := 0
	for {
		rows, err := tx.Query(ctx, uploadRangeSQL, b.id, pos.key, pos.initiated, pos.id, end, q.MaxUploads+1)
		if err != nil {
			return err
		}
		batch, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (uploadRow, error) {
			var u uploadRow
			err := r.Scan(&u.key, &u.initiated, &u.id, &u.rec)
			return u, err
		})
		if err != nil {
			return err
		}
		moved := false
		for _, u := range batch {
			if len(delim) > 0 {
				if i := bytes.Index(u.key[len(q.Prefix):], delim); i >= 0 {
					cp := u.key[:len(q.Prefix)+i+len(delim)]
					if string(cp) > q.KeyMarker {
						if n == q.MaxUploads {
							page.IsTruncated = true
							return nil
						}
						n++
						page.CommonPrefixes = append(page.CommonPrefixes, string(cp))
						page.NextKeyMarker, page.NextUploadIDMarker = string(cp), ""
					}
					next := meta.PrefixEnd(cp)
					if next == nil {
						return nil
					}
					pos, moved = uploadRow{key: next, initiated: math.MinInt64}, true
					break
				}
			}
			if n == q.MaxUploads {
				page.IsTruncated = true
				return nil
			}
			n++
			up, err := decodeUpload(bucket, string(u.key), u.id, u.rec)
			if err != nil {
				return err
			}
			page.Uploads = append(page.Uploads, up)
			page.NextKeyMarker, page.NextUploadIDMarker = up.Key, up.ID
			pos = u
		}
		if !moved && len(batch) < q.MaxUploads+1 {
			return nil
		}
	}
}
