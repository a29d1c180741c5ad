package server

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"signet/internal/atomicfile"
	"signet/internal/config"
	"signet/internal/meta"
	"signet/internal/meta/bolt"
	"signet/internal/secret"
	"signet/internal/storage"
	"signet/internal/storage/disk"
	"signet/internal/storage/sealed"
)

// Rotation of the sealing key (`signet admin key rotate-sealing`) is
// offline: it runs on the data directory with the server stopped, which
// the metadata store's lock enforces (a running server holds it). Online,
// every request would have to pick between two keys while headers change
// under open blobs; offline, each blob and secret is under exactly one key
// at any moment and nothing reads a header being written.
//
// The steps, each safe to repeat, so that after a crash running the
// command again finishes the rotation:
//
//  1. The new key is written to sealing.key.next (0600, atomically) beside
//     sealing.key, which stays the old key. While the file exists the
//     server refuses to start: some blobs and secrets are under each key.
//  2. Every blob header sealed under the old key is re-wrapped under the
//     new one (sealed.Rewrap: the data key only, never a chunk). New
//     headers are journaled first, a batch at a time (the journal written
//     and fsynced atomically), then written in place and fsynced, then the
//     journal removed: an in-place write that a crash tears is re-applied
//     from the journal on the next run. A header already under the new key
//     is skipped, so the headers themselves record the progress.
//  3. Every access key's and session's secret is re-sealed under the new
//     key in one metadata transaction: all or none.
//  4. sealing.key.next is renamed over sealing.key and the directory
//     fsynced. Only now is the old key gone; everything is under the new
//     one.

const (
	sealingKeyNextFile = "sealing.key.next"
	rotateJournalFile  = "sealing-rotation.journal"
)

// rotateBatch is how many headers one journal covers: one journal write
// and removal per batch, one fsync per header. Tests make it small.
var rotateBatch = 256

// ErrRotationInProgress: a rotation of the sealing key started and did
// not finish; the server does not start until it does.
var ErrRotationInProgress = errors.New("a rotation of the sealing key is in progress")

// ErrServerRunning: the rotation found the data directory in use.
var ErrServerRunning = errors.New("the data directory is in use by a running server")

// RotationReport says what a rotation did.
type RotationReport struct {
	// Resumed: an interrupted rotation was finished.
	Resumed bool
	// Rewrapped blobs had their data key re-wrapped; Skipped were already
	// (a resumed rotation), or are not the server key's (SSE-C, or
	// written before encryption).
	Rewrapped, Skipped int
	// Secrets is how many access keys and sessions were re-sealed.
	Secrets int
}

// rotateHooks let tests stop a rotation where a crash could.
type rotateHooks struct {
	afterHead     func(n int) error // after the n-th header written in place
	beforeSecrets func() error
	beforeFinish  func() error
}

// RotateSealingKey replaces the data directory's sealing key with a new
// random one, re-wrapping every blob's data key and re-sealing every
// stored secret under it. The server must be stopped (ErrServerRunning
// otherwise). After a failure or a crash, running it again resumes.
func RotateSealingKey(ctx context.Context, dataDir string) (RotationReport, error) {
	return rotateSealingKey(ctx, dataDir, rotateHooks{})
}

