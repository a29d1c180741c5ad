package server

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"signet/internal/clock"
	"signet/internal/storage/disk"
	"signet/internal/storage/inline"
)

// --meta bolt:PATH and --blobs DIR put the store and the blobs there, not
// in the data directory, and the start line says where they are.
func TestMetaAndBlobsWhereGiven(t *testing.T) {
	cfg := testConfig(t)
	elsewhere := t.TempDir()
	metaPath := filepath.Join(elsewhere, "fast", "signet.db")
	if err := os.MkdirAll(filepath.Dir(metaPath), 0o700); err != nil {
		t.Fatal(err)
	}
	cfg.Meta, cfg.Blobs = "bolt:"+metaPath, filepath.Join(elsewhere, "shared-blobs")
	var logs bytes.Buffer
	s, err := New(cfg, slog.New(slog.NewJSONHandler(&logs, nil)), clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := s.blobs.Put(t.Context(), bytes.NewReader(make([]byte, inline.DefaultMax+1)))
	if err != nil {
		t.Fatal(err)
	}
	s.logStart("http://127.0.0.1:9000", "")
	s.Close()
	if _, err := os.Stat(filepath.Join(cfg.Blobs, disk.RelPath(id))); err != nil {
		t.Errorf("blob not in --blobs: %v", err)
	}
	assertMode(t, metaPath, 0o600)
	for _, absent := range []string{"meta.db", "objects"} {
		if _, err := os.Stat(filepath.Join(cfg.DataDir, absent)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the data directory holds %s: %v", absent, err)
		}
	}
	for _, want := range []string{`"metadata":"bolt ` + metaPath + `"`, `"blobs":"disk ` + cfg.Blobs + ` `} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the start line lacks %s:\n%s", want, logs.String())
		}
	}
}

// Two servers on one blob folder, each with its own bolt store, would
// delete each other's blobs as orphans: the second is refused, and the
// folder is free again once the first stops.
func TestSecondServerOnSameBlobsRefused(t *testing.T) {
	blobs := filepath.Join(t.TempDir(), "blobs")
	first, second := testConfig(t), testConfig(t)
	first.Blobs, second.Blobs = blobs, blobs
	s, err := New(first, quietLog(), clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(second, quietLog(), clock.Real{}); !errors.Is(err, ErrBlobsInUse) || !strings.Contains(err.Error(), blobs) {
		t.Fatalf("second server on the same --blobs: %v", err)
	}
	// The refused start released its metadata store: it opens again.
	s.Close()
	s2, err := New(second, quietLog(), clock.Real{})
	if err != nil {
		t.Fatalf("after the first stopped: %v", err)
	}
	s2.Close()
}

// rotate-sealing works on DATA-DIR/meta.db and DATA-DIR/objects; on a data
// directory whose blobs a server kept elsewhere (--blobs) it refuses,
// creating nothing, rather than re-wrap none of them and leave them all
// under a key that is gone.
func TestRotateSealingRefusesBlobsElsewhere(t *testing.T) {
	cfg := testConfig(t)
	cfg.Blobs = filepath.Join(t.TempDir(), "blobs")
	s, err := New(cfg, quietLog(), clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = RotateSealingKey(t.Context(), cfg.DataDir)
	if err == nil || !strings.Contains(err.Error(), "--blobs") {
		t.Fatalf("rotation with the blobs elsewhere: %v", err)
	}
	for _, absent := range []string{"objects", sealingKeyNextFile} {
		if _, err := os.Stat(filepath.Join(cfg.DataDir, absent)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the refused rotation left %s: %v", absent, err)
		}
	}
}
