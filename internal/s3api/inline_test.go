package s3api

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"signet/internal/meta/metafixture"
	"signet/internal/storage"
	"signet/internal/storage/inline"
)

// inlineMax is the inline limit of these tests. The server uses
// inline.DefaultMax; a small one lets a 5 MiB multipart part and a tiny
// last part fall on either side of it.
const inlineMax = 1024

// newInlineEnv wires the blob engine as the server does: small blobs in
// the bolt metadata store (which keeps them), the rest in e.blobs, which
// therefore counts only the blobs that did not go inline.
func newInlineEnv(t *testing.T) *env {
	t.Helper()
	return newEnvOn(t, metafixture.Bolt(t), func(c *Config) { c.Blobs = inline.New(c.Blobs, c.Meta.(inline.Store), inlineMax) })
}

// inlineCount counts the inline blobs the engine holds (staged or stored).
func (e *env) inlineCount() int {
	n := 0
	_ = e.cfg.Meta.(inline.Store).WalkInlineBlobs(context.Background(), func(storage.BlobID) error { n++; return nil })
	return n
}

func (e *env) counts(t *testing.T, wantInline, wantFiles int) {
	t.Helper()
	if i, f := e.inlineCount(), e.blobCount(); i != wantInline || f != wantFiles {
		t.Fatalf("%d inline blobs and %d others, want %d and %d", i, f, wantInline, wantFiles)
	}
}

func TestInlinePutGetOverwriteDelete(t *testing.T) {
	e := newInlineEnv(t)
	e.bucket("inb")
	small, large := "small body", strings.Repeat("L", inlineMax+1)
	etag := e.put("inb", "k", small, "Content-Type", "text/plain").Header().Get("ETag")
	e.counts(t, 1, 0)
	w := e.mustDo(200, "GET", "/inb/k", "")
	if w.Body.String() != small || w.Header().Get("ETag") != etag || w.Header().Get("Content-Type") != "text/plain" {
		t.Fatalf("GET inline object: %q %v", w.Body.String(), w.Header())
	}
	if got := e.mustDo(206, "GET", "/inb/k", "", "Range", "bytes=2-4").Body.String(); got != "all" {
		t.Fatalf("ranged GET of an inline object: %q", got)
	}
	e.put("inb", "k", large) // inline -> file
	e.counts(t, 0, 1)
	if got := e.mustDo(200, "GET", "/inb/k", "").Body.String(); got != large {
		t.Fatalf("GET after inline -> file: %d bytes", len(got))
	}
	e.put("inb", "k", small) // file -> inline
	e.counts(t, 1, 0)
	e.put("inb", "k", "other small") // inline -> inline
	e.counts(t, 1, 0)
	if got := e.mustDo(200, "GET", "/inb/k", "").Body.String(); got != "other small" {
		t.Fatalf("GET after inline -> inline: %q", got)
	}
	e.mustDo(204, "DELETE", "/inb/k", "")
	e.counts(t, 0, 0)
}

// TestInlineFailedPutLeavesNothing: a body that fails its Content-MD5
// check is staged and must be dropped, not kept in memory or stored.
func TestInlineFailedPutLeavesNothing(t *testing.T) {
	e := newInlineEnv(t)
	e.bucket("inb")
	expectErr(t, e.do("PUT", "/inb/k", strings.NewReader("body"), "Content-MD5", "AAAAAAAAAAAAAAAAAAAAAA=="), 400, "BadDigest")
	expectErr(t, e.do("PUT", "/inb/k", strings.NewReader("body"), "If-Match", `"nope"`), 412, "PreconditionFailed")
	e.counts(t, 0, 0)
}

func TestInlineMultipartAndCopy(t *testing.T) {
	e := newInlineEnv(t)
	e.bucket("inb")
	// Two 5 MiB parts go to files, the 10-byte last part inline.
	all := uploadMultipart(t, e, "inb", "mp", partData(0, 5<<20), partData(1, 5<<20), partData(2, 10))
	e.counts(t, 1, 2)
	if got := e.mustDo(200, "GET", "/inb/mp", "").Body.String(); got != all {
		t.Fatalf("GET multipart object with an inline part: %d bytes, want %d", len(got), len(all))
	}
	if got := e.mustDo(206, "GET", "/inb/mp?partNumber=3", "").Body.String(); got != partData(2, 10) {
		t.Fatalf("GET of the inline part: %q", got)
	}
	// A range across the file part and the inline part.
	lo := 10<<20 - 3
	if got := e.mustDo(206, "GET", "/inb/mp", "", "Range", fmt.Sprintf("bytes=%d-", lo)).Body.String(); got != all[lo:] {
		t.Fatalf("range over the last file part and the inline one: %q", got)
	}
	// Copying an inline object makes a new inline blob; copying a range of
	// the multipart object into a small part does too.
	e.put("inb", "small", "copy me")
	e.mustDo(200, "PUT", "/inb/copy", "", "x-amz-copy-source", "/inb/small")
	e.counts(t, 3, 2)
	e.mustDo(204, "DELETE", "/inb/small", "")
	if got := e.mustDo(200, "GET", "/inb/copy", "").Body.String(); got != "copy me" {
		t.Fatalf("copy after the source's delete: %q", got)
	}
	id := createUpload(t, e, "inb", "pc")
	w := e.mustDo(200, "PUT", "/inb/pc?partNumber=1&uploadId="+id, "", "x-amz-copy-source", "/inb/mp", "x-amz-copy-source-range", fmt.Sprintf("bytes=%d-%d", lo, len(all)-1))
	body := w.Body.String()
	etag := strings.ReplaceAll(body[strings.Index(body, "<ETag>")+6:strings.Index(body, "</ETag>")], "&quot;", `"`)
	e.mustDo(200, "POST", "/inb/pc?uploadId="+id, completeXML(etag))
	if got := e.mustDo(200, "GET", "/inb/pc", "").Body.String(); got != all[lo:] {
		t.Fatalf("part copied into an inline blob: %q", got)
	}
	e.counts(t, 3, 2)
	// An aborted upload's inline part goes with it.
	id = createUpload(t, e, "inb", "ab")
	e.mustDo(200, "PUT", "/inb/ab?partNumber=1&uploadId="+id, "tiny")
	e.counts(t, 4, 2)
	e.mustDo(204, "DELETE", "/inb/ab?uploadId="+id, "")
	e.counts(t, 3, 2)
	for _, k := range []string{"mp", "copy", "pc"} {
		e.mustDo(204, "DELETE", "/inb/"+k, "")
	}
	e.counts(t, 0, 0)
}
