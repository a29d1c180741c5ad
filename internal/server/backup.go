package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"signet/internal/backup"
	"signet/internal/meta/bolt"
	"signet/internal/storage"
	"signet/internal/storage/disk"
)

// Version is the signet release recorded in backups' manifests; the CLI
// sets it to its own.
var Version = "dev"

// objectsDir is where the disk engine keeps blobs in the data directory;
// a backup keeps them at the same path in its own directory.
const objectsDir = backup.ObjectsDir

// deleteGate is the blob engine the APIs use. While a backup runs it holds
// blob deletions back, and performs them when the last backup ends.
//
// Why: a blob is deleted once a metadata commit stops referencing it
// (an overwrite, a DELETE, an aborted upload). A backup copies the
// metadata as of one moment and then copies the blobs that copy
// references; without the gate a DELETE committed in between would remove
// a file the copy still needs. Deletions requested before the hold began
// are safe to let through: their commit came before the snapshot, which
// therefore does not reference the blob. A crash while deletions are held
// leaves only orphans, which start-up recovery removes.
type deleteGate struct {
	storage.Engine
	mu    sync.Mutex
	holds int
	held  []storage.BlobID
}

// Delete deletes id now, or when the last backup ends.
func (g *deleteGate) Delete(ctx context.Context, id storage.BlobID) error {
	g.mu.Lock()
	if g.holds > 0 {
		g.held = append(g.held, id)
		g.mu.Unlock()
		return nil
	}
	g.mu.Unlock()
	return g.Engine.Delete(ctx, id)
}

// hold holds deletions back until release.
func (g *deleteGate) hold() {
	g.mu.Lock()
	g.holds++
	g.mu.Unlock()
}

// release ends one hold; the last one performs the deletions held. A
// failure is only logged by the caller: the blob stays as an orphan.
func (g *deleteGate) release(ctx context.Context) error {
	g.mu.Lock()
	g.holds--
	var ids []storage.BlobID
	if g.holds == 0 {
		ids, g.held = g.held, nil
	}
	g.mu.Unlock()
	var first error
	for _, id := range ids {
		if err := g.Engine.Delete(ctx, id); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// WriteBackup writes a hot backup of the server to w as a tar stream
// (package backup): a consistent copy of the metadata store, taken in one
// read transaction while writers go on, then every file blob that copy
// references, then the sealing key if includeSealingKey, then the
// manifest. Blob deletions are held for the duration (deleteGate).
func (s *Server) WriteBackup(ctx context.Context, w io.Writer, includeSealingKey bool) error {
	if s.snapshots == nil {
		return errors.New("backup: the metadata is in PostgreSQL; back up the database with pg_dump, then copy the blob folder")
	}
	keyPath := filepath.Join(s.cfg.DataDir, sealingKeyFile)
	if s.cfg.SealingKeyFile != "" {
		keyPath = s.cfg.SealingKeyFile
	}
	keyBytes, err := os.ReadFile(keyPath)
	if err != nil {
		return fmt.Errorf("reading the sealing key: %w", err)
	}
	keySum := sha256.Sum256(keyBytes)
	m := &backup.Manifest{
		SignetVersion:    Version,
		SchemaVersion:    bolt.SchemaVersion,
		Created:          s.Clock.Base.Now().UTC(),
		AccountID:        s.root.AccountID,
		SealingKeySHA256: hex.EncodeToString(keySum[:]),
		Blobs:            []backup.Blob{},
	}
	m.NotIncluded = notIncluded(s.cfg.DataDir, includeSealingKey)
	bw := backup.NewWriter(w, m)

	s.gate.hold()
	defer func() {
		if err := s.gate.release(context.WithoutCancel(ctx)); err != nil {
			s.log.Warn("deleting blobs held during a backup failed; start-up recovery removes them", "err", err)
		}
	}()
	var blobs []storage.BlobID
	err = s.snapshots.Snapshot(ctx, func(snap bolt.Snapshot) error {
		blobs = snap.FileBlobs()
		m.Metadata, err = bw.Add(backup.MetadataFile, snap.Size(), func(w io.Writer) error {
			_, err := snap.WriteTo(w)
			return err
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("copying the metadata store: %w", err)
	}
	if s.afterSnapshot != nil {
		s.afterSnapshot()
	}
	for _, id := range blobs {
		b, err := s.copyBlob(ctx, bw, id)
		if err != nil {
			return err
		}
		m.Blobs = append(m.Blobs, b)
	}
	if includeSealingKey {
		f, err := bw.Add(backup.SealingKeyFile, int64(len(keyBytes)), func(w io.Writer) error {
			_, err := w.Write(keyBytes)
			return err
		})
		if err != nil {
			return err
		}
		m.SealingKey = &f
	}
	return bw.Close()
}

// copyBlob adds blob id, which the metadata copy references, to the backup.
func (s *Server) copyBlob(ctx context.Context, bw *backup.Writer, id storage.BlobID) (backup.Blob, error) {
	// As stored: a sealed blob stays sealed in the backup.
	b, err := s.gate.Open(ctx, id)
	if err != nil {
		// Held deletions make this a lost blob, not a race: say so.
		return backup.Blob{}, fmt.Errorf("blob %s, referenced by the metadata copy: %w", id, err)
	}
	defer b.Close()
	f, err := bw.Add(objectsDir+"/"+disk.RelPath(id), b.Size(), func(w io.Writer) error {
		_, err := io.Copy(w, b)
		return err
	})
	return backup.Blob{ID: string(id), File: f}, err
}

// notIncluded says what a backup of dataDir does not hold, for the manifest.
func notIncluded(dataDir string, keyIncluded bool) []string {
	var out []string
	if !keyIncluded {
		out = append(out, "the sealing key ("+filepath.Join(dataDir, sealingKeyFile)+" on the server): "+
			"the secret keys of IAM users and of sessions in meta.db are sealed with it, and are lost without it; "+
			"keep a copy of it apart from this backup (sealing_key_sha256 names it) and restore with --sealing-key, or back up with --include-sealing-key")
	}
	return append(out, "the root credentials ("+filepath.Join(dataDir, rootFile)+" or SIGNET_ROOT_*): "+
		"a restore keeps the account ID, and the restored server generates a new root key unless SIGNET_ROOT_* give one",
		"writes not yet committed when the metadata was copied: they had not been acknowledged")
}
