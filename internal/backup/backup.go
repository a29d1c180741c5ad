// Package backup owns the format of a signet backup: a directory holding a
// consistent copy of the metadata store (meta.db), the object blobs that
// copy references (objects/…, at the paths they have in a data directory),
// the sealing key only when asked for, and manifest.json, which lists
// every file with its size and SHA-256 and says what the backup does not
// hold. It writes the stream a server sends for a backup (a tar whose last
// entry is the manifest, so a stream cut short is never taken for a
// whole backup), reads such a stream into a directory checking every
// checksum, and verifies a directory before a restore. It knows nothing of
// the engines: the server names the paths.
package backup

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Format names this layout in the manifest; a reader refuses others.
const Format = "signet-backup-1"

// The names of the files of a backup, relative to its directory; blobs
// are under ObjectsDir.
const (
	ManifestFile   = "manifest.json"
	MetadataFile   = "meta.db"
	SealingKeyFile = "sealing.key"
	ObjectsDir     = "objects"
)

// File is one file of a backup.
type File struct {
	Path   string `json:"path"` // relative, with forward slashes
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"` // hex
}

// Blob is the file of one object blob the metadata copy references.
type Blob struct {
	ID string `json:"id"`
	File
}

// Manifest describes a backup.
type Manifest struct {
	Format        string    `json:"format"`
	SignetVersion string    `json:"signet_version"`
	SchemaVersion int       `json:"schema_version"` // of the metadata store
	Created       time.Time `json:"created"`        // by the server's real clock
	AccountID     string    `json:"account_id"`
	Metadata      File      `json:"metadata"`
	Blobs         []Blob    `json:"blobs"`
	// SealingKeySHA256 identifies the sealing key the metadata's secrets
	// are sealed with, whether or not the backup holds it, so a restore
	// can tell the right key from another one.
	SealingKeySHA256 string `json:"sealing_key_sha256"`
	// SealingKey is the key's file when the backup holds it.
	SealingKey *File `json:"sealing_key,omitempty"`
	// NotIncluded says, for people, what must be kept besides the backup.
	NotIncluded []string `json:"not_included"`
}

// files lists every file the manifest names.
func (m *Manifest) files() []File {
	out := []File{m.Metadata}
	for _, b := range m.Blobs {
		out = append(out, b.File)
	}
	if m.SealingKey != nil {
		out = append(out, *m.SealingKey)
	}
	return out
}

// ErrCorrupt reports a backup whose files do not match its manifest, or a
// stream that ended before its manifest.
var ErrCorrupt = errors.New("backup: does not match its manifest")

// Writer writes a backup stream: the files, then the manifest.
type Writer struct {
	tw *tar.Writer
	m  *Manifest
}

// NewWriter returns a Writer of m's backup to w. Add fills m's file
// entries' sizes and checksums; Close writes m.
func NewWriter(w io.Writer, m *Manifest) *Writer {
	m.Format = Format
	return &Writer{tw: tar.NewWriter(w), m: m}
}

