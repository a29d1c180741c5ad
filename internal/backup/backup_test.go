package backup

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stream writes a backup of the given files (path -> contents) and
// returns it with its manifest.
func stream(t *testing.T, files map[string]string) ([]byte, *Manifest) {
	t.Helper()
	var buf bytes.Buffer
	m := &Manifest{SchemaVersion: 5, AccountID: "123456789012", SealingKeySHA256: "ab"}
	w := NewWriter(&buf, m)
	for _, p := range []string{MetadataFile, "objects/blobs/ab/abc"} {
		body, ok := files[p]
		if !ok {
			continue
		}
		f, err := w.Add(p, int64(len(body)), func(out io.Writer) error { _, err := io.WriteString(out, body); return err })
		if err != nil {
			t.Fatal(err)
		}
		if p == MetadataFile {
			m.Metadata = f
		} else {
			m.Blobs = append(m.Blobs, Blob{ID: "abc", File: f})
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), m
}

func TestExtractThenVerify(t *testing.T) {
	b, m := stream(t, map[string]string{MetadataFile: "the store", "objects/blobs/ab/abc": "a blob"})
	dir := filepath.Join(t.TempDir(), "bk")
	got, err := Extract(bytes.NewReader(b), dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Metadata != m.Metadata || len(got.Blobs) != 1 || got.Blobs[0] != m.Blobs[0] || got.Format != Format {
		t.Fatalf("manifest read back %+v, want %+v", got, m)
	}
	if blob, _ := os.ReadFile(filepath.Join(dir, "objects", "blobs", "ab", "abc")); string(blob) != "a blob" {
		t.Fatalf("blob extracted as %q", blob)
	}
	if _, err := Verify(dir); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "objects", "blobs", "ab", "abc"), []byte("a blop"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(dir); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "objects/blobs/ab/abc has 6 bytes") {
		t.Fatalf("Verify of a changed blob: %v", err)
	}
	if _, err := Extract(bytes.NewReader(b), dir); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("Extract into a backup: %v", err)
	}
}

// TestExtractRefusesIncompleteStreams: a stream cut before its manifest,
// a file the manifest does not list, and a path out of the directory are
// each refused.
func TestExtractRefusesIncompleteStreams(t *testing.T) {
	b, _ := stream(t, map[string]string{MetadataFile: "the store"})
	cut := b[:bytes.Index(b, []byte("manifest.json"))-100]
	dir := filepath.Join(t.TempDir(), "a")
	if _, err := Extract(bytes.NewReader(cut), dir); err == nil {
		t.Fatal("a stream cut before its manifest was taken for a backup")
	}
	if _, err := os.Stat(filepath.Join(dir, ManifestFile)); !os.IsNotExist(err) {
		t.Errorf("a cut stream left a manifest: %v", err)
	}

	var buf bytes.Buffer
	var tw *tar.Writer
	for _, name := range []string{"../escape", "/etc/passwd", "a/../../b"} {
		buf.Reset()
		tw = tar.NewWriter(&buf)
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: 1, Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte("x"))
		tw.Close()
		dir := filepath.Join(t.TempDir(), "b")
		if _, err := Extract(bytes.NewReader(buf.Bytes()), dir); !errors.Is(err, ErrCorrupt) {
			t.Errorf("entry %q: %v, want ErrCorrupt", name, err)
		}
	}

	// An extra file before an honest manifest.
	buf.Reset()
	tw = tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "extra", Mode: 0o600, Size: 1, Typeflag: tar.TypeReg})
	tw.Write([]byte("x"))
	tw.Flush()
	b2, _ := stream(t, map[string]string{MetadataFile: "the store"})
	all := append(buf.Bytes(), b2...) // the first stream's end-of-archive is not written
	if _, err := Extract(bytes.NewReader(all), filepath.Join(t.TempDir(), "c")); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "held 2 files") {
		t.Errorf("an extra file: %v", err)
	}
}
