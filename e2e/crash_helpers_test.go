package e2e

// What the crash, consistency and soak tests share: an aws-sdk-go-v2 S3
// client, payloads that need not be kept in memory, a history of writes
// judged after the fact, and a check of the data directory's layout.

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"signet/internal/meta"
	"signet/internal/meta/bolt"
	"signet/internal/storage"
)

// ---------------------------------------------------------------------------
// Clients and processes

// newS3Client is an unchanged aws-sdk-go-v2 S3 client for the server at
// endpoint, signing with the suite's root credentials, path-style, with its
// own connection pool of up to conns idle connections. Retries are off: a
// retried write would blur which attempt was acknowledged, and the crash
// test must see every connection the kill breaks.
func newS3Client(endpoint string, conns int) *s3.Client {
	tr := &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     30 * time.Second,
	}
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(rootAK, rootSK, ""),
		HTTPClient:  &http.Client{Transport: tr, Timeout: 2 * time.Minute},
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
		// config.LoadDefaultConfig's defaults, which a hand-built
		// aws.Config leaves unset: PUTs carry a CRC32 trailer, as from
		// any application built on the SDK.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = true
	})
}

// track adds p to the servers whose logs TestMain searches for secrets.
func track(p *signetProc) {
	procMu.Lock()
	extraProc = append(extraProc, p)
	procMu.Unlock()
}

// kill ends the server with SIGKILL, as a power cut ends a process: no
// deferred call, no graceful shutdown, nothing flushed that was not already
// handed to the kernel.
func (p *signetProc) kill() error {
	var err error
	p.stopOnce.Do(func() {
		err = p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.done
	})
	return err
}

// httpStatus returns the HTTP status of an SDK error that carries a
// response, or 0 when no response arrived (a refused or broken
// connection): the request may or may not have been carried out.
func httpStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// ---------------------------------------------------------------------------
// Payloads

// payload returns n bytes determined by id alone, so a test can remember a
// write by its hashes and still tell any two writes apart.
func payload(id uint64, n int) []byte {
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], id)
	b := make([]byte, n)
	_, _ = rand.NewChaCha8(seed).Read(b) // never fails
	return b
}

func sha256Of(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// partsETag is S3's ETag of a multipart object: the MD5 of the parts' MD5s,
// a dash and the number of parts.
func partsETag(parts [][]byte) string {
	h := md5.New()
	for _, p := range parts {
		s := md5.Sum(p)
		h.Write(s[:])
	}
	return fmt.Sprintf("%x-%d", h.Sum(nil), len(parts))
}

// ---------------------------------------------------------------------------
// Histories

// seqClock orders events across goroutines: a write whose response came
// back (seq taken after) before another write was sent (seq taken before)
// was committed first. Wall-clock time could not promise that.
type seqClock struct{ n atomic.Int64 }

func (c *seqClock) tick() int64 { return c.n.Add(1) }

// never is the end of a write whose outcome is unknown.
const never = math.MaxInt64

type outcome int

const (
	// unknown: no response came back (the server died or the
	// connection broke); the write may or may not have happened.
	unknown outcome = iota
	// acked: the server answered 2xx; the write must be durable.
	acked
	// refused: the server answered with an error; the write must not
	// have happened.
	refused
)

// write is one PUT, completed multipart upload or DELETE of one key, or
// the state a key was known to hold when a history began.
type write struct {
	key    string
	delete bool
	sha    string // hex SHA-256 of the bytes
	etag   string // the ETag the bytes must carry, unquoted
	size   int64
	// sent: the committing request (PUT, CompleteMultipartUpload,
	// DELETE) was sent. A multipart upload interrupted in its parts
	// never was, and cannot have changed the key.
	sent bool
	// start is taken before the committing request was sent; end after
	// its response, never while unknown.
	start, end int64
	outcome    outcome
	detail     string // the error of a refused or unknown write
}

func (w *write) String() string {
	state := "absent"
	if !w.delete {
		state = fmt.Sprintf("%d bytes, sha256 %.12s, ETag %s", w.size, w.sha, w.etag)
	}
	oc := map[outcome]string{unknown: "unknown", acked: "acked", refused: "refused"}[w.outcome]
	end := "never"
	if w.end != never {
		end = fmt.Sprint(w.end)
	}
	return fmt.Sprintf("[%s, seq %d..%s, %s]", state, w.start, end, oc)
}

// history records every write of a test, by key.
type history struct {
	clock seqClock
	mu    sync.Mutex
	byKey map[string][]*write
}

func newHistory() *history { return &history{byKey: make(map[string][]*write)} }

// known records the state a key holds before any write of this history:
// an acked write that precedes every other.
func (h *history) known(key string, st observation) {
	w := &write{key: key, delete: !st.present, sha: st.sha, etag: st.etag, size: st.size, sent: true, outcome: acked}
	h.add(w)
}

func (h *history) add(w *write) {
	h.mu.Lock()
	h.byKey[w.key] = append(h.byKey[w.key], w)
	h.mu.Unlock()
}

// begin records a write about to be sent; the caller then calls send just
// before the committing request and finish with its result.
func (h *history) begin(w *write) *write {
	w.end = never
	h.add(w)
	return w
}

// send marks the committing request as about to leave.
func (h *history) send(w *write) {
	h.mu.Lock()
	w.sent, w.start = true, h.clock.tick()
	h.mu.Unlock()
}

// finish records the outcome of the committing request (or of an earlier
// step of a multipart upload that failed, when send was never called).
func (h *history) finish(w *write, err error) {
	end := h.clock.tick()
	h.mu.Lock()
	defer h.mu.Unlock()
	switch st := httpStatus(err); {
	case err == nil:
		w.outcome, w.end = acked, end
	case st >= 300:
		w.outcome, w.end, w.detail = refused, end, err.Error()
	default:
		// No response, or a 2xx whose body broke off: the server may
		// have committed the write.
		w.outcome, w.detail = unknown, err.Error()
	}
}

// writes returns a copy of key's writes.
func (h *history) writes(key string) []*write {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.byKey[key])
}

