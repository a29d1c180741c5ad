package metatest

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"signet/internal/meta"
	"signet/internal/storage"
)

// testSlashListingModel checks listings with delimiter "/" — the
// directory listings every S3 browser makes — while the keys under each
// directory come and go: random versions, delete markers and permanent
// deletes over keys made mostly of "/", each listing compared with a
// model. An engine that keeps directories apart from the keys (to list
// them without walking every key) must keep them right through every
// kind of write.
func testSlashListingModel(t *testing.T, s meta.Store) {
	ctx := t.Context()
	seed := rand.Uint64() // random each run; logged so a failure can be replayed
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 18))
	mkBucket(t, s, "v")
	setVersioning(t, s, "v", meta.VersioningEnabled)
	mkBucket(t, s, "p")
	slashKey := func() string {
		const alphabet = "ab//"
		b := make([]byte, 1+r.IntN(6))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(b)
	}
	model := map[string][]refVersion{} // bucket "v", newest first
	plain := map[string]bool{}         // bucket "p"
	n := 0
	for round := range 12 {
		for range 40 {
			n++
			key, id := slashKey(), fmt.Sprintf("id%04d", n)
			switch op := r.IntN(6); {
			case op < 2:
				vput(t, s, "v", key, id, storage.BlobID("blob-"+id))
				model[key] = append([]refVersion{{id, false}}, model[key]...)
			case op == 2:
				if _, err := s.PutDeleteMarker(ctx, "v", key, id, at(n)); err != nil {
					t.Fatal(err)
				}
				model[key] = append([]refVersion{{id, true}}, model[key]...)
			case op == 3 && len(model) > 0:
				// A permanent delete of one version of a key that has some.
				k := pick(r, slices.Sorted(maps.Keys(model)))
				i := r.IntN(len(model[k]))
				if _, _, err := s.DeleteObjectVersion(ctx, "v", k, model[k][i].id); err != nil {
					t.Fatal(err)
				}
				model[k] = slices.Delete(model[k], i, i+1)
				if len(model[k]) == 0 {
					delete(model, k)
				}
			case op == 4:
				put(t, s, meta.Object{Bucket: "p", Key: key, LastModified: t0})
				plain[key] = true
			default:
				if _, err := s.DeleteObject(ctx, "p", key); err != nil {
					t.Fatal(err)
				}
				delete(plain, key)
			}
		}
		keys := slices.Sorted(maps.Keys(model))
		var current []string
		for _, k := range keys {
			if !model[k][0].marker {
				current = append(current, k)
			}
		}
		plainKeys := slices.Sorted(maps.Keys(plain))
		for range 30 {
			q := randSlashQuery(r, append(slices.Clone(keys), plainKeys...))
			for _, c := range []struct {
				bucket string
				keys   []string
			}{{"v", current}, {"p", plainKeys}} {
				page, err := s.ListObjects(ctx, c.bucket, q)
				if err != nil {
					t.Fatalf("ListObjects(%#v): %v", q, err)
				}
				objs, cps, more, next := refList(c.keys, q)
				var got []string
				for _, o := range page.Objects {
					got = append(got, o.Key)
				}
				if !slices.Equal(got, objs) || !slices.Equal(page.CommonPrefixes, cps) || page.IsTruncated != more || page.NextAfter != next {
					t.Fatalf("round %d, bucket %s, ListObjects(%#v)\n got objs %q cps %q truncated %v next %q\nwant objs %q cps %q truncated %v next %q",
						round, c.bucket, q, got, page.CommonPrefixes, page.IsTruncated, page.NextAfter, objs, cps, more, next)
				}
			}
			vq := meta.VersionQuery{Prefix: q.Prefix, Delimiter: "/", MaxKeys: 1 + r.IntN(4)}
			if got, want := allVersions(t, s, "v", vq), refVersions(model, keys, q.Prefix, "/"); !slices.Equal(got, want) {
				t.Fatalf("round %d, %+v:\n got %q\nwant %q", round, vq, got, want)
			}
		}
	}
}

// randSlashQuery is a ListObjects query with delimiter "/" under a
// prefix that is often a directory of one of keys, starting anywhere.
func randSlashQuery(r *rand.Rand, keys []string) meta.ListQuery {
	q := meta.ListQuery{Delimiter: "/", MaxKeys: []int{1, 2, 3, 5, 1000}[r.IntN(5)]}
	if len(keys) > 0 && r.IntN(4) > 0 {
		k := pick(r, keys)
		q.Prefix = k[:r.IntN(len(k)+1)]
		if r.IntN(2) == 0 {
			q.Prefix = k[:strings.LastIndex(k, "/")+1]
		}
	}
	if len(keys) > 0 {
		switch r.IntN(4) {
		case 1:
			q.After = pick(r, keys)
		case 2:
			k := pick(r, keys)
			q.After = k[:r.IntN(len(k)+1)]
		case 3:
			// A common prefix value, as NextAfter would give.
			k := pick(r, keys)
			if i := strings.Index(k[min(len(q.Prefix), len(k)):], "/"); i >= 0 && strings.HasPrefix(k, q.Prefix) {
				q.After = k[:len(q.Prefix)+i+1]
			}
		}
	}
	return q
}