// Add writes one file of size bytes, which write must produce exactly,
// and returns its entry for the manifest.
func (w *Writer) Add(name string, size int64, write func(io.Writer) error) (File, error) {
	if err := checkPath(name); err != nil {
		return File{}, err
	}
	err := w.tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: size, Typeflag: tar.TypeReg, Format: tar.FormatPAX})
	if err != nil {
		return File{}, err
	}
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(w.tw, h)}
	if err := write(cw); err != nil {
		return File{}, fmt.Errorf("backup: writing %s: %w", name, err)
	}
	if cw.n != size {
		return File{}, fmt.Errorf("backup: %s: wrote %d bytes, want %d", name, cw.n, size)
	}
	return File{Path: name, Size: size, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// Close writes the manifest, the stream's last entry, and ends the stream.
func (w *Writer) Close() error {
	b, err := json.MarshalIndent(w.m, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if _, err := w.Add(ManifestFile, int64(len(b)), func(out io.Writer) error {
		_, err := out.Write(b)
		return err
	}); err != nil {
		return err
	}
	return w.tw.Close()
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// checkPath accepts the relative, clean, slash-separated paths a backup
// names, and nothing that could leave its directory.
func checkPath(p string) error {
	if p == "" || p != path.Clean(p) || strings.Contains(p, `\`) || !filepath.IsLocal(filepath.FromSlash(p)) || strings.HasPrefix(p, "../") {
		return fmt.Errorf("%w: %q is not a plain relative path", ErrCorrupt, p)
	}
	return nil
}

// Extract reads a backup stream into dir, which must not exist or be
// empty. Every file is written mode 0600 and synced, and checked against
// the manifest; the manifest is written last, so a directory without one
// is not a backup. On error, what was written stays for inspection, and
// the error says so.
func Extract(r io.Reader, dir string) (*Manifest, error) {
	if err := emptyDir(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	got := map[string]File{}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil, fmt.Errorf("%w: the stream ended before its manifest (the server's log says why)", ErrCorrupt)
		}
		if err != nil {
			return nil, fmt.Errorf("backup: reading the stream: %w", err)
		}
		if err := checkPath(hdr.Name); err != nil {
			return nil, err
		}
		if hdr.Typeflag != tar.TypeReg {
			return nil, fmt.Errorf("%w: %s is not a regular file", ErrCorrupt, hdr.Name)
		}
		if hdr.Name == ManifestFile {
			return finishExtract(tr, hdr, dir, got)
		}
		if _, dup := got[hdr.Name]; dup {
			return nil, fmt.Errorf("%w: %s twice in the stream", ErrCorrupt, hdr.Name)
		}
		f, err := writeFile(filepath.Join(dir, filepath.FromSlash(hdr.Name)), tr)
		if err != nil {
			return nil, err
		}
		f.Path = hdr.Name
		got[hdr.Name] = f
	}
}

// finishExtract reads the manifest, checks the files received against it
// and writes it into dir.
func finishExtract(tr *tar.Reader, hdr *tar.Header, dir string, got map[string]File) (*Manifest, error) {
	const maxManifest = 1 << 30
	if hdr.Size > maxManifest {
		return nil, fmt.Errorf("%w: a manifest of %d bytes", ErrCorrupt, hdr.Size)
	}
	b, err := io.ReadAll(tr)
	if err != nil {
		return nil, err
	}
	m, err := parseManifest(b)
	if err != nil {
		return nil, err
	}
	if _, err := tr.Next(); err != io.EOF {
		return nil, fmt.Errorf("%w: entries after the manifest", ErrCorrupt)
	}
	want := m.files()
	if len(want) != len(got) {
		return nil, fmt.Errorf("%w: the stream held %d files, the manifest lists %d", ErrCorrupt, len(got), len(want))
	}
	for _, f := range want {
		if g, ok := got[f.Path]; !ok || g != f {
			return nil, fmt.Errorf("%w: %s: received %+v, the manifest says %+v", ErrCorrupt, f.Path, g, f)
		}
	}
	if _, err := writeFile(filepath.Join(dir, ManifestFile), strings.NewReader(string(b))); err != nil {
		return nil, err
	}
	return m, nil
}

func parseManifest(b []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%w: the manifest is not JSON: %v", ErrCorrupt, err)
	}
	if m.Format != Format {
		return nil, fmt.Errorf("%w: format %q, want %q (a backup of another signet version?)", ErrCorrupt, m.Format, Format)
	}
	for _, f := range m.files() {
		if err := checkPath(f.Path); err != nil {
			return nil, err
		}
	}
	return &m, nil
}

// writeFile writes r to a new file at p (0600, parents 0700), syncs it,
// and returns its size and SHA-256.
func writeFile(p string, r io.Reader) (File, error) {
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return File{}, err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return File{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return File{}, fmt.Errorf("backup: writing %s: %w", p, err)
	}
	return File{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// emptyDir fails unless dir is missing or an empty directory.
func emptyDir(dir string) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(ents) > 0 {
		return fmt.Errorf("backup: %s is not empty: give a new directory for each backup", dir)
	}
	return nil
}

// Verify reads dir's manifest and checks every file it lists: present,
// of its size and SHA-256. Nothing is written.
func Verify(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("backup: %w (a directory without %s is not a complete backup)", err, ManifestFile)
	}
	m, err := parseManifest(b)
	if err != nil {
		return nil, err
	}
	for _, f := range m.files() {
		got, err := HashFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		if got.Size != f.Size || got.SHA256 != f.SHA256 {
			return nil, fmt.Errorf("%w: %s has %d bytes with SHA-256 %s; the manifest says %d bytes, %s", ErrCorrupt, f.Path, got.Size, got.SHA256, f.Size, f.SHA256)
		}
	}
	return m, nil
}

// HashFile returns the size and SHA-256 of the file at p.
func HashFile(p string) (File, error) {
	f, err := os.Open(p)
	if err != nil {
		return File{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return File{}, err
	}
	return File{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}