// visible returns the writes of ws whose state a read that started at seq
// from and ended at seq to may observe, S3's read-after-write promise: the
// write was sent before the read ended, may have happened (acked, or
// unknown), and no acked write that was sent after it was acknowledged had
// itself been acknowledged before the read started. After a crash, a read
// is "from = to = never": every write sent may show, unless an acked write
// provably followed it.
func visible(ws []*write, from, to int64) []*write {
	var out []*write
	for _, w := range ws {
		if !w.sent || w.outcome == refused || w.start >= to {
			continue
		}
		superseded := false
		for _, later := range ws {
			if later.outcome == acked && later.start > w.end && later.end < from {
				superseded = true
				break
			}
		}
		if !superseded {
			out = append(out, w)
		}
	}
	return out
}

// observation is what a read found under a key.
type observation struct {
	present bool
	sha     string
	etag    string // unquoted
	size    int64
}

func (o observation) String() string {
	if !o.present {
		return "absent"
	}
	return fmt.Sprintf("%d bytes, sha256 %.12s, ETag %s", o.size, o.sha, o.etag)
}

// verdict judges an observation against a key's writes.
type verdict int

const (
	consistent verdict = iota
	// torn: bytes no write of the key ever had, or bytes whose ETag or
	// size is not that write's.
	torn
	// lostWrite: the key is absent, or holds an older version, although
	// an acked write that no later acked write replaced must be there.
	lostWrite
	// undoneDelete: the key holds bytes although an acked delete, that
	// no later acked write replaced, removed them.
	undoneDelete
)

func (v verdict) String() string {
	return [...]string{"consistent", "torn object", "acknowledged write lost", "acknowledged delete undone"}[v]
}

// judge decides whether obs may be observed, given all of a key's writes
// and the visible ones.
func judge(obs observation, all, vis []*write) verdict {
	if !obs.present {
		for _, w := range vis {
			if w.delete {
				return consistent
			}
		}
		return lostWrite
	}
	same := func(w *write) bool { return !w.delete && w.sha == obs.sha && w.etag == obs.etag && w.size == obs.size }
	for _, w := range vis {
		if same(w) {
			return consistent
		}
	}
	for _, w := range all {
		if !same(w) {
			continue
		}
		// Bytes of a write that may no longer show.
		for _, v := range vis {
			if !v.delete {
				return lostWrite
			}
		}
		return undoneDelete
	}
	// Bytes no write had, or a write's bytes under another ETag.
	return torn
}

// ---------------------------------------------------------------------------
// The data directory

// layoutReport is what checkLayout found in a stopped server's data
// directory. Every list but uploads and parts should be empty.
type layoutReport struct {
	tempFiles    []string         // left in objects/tmp or named like a temp file anywhere
	strays       []string         // under objects/blobs but not a blob the engine could have made
	orphanBlobs  []storage.BlobID // blob files no metadata record references
	orphanInline []storage.BlobID // inline blobs no metadata record references
	dangling     []storage.BlobID // referenced, but neither a file nor an inline blob
	unowned      []storage.BlobID // referenced by no object and no part of an upload
	unreferenced []storage.BlobID // used by an object or part, but not counted as referenced
	objects      int
	uploads      int
	parts        int
	blobFiles    int
}

func (r layoutReport) problems() []string {
	var out []string
	add := func(what string, n int, list any) {
		if n > 0 {
			out = append(out, fmt.Sprintf("%d %s: %v", n, what, list))
		}
	}
	add("temp files", len(r.tempFiles), r.tempFiles)
	add("stray files among the blobs", len(r.strays), r.strays)
	add("orphan blob files (no metadata references them)", len(r.orphanBlobs), r.orphanBlobs)
	add("orphan inline blobs", len(r.orphanInline), r.orphanInline)
	add("dangling references (blob missing)", len(r.dangling), r.dangling)
	add("references no object or upload part owns (parts of no upload)", len(r.unowned), r.unowned)
	add("blobs of objects or parts with no reference count", len(r.unreferenced), r.unreferenced)
	return out
}

