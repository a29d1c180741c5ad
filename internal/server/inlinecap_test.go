package server

import (
	"strings"
	"testing"

	"signet/internal/meta"
	"signet/internal/meta/metafixture"
	"signet/internal/storage"
	"signet/internal/storage/memory"
)

// A small blob goes inline only when the metadata engine has the
// storage.InlineStore capability: the bolt engine keeps it, the memory
// engine (which does not inline) leaves it to the file engine.
func TestBlobEngineInlinesOnlyWithTheCapability(t *testing.T) {
	for _, tc := range []struct {
		name       string
		md         meta.Store
		wantInline bool
	}{
		{"bolt", metafixture.Bolt(t), true},
		{"memory", metafixture.Memory(t), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := tc.md.(storage.InlineStore); ok != tc.wantInline {
				t.Fatalf("%s has the InlineStore capability: %v, want %v", tc.name, ok, tc.wantInline)
			}
			files := memory.New()
			id, _, err := blobEngine(files, tc.md).Put(t.Context(), strings.NewReader("a yawning cat"))
			if err != nil {
				t.Fatal(err)
			}
			if id.Inline() != tc.wantInline {
				t.Errorf("small blob %q inline: %v, want %v", id, id.Inline(), tc.wantInline)
			}
			n := 0
			if err := files.Walk(t.Context(), func(storage.BlobID) error { n++; return nil }); err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: 0, false: 1}[tc.wantInline]; n != want {
				t.Errorf("file engine holds %d blobs, want %d", n, want)
			}
		})
	}
}
