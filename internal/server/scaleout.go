package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"signet/internal/access"
	"signet/internal/config"
	"signet/internal/duration"
	"signet/internal/meta"
	"signet/internal/meta/bolt"
	"signet/internal/meta/postgres"
)

// metaEngine is what the server needs of a metadata engine: the object
// index, the identities (access.Store wraps both) and the dev clock's
// offset.
type metaEngine interface {
	access.Backend
	meta.DevClockStore
}

// openedMeta is the metadata engine --meta selected, opened.
type openedMeta struct {
	md metaEngine
	// bolt is the embedded store (for backups and the commit metrics),
	// nil on PostgreSQL.
	bolt *bolt.Store
	// feed is the PostgreSQL engine's change feed, nil on bolt.
	feed changeFeed
	// shared: other nodes may use the same metadata and blob folder, so
	// start-up recovery must leave their writes in flight alone.
	shared bool
}

// changeFeed is how a node on a shared engine hears of the other nodes'
// changes (postgres.Store.Follow).
type changeFeed interface {
	Follow(ctx context.Context, h postgres.FeedHandlers) error
}

// deploymentBinder is an engine several nodes share, which records the
// account and sealing key of the first node and refuses others
// (postgres.Store.BindDeployment).
type deploymentBinder interface {
	BindDeployment(ctx context.Context, account string, sealingCheck []byte) error
}

// bindDeployment checks, on a shared engine, that this node answers for
// the account and seals with the key the database was first used with,
// before it serves or collects anything. The key itself never leaves the
// node: the database keeps an HMAC of a fixed label under it.
func bindDeployment(md metaEngine, account string, sealingKey []byte) error {
	b, ok := md.(deploymentBinder)
	if !ok {
		return nil
	}
	mac := hmac.New(sha256.New, sealingKey)
	mac.Write([]byte("signet deployment sealing key check"))
	ctx, cancel := context.WithTimeout(context.Background(), openTimeout)
	defer cancel()
	if err := b.BindDeployment(ctx, account, mac.Sum(nil)); err != nil {
		return fmt.Errorf("metadata store: %w (every node must use the same --sealing-key-file and --root-credentials-file)", err)
	}
	return nil
}

// openTimeout bounds connecting to PostgreSQL and migrating its schema
// at start: a server that cannot reach its database says so rather than
// hang.
const openTimeout = time.Minute

// openMeta opens the metadata engine cfg selects. The bolt store takes
// the blob folder's lock (lockBlobs) with it; the PostgreSQL engine is
// shared by design, so it takes none.
func openMeta(cfg config.Config) (openedMeta, error) {
	engine, where, err := cfg.MetaEngine()
	if err != nil {
		return openedMeta{}, err
	}
	if engine == config.EnginePostgres {
		return openPostgres(where)
	}
	bmd, err := bolt.Open(where)
	if err != nil {
		return openedMeta{}, fmt.Errorf("metadata store: %w", err)
	}
	unlockBlobs, err := lockBlobs(cfg.BlobsDir())
	if err != nil {
		bmd.Close()
		return openedMeta{}, fmt.Errorf("object store: %w", err)
	}
	return openedMeta{md: &lockedStore{Store: bmd, unlockBlobs: unlockBlobs}, bolt: bmd}, nil
}

func openPostgres(dsn string) (openedMeta, error) {
	ctx, cancel := context.WithTimeout(context.Background(), openTimeout)
	defer cancel()
	pg, err := postgres.Open(ctx, dsn)
	if err != nil {
		// The engine's errors never quote the connection string.
		return openedMeta{}, fmt.Errorf("metadata store (PostgreSQL %s): %w", describePostgres(dsn), err)
	}
	return openedMeta{md: pg, feed: pg, shared: true}, nil
}

// describeMeta names the metadata engine for the start log line: the
// bolt file, or PostgreSQL's host and database, never its user or
// password.
func describeMeta(cfg config.Config) string {
	engine, where, err := cfg.MetaEngine()
	switch {
	case err != nil:
		return "?"
	case engine == config.EnginePostgres:
		return "postgres " + describePostgres(where)
	default:
		return "bolt " + where
	}
}

// describePostgres is a connection URL's host:port/database, without its
// credentials or parameters.
func describePostgres(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Host + u.EscapedPath()
}