// orphans counts everything start-up recovery should have left nothing of.
func (r layoutReport) orphans() int {
	return len(r.tempFiles) + len(r.strays) + len(r.orphanBlobs) + len(r.orphanInline) + len(r.unowned)
}

// inlineWalker is implemented by metadata stores that keep small blobs
// themselves (storage/inline).
type inlineWalker interface {
	WalkInlineBlobs(ctx context.Context, fn func(storage.BlobID) error) error
}

// checkLayout inspects the data directory of a stopped server: the files
// of internal/storage/disk (objects/blobs/XX/ID, objects/tmp/) against the
// references of internal/meta/bolt (meta.db), and those references against
// the objects and upload parts that own them.
func checkLayout(ctx context.Context, dataDir string) (layoutReport, error) {
	var r layoutReport
	files := map[storage.BlobID]bool{}
	blobsDir := filepath.Join(dataDir, "objects", "blobs")
	tmpDir := filepath.Join(dataDir, "objects", "tmp")
	err := filepath.WalkDir(dataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dataDir, path)
		name := d.Name()
		switch {
		case d.IsDir():
			return nil
		case strings.HasPrefix(path, tmpDir+string(filepath.Separator)),
			strings.Contains(name, ".tmp"), strings.HasPrefix(name, "put-"):
			r.tempFiles = append(r.tempFiles, rel)
		case strings.HasPrefix(path, blobsDir+string(filepath.Separator)):
			id := storage.BlobID(name)
			if !id.Valid() || id.Inline() || filepath.Base(filepath.Dir(path)) != name[:2] || !d.Type().IsRegular() {
				r.strays = append(r.strays, rel)
				return nil
			}
			files[id] = true
			r.blobFiles++
		}
		return nil
	})
	if err != nil {
		return r, fmt.Errorf("walking %s: %w", dataDir, err)
	}

	st, err := bolt.Open(filepath.Join(dataDir, "meta.db"))
	if err != nil {
		return r, err
	}
	defer st.Close()
	refs := map[storage.BlobID]bool{}
	if err := st.WalkBlobs(ctx, func(id storage.BlobID) error { refs[id] = true; return nil }); err != nil {
		return r, err
	}
	inline := map[storage.BlobID]bool{}
	if iw, ok := any(st).(inlineWalker); ok {
		if err := iw.WalkInlineBlobs(ctx, func(id storage.BlobID) error { inline[id] = true; return nil }); err != nil {
			return r, err
		}
	}
	owned, err := ownedBlobs(ctx, st, &r)
	if err != nil {
		return r, err
	}
	for id := range files {
		if !refs[id] {
			r.orphanBlobs = append(r.orphanBlobs, id)
		}
	}
	for id := range inline {
		if !refs[id] {
			r.orphanInline = append(r.orphanInline, id)
		}
	}
	for id := range refs {
		if !files[id] && !inline[id] {
			r.dangling = append(r.dangling, id)
		}
		if !owned[id] {
			r.unowned = append(r.unowned, id)
		}
	}
	for id := range owned {
		if !refs[id] {
			r.unreferenced = append(r.unreferenced, id)
		}
	}
	return r, nil
}

// ownedBlobs returns the blobs of every object and every part of every
// upload in st, counting them into r.
func ownedBlobs(ctx context.Context, st meta.Store, r *layoutReport) (map[storage.BlobID]bool, error) {
	owned := map[storage.BlobID]bool{}
	buckets, err := st.ListBuckets(ctx)
	if err != nil {
		return nil, err
	}
	for _, b := range buckets {
		// Every version owns its blobs, not only the current ones; in a
		// bucket never versioned the versions are the objects.
		q := meta.VersionQuery{MaxKeys: 1000}
		for {
			page, err := st.ListObjectVersions(ctx, b.Name, q)
			if err != nil {
				return nil, err
			}
			for _, o := range page.Versions {
				r.objects++
				for _, id := range o.Blobs() {
					owned[id] = true
				}
			}
			if !page.IsTruncated {
				break
			}
			q.KeyMarker, q.VersionIDMarker = page.NextKeyMarker, page.NextVersionIDMarker
		}
		uq := meta.UploadQuery{MaxUploads: 1000}
		for {
			page, err := st.ListUploads(ctx, b.Name, uq)
			if err != nil {
				return nil, err
			}
			for _, u := range page.Uploads {
				r.uploads++
				after := 0
				for {
					parts, more, err := st.ListParts(ctx, u.Bucket, u.Key, u.ID, after, 1000)
					if err != nil {
						return nil, err
					}
					for _, p := range parts {
						r.parts++
						owned[p.Blob] = true
						after = p.Number
					}
					if !more {
						break
					}
				}
			}
			if !page.IsTruncated {
				break
			}
			uq.KeyMarker, uq.UploadIDMarker = page.NextKeyMarker, page.NextUploadIDMarker
		}
	}
	return owned, nil
}

// dirSize is the total size of the regular files under dir.
func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}
