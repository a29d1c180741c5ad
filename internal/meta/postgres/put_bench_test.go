package postgres

import (
	"context"
	"fmt"
	"testing"

	"signet/internal/meta"
)

// BenchmarkPutObjectDirs measures the writes the directory table
// touches: a new key in an existing directory (reads the directory rows,
// writes none), an overwrite, a key in a new directory (writes its
// rows), and deletes of a key that is or is not its directory's last.
func BenchmarkPutObjectDirs(b *testing.B) {
	s, _ := openTest(b)
	ctx := context.Background()
	if err := s.CreateBucket(ctx, meta.Bucket{Name: "b"}); err != nil {
		b.Fatal(err)
	}
	put := func(key string) {
		if _, err := s.PutObject(ctx, meta.Object{Bucket: "b", Key: key, Size: 1}, nil); err != nil {
			b.Fatal(err)
		}
	}
	del := func(key string) {
		if _, err := s.DeleteObject(ctx, "b", key); err != nil {
			b.Fatal(err)
		}
	}
	put("photos/2024/keep")
	run := 0
	for _, c := range []struct {
		name  string
		setup func(i int)
		op    func(i int)
	}{
		{"new-key-existing-dir", nil, func(i int) { put(fmt.Sprintf("photos/2024/r%d-%09d", run, i)) }},
		{"overwrite", nil, func(i int) { put("photos/2024/keep") }},
		{"new-key-new-dir", nil, func(i int) { put(fmt.Sprintf("new%d-%09d/2024/f", run, i)) }},
		{"delete-not-last-in-dir", func(i int) { put(fmt.Sprintf("photos/2024/d%d-%09d", run, i)) },
			func(i int) { del(fmt.Sprintf("photos/2024/d%d-%09d", run, i)) }},
		{"delete-last-in-dir", func(i int) { put(fmt.Sprintf("gone%d-%09d/2024/f", run, i)) },
			func(i int) { del(fmt.Sprintf("gone%d-%09d/2024/f", run, i)) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			run++
			if c.setup != nil {
				for i := range b.N {
					c.setup(i)
				}
			}
			b.ResetTimer()
			for i := range b.N {
				c.op(i)
			}
		})
	}
}