func rotateSealingKey(ctx context.Context, dataDir string, hooks rotateHooks) (rep RotationReport, err error) {
	// Nothing is created in a directory that is not a server's.
	for _, name := range []string{sealingKeyFile, "meta.db"} {
		if _, err := os.Stat(filepath.Join(dataDir, name)); err != nil {
			return rep, fmt.Errorf("%s has no %s: is it the server's data directory? (%v; a store moved out with --meta is not rotated here, and a PostgreSQL one not at all)", dataDir, name, err)
		}
	}
	// A server started with --blobs keeps its blobs elsewhere, and a
	// rotation that re-wrapped none of them would leave every one sealed
	// under a key that is gone: refuse rather than create objects/.
	if fi, err := os.Stat(filepath.Join(dataDir, config.BlobsFolder)); err != nil || !fi.IsDir() {
		return rep, fmt.Errorf("%s has no %s/: a server started with --blobs keeps its blobs elsewhere, "+
			"and rotate-sealing works only on a data directory that holds both meta.db and %s/ (start without --blobs, or move the folder back first)",
			dataDir, config.BlobsFolder, config.BlobsFolder)
	}
	md, err := bolt.Open(filepath.Join(dataDir, "meta.db"))
	if errors.Is(err, bolt.ErrInUse) {
		return rep, fmt.Errorf("%w: stop the server first, the rotation runs offline (%v)", ErrServerRunning, err)
	}
	if err != nil {
		return rep, err
	}
	defer func() {
		if cerr := md.Close(); err == nil {
			err = cerr
		}
	}()
	oldKey, err := readSealingKey(filepath.Join(dataDir, sealingKeyFile))
	if err != nil {
		return rep, err
	}
	newKey, resumed, err := nextSealingKey(dataDir)
	if err != nil {
		return rep, err
	}
	rep.Resumed = resumed
	files, err := disk.Open(filepath.Join(dataDir, "objects"))
	if err != nil {
		return rep, err
	}
	r := &rotation{md: md, files: files, dir: dataDir, hooks: hooks}
	if r.from, err = sealed.DeriveKEK(oldKey); err != nil {
		return rep, err
	}
	if r.to, err = sealed.DeriveKEK(newKey); err != nil {
		return rep, err
	}
	if err := r.replayJournal(ctx); err != nil {
		return rep, err
	}
	if err := r.rewrapBlobs(ctx, &rep); err != nil {
		return rep, err
	}
	if hooks.beforeSecrets != nil {
		if err := hooks.beforeSecrets(); err != nil {
			return rep, err
		}
	}
	if rep.Secrets, err = resealSecrets(ctx, md, oldKey, newKey); err != nil {
		return rep, err
	}
	if hooks.beforeFinish != nil {
		if err := hooks.beforeFinish(); err != nil {
			return rep, err
		}
	}
	if err := os.Rename(filepath.Join(dataDir, sealingKeyNextFile), filepath.Join(dataDir, sealingKeyFile)); err != nil {
		return rep, err
	}
	return rep, atomicfile.SyncDir(dataDir)
}

// nextSealingKey is the key being rotated to: the one an interrupted
// rotation wrote, or a new one, written before anything is sealed under
// it.
func nextSealingKey(dataDir string) (key []byte, resumed bool, err error) {
	path := filepath.Join(dataDir, sealingKeyNextFile)
	key, err = readSealingKey(path)
	if err == nil {
		return key, true, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	if key, err = secret.GenerateKey(); err != nil {
		return nil, false, err
	}
	if err := atomicfile.WriteFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, false, err
	}
	return key, false, nil
}

// rotation is one run's state.
type rotation struct {
	md       *bolt.Store
	files    *disk.Engine
	dir      string
	from, to *sealed.KEK
	hooks    rotateHooks
	written  int
}

// newHead is a header to write in place.
type newHead struct {
	id   storage.BlobID
	head []byte
}

// rewrapBlobs re-wraps every blob's header, a journaled batch at a time.
// The IDs are listed first so that no header is written during a walk.
func (r *rotation) rewrapBlobs(ctx context.Context, rep *RotationReport) error {
	var ids []storage.BlobID
	collect := func(id storage.BlobID) error { ids = append(ids, id); return nil }
	if err := r.md.WalkInlineBlobs(ctx, collect); err != nil {
		return err
	}
	if err := r.files.Walk(ctx, collect); err != nil {
		return err
	}
	var batch []newHead
	for _, id := range ids {
		head, err := r.readHead(ctx, id)
		if err != nil {
			return fmt.Errorf("blob %s: %w", id, err)
		}
		out, res, err := sealed.Rewrap(head, r.from, r.to)
		if err != nil {
			return fmt.Errorf("blob %s: %w", id, err)
		}
		if res != sealed.Rewrapped {
			rep.Skipped++
			continue
		}
		batch = append(batch, newHead{id, out})
		if len(batch) == rotateBatch {
			if err := r.apply(ctx, batch); err != nil {
				return err
			}
			rep.Rewrapped += len(batch)
			batch = batch[:0]
		}
	}
	if err := r.apply(ctx, batch); err != nil {
		return err
	}
	rep.Rewrapped += len(batch)
	return nil
}