// nodeHealth is what /healthz says: ok, or why not. A node on bolt is
// always ok; a node on PostgreSQL is ok while its change feed is alive.
type nodeHealth struct {
	mu  sync.Mutex
	ok  bool
	why string
}

func (h *nodeHealth) set(ok bool, why string) {
	h.mu.Lock()
	h.ok, h.why = ok, why
	h.mu.Unlock()
}

// state returns ok, or false and a one-line reason.
func (h *nodeHealth) state() (bool, string) {
	if h == nil {
		return true, ""
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ok, h.why
}

// healthState is the node's health for /healthz.
func (s *Server) healthState() (bool, string) { return s.health.state() }

// followChanges runs the change feed for the server's life: every change
// another node commits (or a reconnection, after which any may have been
// missed) drops the identity cache, and moves the dev clock when its
// offset changed; while the feed is down the cache is off and /healthz
// says why, so the node never serves a decision from before a change it
// may have missed (docs/design/0006-scale-out.md).
func (s *Server) followChanges(feed changeFeed) {
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	s.stopFeed = func() { stop(); <-done; s.clockSyncs.Wait() }
	go func() {
		defer close(done)
		err := feed.Follow(ctx, postgres.FeedHandlers{
			Changed: s.changed,
			Reset:   s.resetCaches,
			Health:  s.feedHealth,
		})
		if err != nil && ctx.Err() == nil {
			s.log.Error("the change feed stopped", "err", err)
		}
	}()
}

// changed applies a change another node (or this one) committed.
func (s *Server) changed(kind string) {
	if kind == postgres.ChangeDevClock {
		// Not on the feed's goroutine: a slow read must not hold up
		// its liveness checks, which bound how stale the cache can be.
		s.clockSyncs.Go(s.syncDevClock)
		return
	}
	if kind == postgres.ChangeURLRevocations {
		// Off the feed's goroutine too; reloads are ordered by the
		// denylist itself.
		s.clockSyncs.Go(s.refreshRevocations)
		return
	}
	// Identities, bucket policies and anything else cached: the cache
	// is one, so any other kind drops it all.
	s.store.Invalidate()
}

// resetCaches runs after the feed (re)connected: what changed meanwhile
// is unknown, so every cache goes and the dev clock is read again.
func (s *Server) resetCaches() {
	s.store.Invalidate()
	s.clockSyncs.Go(s.refreshRevocations)
	s.clockSyncs.Go(s.syncDevClock)
}

// feedHealth turns the cache off while the feed is down, and /healthz
// with it.
func (s *Server) feedHealth(ok bool, why string) {
	s.store.SetCaching(ok)
	s.health.set(ok, why)
	if ok {
		s.log.Info("change feed up: caching identities again")
		return
	}
	s.log.Warn("change feed down: every request reads PostgreSQL, or is refused with 503 while it cannot", "why", why)
}

// syncDevClock moves this node's clock to the offset stored in the
// engine, so that 'signet admin clock advance' on one node moves every
// node's. Without --dev-clock the node stays on real time.
func (s *Server) syncDevClock() {
	if !s.cfg.DevClock {
		return
	}
	// One at a time, each reading under the lock: the last applied is
	// the last read.
	s.devClockMu.Lock()
	defer s.devClockMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d, err := s.devClock.DevClockOffset(ctx)
	if err != nil {
		s.log.Warn("reading the dev clock's offset failed; the next change or reconnection tries again", "err", err)
		return
	}
	if moveClockTo(s, d) {
		s.log.Info("dev clock moved by another node", "offset", duration.Format(d), "now", s.Clock.Now())
	}
}

// moveClockTo sets the dev clock's offset to d, forward or back (a reset
// on another node), and reports whether it moved.
func moveClockTo(s *Server, d time.Duration) bool {
	if d == s.Clock.Shift() {
		return false
	}
	s.Clock.SetShift(d)
	return true
}

// healthzText is GET /healthz's answer: 200 "ok", or 503 and why this
// node cannot vouch for what it serves, on one line.
func healthzText(ok bool, why string) (int, string) {
	if ok {
		return 200, "ok\n"
	}
	return 503, strings.ReplaceAll(why, "\n", " ") + "\n"
}