// readHead reads a blob's first sealed.HeaderSize bytes (fewer for a
// shorter blob, which cannot be sealed).
func (r *rotation) readHead(ctx context.Context, id storage.BlobID) ([]byte, error) {
	if id.Inline() {
		b, err := r.md.InlineBlob(ctx, id)
		if err != nil {
			return nil, err
		}
		return b[:min(len(b), sealed.HeaderSize)], nil
	}
	b, err := r.files.Open(ctx, id)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	head := make([]byte, min(b.Size(), sealed.HeaderSize))
	if _, err := b.ReadAt(head, 0); err != nil && err != io.EOF {
		return nil, err
	}
	return head, nil
}

// apply journals a batch of headers, writes each in place, and removes
// the journal.
func (r *rotation) apply(ctx context.Context, batch []newHead) error {
	if len(batch) == 0 {
		return nil
	}
	journal := filepath.Join(r.dir, rotateJournalFile)
	if err := atomicfile.WriteFile(journal, encodeJournal(batch), 0o600); err != nil {
		return err
	}
	if err := r.write(ctx, batch); err != nil {
		return err
	}
	// A removal a crash undoes only makes the next run write the same
	// headers again.
	return os.Remove(journal)
}

// write writes headers in place.
func (r *rotation) write(ctx context.Context, batch []newHead) error {
	for _, h := range batch {
		var err error
		if h.id.Inline() {
			err = r.md.RewriteInlineBlobHead(ctx, h.id, h.head)
		} else {
			err = r.files.RewriteHead(ctx, h.id, h.head)
		}
		if err != nil {
			return fmt.Errorf("blob %s: %w", h.id, err)
		}
		r.written++
		if r.hooks.afterHead != nil {
			if err := r.hooks.afterHead(r.written); err != nil {
				return err
			}
		}
	}
	return nil
}

// replayJournal writes again the headers of a batch a crash interrupted.
func (r *rotation) replayJournal(ctx context.Context) error {
	journal := filepath.Join(r.dir, rotateJournalFile)
	b, err := os.ReadFile(journal)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	batch, err := decodeJournal(b)
	if err != nil {
		return fmt.Errorf("%s: %w", journal, err)
	}
	if err := r.write(ctx, batch); err != nil {
		return err
	}
	return os.Remove(journal)
}

// encodeJournal lays out a batch: for each header, the ID's length (one
// byte), the ID, and the header.
func encodeJournal(batch []newHead) []byte {
	var out []byte
	for _, h := range batch {
		out = append(out, byte(len(h.id)))
		out = append(out, h.id...)
		out = append(out, h.head...)
	}
	return out
}

func decodeJournal(b []byte) ([]newHead, error) {
	var out []newHead
	for len(b) > 0 {
		n := int(b[0])
		if len(b) < 1+n+sealed.HeaderSize {
			return nil, errors.New("truncated journal")
		}
		id := storage.BlobID(b[1 : 1+n])
		if !id.Valid() {
			return nil, errors.New("journal names an invalid blob ID")
		}
		out = append(out, newHead{id, b[1+n : 1+n+sealed.HeaderSize]})
		b = b[1+n+sealed.HeaderSize:]
	}
	return out, nil
}

// resealSecrets re-seals every stored secret under newKey in one
// transaction. A secret the new key opens already is kept: a rotation
// resumed after the transaction committed changes nothing.
func resealSecrets(ctx context.Context, md meta.SecretResealer, oldKey, newKey []byte) (int, error) {
	from, err := secret.NewSealer(oldKey)
	if err != nil {
		return 0, err
	}
	to, err := secret.NewSealer(newKey)
	if err != nil {
		return 0, err
	}
	n := 0
	err = md.ResealSecrets(ctx, func(id string, sealedSecret []byte) ([]byte, error) {
		if _, err := to.Open(sealedSecret, id); err == nil {
			return sealedSecret, nil
		}
		sec, err := from.Open(sealedSecret, id)
		if err != nil {
			return nil, fmt.Errorf("the secret of %s opens with neither key: %w", id, err)
		}
		n++
		return to.Seal(sec, id)
	})
	return n, err
}
