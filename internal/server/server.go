// Package server is signet's composition root: the only package that wires
// concrete engines (disk blobs, bolt or PostgreSQL metadata) to the API
// handlers.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"signet/internal/access"
	"signet/internal/adminapi"
	"signet/internal/authn"
	"signet/internal/awsquery"
	"signet/internal/clock"
	"signet/internal/config"
	"signet/internal/console"
	"signet/internal/duration"
	"signet/internal/expect"
	"signet/internal/explain"
	"signet/internal/iam"
	"signet/internal/iamapi"
	"signet/internal/meta"
	"signet/internal/meta/bolt"
	"signet/internal/metrics"
	"signet/internal/principal"
	"signet/internal/revocation"
	"signet/internal/s3api"
	"signet/internal/secret"
	"signet/internal/storage"
	"signet/internal/storage/disk"
	"signet/internal/storage/sealed"
	"signet/internal/sts"
	"signet/internal/stsapi"
	"signet/internal/urluses"
)

// Server is a configured signet server.
type Server struct {
	cfg     config.Config
	log     *slog.Logger
	meta    meta.Store
	blobs   storage.Engine
	root    RootCredentials
	newRoot bool
	// Clock is the lifetime clock; under --dev-clock an admin call moves it.
	Clock    *clock.Offset
	handler  http.Handler
	store    *access.Store
	sessions *sts.Service
	// stopSweep ends the session sweeper; sweepDone closes when it has.
	stopSweep func()
	sweepDone chan struct{}
	// gate is the blob engine under encryption, holding deletions back
	// during a backup, whose blobs a backup copies as stored (sealed);
	// snapshots is the metadata store a backup copies (backup.go).
	gate      *deleteGate
	snapshots *bolt.Store
	// afterSnapshot, when set (tests), runs between a backup's metadata
	// copy and its blob copies.
	afterSnapshot func()
	// s3 runs lifecycle sweeps (lifecycle.go), one at a time under
	// lifecycleMu; lifecycleDone closes when the periodic sweeper ends.
	s3            *s3api.API
	lifecycleMu   sync.Mutex
	lifecycleDone chan struct{}
	// revocations keeps the URL denylist; revocationsDone closes when its
	// pruning ends.
	revocations     *revocation.Service
	denylist        *revocation.List
	revocationsDone chan struct{}
	// revocationsMu runs one reload at a time; revocationsPending is
	// set while one waits to run (refreshRevocations).
	revocationsMu      sync.Mutex
	revocationsPending atomic.Bool
	// tally counts the requests in flight and holds the metrics (nil
	// unless --metrics-addr or --metrics-on-main).
	tally *tally
	// On a shared engine (scaleout.go): health is what /healthz says
	// (nil on bolt: always ok), devClock where the dev clock's offset is
	// read again when another node moves it, stopFeed ends the change
	// feed.
	health     *nodeHealth
	devClock   meta.DevClockStore
	devClockMu sync.Mutex     // serialises syncDevClock
	clockSyncs sync.WaitGroup // syncDevClock calls running
	stopFeed   func()
}

// New opens the data directory, recovers from any crash, and builds the
// handler. base is the real clock (tests pass a fake).
func New(cfg config.Config, log *slog.Logger, base clock.Clock) (*Server, error) {
	return newServer(cfg, log, base, true)
}

// newServer is New; seal false leaves blobs unencrypted, as signet stored
// them before encryption at rest, and exists only so that a benchmark can
// measure the sealed path against that baseline in the same run.
func newServer(cfg config.Config, log *slog.Logger, base clock.Clock, seal bool) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, err
	}
	// The data directory holds secrets: keep it private even if it existed.
	if err := os.Chmod(cfg.DataDir, 0o700); err != nil {
		return nil, err
	}
	if cfg.RootCredentialsFile != "" {
		rc, err := readRootCredentials(cfg.RootCredentialsFile)
		if err != nil {
			return nil, fmt.Errorf("root credentials: %w", err)
		}
		// From here on the file's key is what SIGNET_ROOT_* would give.
		cfg.RootAccessKeyID, cfg.RootSecret = rc.AccessKeyID, rc.Secret.Reveal()
		if err := adoptAccount(cfg.DataDir, rc.AccountID); err != nil {
			return nil, fmt.Errorf("root credentials: %w", err)
		}
	}
	root, generated, err := loadRoot(cfg)
	if err != nil {
		return nil, fmt.Errorf("root credentials: %w", err)
	}
	// The metadata store and (on bolt) the blob folder are locked first:
	// the disk engine clears in-flight temp files when it opens, which
	// must never happen under another running server; on a shared
	// engine it clears only those older than the orphans' grace.
	om, err := openMeta(cfg)
	if err != nil {
		return nil, err
	}
	md := om.md
	var diskOpts []disk.Option
	if om.shared {
		diskOpts = append(diskOpts, disk.KeepYoungTemp(base.Now(), orphanGrace))
	}
	files, err := disk.Open(cfg.BlobsDir(), diskOpts...)
	if err != nil {
		md.Close()
		return nil, fmt.Errorf("object store: %w", err)
	}
	// Small objects live in the metadata store, made durable by the same
	// grouped commit that publishes them (docs/design/0004); larger ones
	// go to files.
	// Every blob is sealed (SSE-S3) above both: small objects are
	// encrypted in the metadata store too (docs/design/0005).
	sealingKey, err := loadSealingKey(cfg.DataDir, cfg.SealingKeyFile)
	if err != nil {
		md.Close()
		return nil, fmt.Errorf("sealing key: %w", err)
	}
	kek, err := sealed.DeriveKEK(sealingKey)
	if err != nil {
		md.Close()
		return nil, fmt.Errorf("sealing key: %w", err)
	}
	if err := bindDeployment(md, root.AccountID, sealingKey); err != nil {
		md.Close()
		return nil, err
	}
	// Every blob deletion goes through the gate, under the encryption, so
	// a backup can hold them; a backup copies blobs as stored (sealed),
	// from the gate.
	gate := &deleteGate{Engine: blobEngine(files, md)}
	var blobs storage.Engine = gate
	if seal {
		se, err := sealed.New(blobs, kek)
		if err != nil {
			md.Close()
			return nil, err
		}
		se.CachePlaintext(int64(cfg.DecryptedCacheMiB)<<20, sealed.DefaultCacheObject)
		blobs = se
	}
	s := &Server{cfg: cfg, log: log, meta: md, blobs: blobs, root: root, newRoot: generated, Clock: clock.NewOffset(base), gate: gate, snapshots: om.bolt, tally: &tally{}, devClock: md}
	if cfg.MetricsOn() {
		s.tally.metrics = metrics.New(metrics.Config{LiveSessions: s.liveSessions})
		if om.bolt != nil {
			om.bolt.SetCommitObserver(s.tally.metrics.ObserveCommitBatch)
		}
	}
	// On bolt, lockBlobs made the blob folder this server's alone.
	if n, young, err := collectOrphans(context.Background(), md, blobs, files, base.Now(), orphanGraceFor(!om.shared)); err != nil {
		s.Close()
		return nil, fmt.Errorf("start-up recovery: %w", err)
	} else if n > 0 || young > 0 {
		log.Info("start-up recovery removed orphan blobs", "count", n, "kept_younger_than_grace", young)
	}
	// Only an engine that ever held records from before unique IDs has
	// any to bind.
	if lb, ok := md.(meta.LegacyIDBinding); ok {
		if err := bindLegacyIDs(context.Background(), lb, root.AccountID, log); err != nil {
			s.Close()
			return nil, fmt.Errorf("start-up binding of identities to unique IDs: %w", err)
		}
	}
	if err := s.resumeDevClock(context.Background(), md); err != nil {
		s.Close()
		return nil, fmt.Errorf("dev clock: %w", err)
	}
	sealer, err := secret.NewSealer(sealingKey)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("sealing key: %w", err)
	}
	store := access.NewStore(md)
	store.SetLogger(log)
	s.store = store
	if om.feed != nil {
		// Until the change feed is up, nothing is cached: another node
		// may change anything at any time.
		s.health = &nodeHealth{why: "PostgreSQL change feed not connected yet"}
		store.SetCaching(false)
	}
	rootCred := &authn.Credential{
		AccessKeyID: root.AccessKeyID,
		Secret:      root.Secret,
		Principal: principal.Principal{
			AccessKeyID: root.AccessKeyID,
			ARN:         "arn:aws:iam::" + root.AccountID + ":root",
			UserID:      root.AccountID,
			IsRoot:      true,
			Account:     root.AccountID,
		},
	}
	identities, err := iam.New(iam.Config{Store: store, Sealer: sealer, Clock: s.Clock, Account: root.AccountID})
	if err != nil {
		s.Close()
		return nil, err
	}
	sessions, err := sts.New(sts.Config{Store: store, Sealer: sealer, Clock: s.Clock, Account: root.AccountID, Policies: identities})
	if err != nil {
		s.Close()
		return nil, err
	}
	s.sessions = sessions
	authz := access.NewAuthorizer(store, identities, s.Clock, root.AccountID)
	authz.SetRegion(cfg.Region)
	keys := access.NewKeys(store, sealer, rootCred, root.AccountID)
	auth := authn.NewAuthenticator(keys, s.Clock, base, cfg.Region)
	api, err := s3api.New(s3api.Config{
		Region:             cfg.Region,
		VirtualHostDomains: cfg.Domains,
		Meta:               store,
		Policies:           access.NewBucketPolicies(store, identities),
		Blobs:              blobs,
		Auth:               auth,
		Authz:              authz,
		Clock:              s.Clock,
		Logger:             log,
		Account:            root.AccountID,
		CORS:               store,
		Lifecycle:          store,
	})
	if err != nil {
		s.Close()
		return nil, err
	}
	explainer, err := explain.New(explain.Config{
		DryRun: api, Keys: keys, Store: store, Authz: authz, Clock: s.Clock, Account: root.AccountID,
	})
	if err != nil {
		s.Close()
		return nil, err
	}
	s.s3 = api
	urls, err := s.startRevocations(md, auth, explainer, store, keys)
	if err != nil {
		s.Close()
		return nil, err
	}
	front := &frontDoor{s3: api, auth: auth, clock: s.Clock}
	if front.iam, err = iamapi.New(iamapi.Config{IAM: identities, Authz: authz, Logger: log}); err != nil {
		s.Close()
		return nil, err
	}
	if front.sts, err = stsapi.New(stsapi.Config{STS: sessions, Store: store, Authz: authz, Logger: log}); err != nil {
		s.Close()
		return nil, err
	}
	// The uses of presigned links are this node's own, kept in its data
	// directory (package urluses).
	if s.tally.uses, err = urluses.Open(filepath.Join(cfg.DataDir, urlUsesDir)); err != nil {
		s.Close()
		return nil, fmt.Errorf("url uses: %w", err)
	}
	var backups adminapi.Backuper
	if om.bolt != nil {
		backups = s // a hot backup is a bolt snapshot and the blobs
	}
	front.admin, err = adminapi.New(adminapi.Config{Clock: s.Clock, DevClock: cfg.DevClock, Store: store, Authz: authz, Explainer: explainer, ClockStore: md, Backup: backups, Lifecycle: s, URLs: urls, URLUses: s.tally.uses, Logger: log})
	if err != nil {
		s.Close()
		return nil, err
	}
	front.bodies = awsquery.NewBodyBudget(awsquery.DefaultBodyBudget)
	consoleLinks, ok := md.(meta.ConsoleLinkStore)
	if !ok {
		s.Close()
		return nil, fmt.Errorf("the metadata engine %T keeps no console links", md)
	}
	// The console's in-process requests go through the whole handler
	// (access log, trusted proxies, the front door), set just below.
	front.console, err = console.New(console.Config{Keys: keys, Sessions: sessions, SigningKeys: consoleKeys{root: root.AccessKeyID, iam: identities},
		Passwords: consolePasswords{iam: identities, account: root.AccountID, authz: authz},
		S3:        http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }),
		Clock:     s.Clock, Wall: base, Region: cfg.Region, Logger: log,
		Links: consoleLinks, Revoker: urls})
	if err != nil {
		s.Close()
		return nil, err
	}
	sweepCtx, stop := context.WithCancel(context.Background())
	s.stopSweep, s.sweepDone = stop, make(chan struct{})
	go s.sweepSessions(sweepCtx)
	s.lifecycleDone = make(chan struct{})
	go s.sweepLifecycleEvery(sweepCtx)
	s.revocationsDone = make(chan struct{})
	go s.keepRevocations(sweepCtx)
	if cfg.DevClock {
		log.Warn("dev clock enabled: admin callers can move this server's time forward", "addr", cfg.Addr)
	}
	// Validate has parsed the prefixes already.
	trusted, _ := cfg.TrustedProxyPrefixes()
	var onMain http.Handler
	if cfg.MetricsOnMain {
		onMain = s.tally.metrics.Handler()
	}
	s.handler = withTrustedProxies(withRequest(routes(front, onMain, s.healthState), log, base, s.tally), trusted)
	if om.feed != nil {
		s.followChanges(om.feed)
	}
	return s, nil
}

// resumeDevClock moves a --dev-clock server's clock to the offset stored
// with its data, so a restart does not send time back under the sessions
// and objects stamped while it ran ahead. Without --dev-clock the server
// runs on real time and only says what it leaves aside.
func (s *Server) resumeDevClock(ctx context.Context, store meta.DevClockStore) error {
	d, err := store.DevClockOffset(ctx)
	if err != nil || d == 0 {
		return err
	}
	if !s.cfg.DevClock {
		s.log.Warn("the data holds a dev clock offset, unused without --dev-clock: this server runs on real time",
			"offset", duration.Format(d))
		return nil
	}
	s.Clock.TryAdvance(d)
	s.log.Info("dev clock resumed from the data directory", "offset", duration.Format(d), "now", s.Clock.Now())
	return nil
}

// liveSessions counts the sessions alive by the lifetime clock, for the
// metrics' gauge at scrape time.
func (s *Server) liveSessions() (int, error) {
	all, err := s.store.ListSessions(context.Background())
	if err != nil {
		return 0, err
	}
	now, n := s.Clock.Now(), 0
	for _, sess := range all {
		if sess.TerminatedAt.IsZero() && now.Before(sess.Expiry) {
			n++
		}
	}
	return n, nil
}

// Metrics is the server's metrics, nil when they are off.
func (s *Server) Metrics() *metrics.Metrics { return s.tally.metrics }

// InFlight is the number of requests being served now.
func (s *Server) InFlight() int64 { return s.tally.inFlight.Load() }

// routes serves GET /healthz, the metrics at metrics.MainPath when
// onMain is set, and hands every other request to front. It is
// not an http.ServeMux on purpose: a ServeMux answers a path holding "..",
// "./" or "//" with a redirect to the cleaned path, and in S3 those bytes
// are part of the key ("a//b" and "../x" are keys of their own), so the
// path must reach the S3 router exactly as sent.
func routes(front, onMain http.Handler, health func() (bool, string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" && r.URL.RawQuery == "" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			status, text := healthzText(health())
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(status)
			io.WriteString(w, text)
			return
		}
		if onMain != nil && r.URL.Path == metrics.MainPath && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			onMain.ServeHTTP(w, r)
			return
		}
		front.ServeHTTP(w, r)
	})
}

// Handler serves S3, /healthz and the admin API.
func (s *Server) Handler() http.Handler { return s.handler }

// HTTPServer returns the http.Server ListenAndServe runs: the handler with
// the configured connection limits. Slow clients must not hold connections
// forever (slowloris) and header sections are bounded; bodies are
// streamed, so the read timeout is generous. Tests serve it on their own
// listener to exercise those limits.
func (s *Server) HTTPServer() *http.Server {
	readHeader, read, idle, maxHeader := s.cfg.ConnLimits()
	_, bodyIdle := s.cfg.BodyLimits()
	return &http.Server{
		Handler:     withTLSState(expect.Restore(withBodyIdleTimeout(s.handler, bodyIdle, read))),
		ConnContext: withTLSConn,
		// S3 speaks HTTP/1.1 only, and net/http sees a TLS connection
		// through expect.Conn, so it could not serve HTTP/2 on it anyway.
		TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){},
		ReadHeaderTimeout: readHeader,
		ReadTimeout:       read,
		IdleTimeout:       idle,
		MaxHeaderBytes:    maxHeader,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// Root returns the root credentials.
func (s *Server) Root() RootCredentials { return s.root }

// Close releases the stores.
func (s *Server) Close() error {
	if s.stopFeed != nil {
		s.stopFeed()
	}
	if s.stopSweep != nil {
		s.stopSweep()
		<-s.sweepDone
		<-s.lifecycleDone
		<-s.revocationsDone
	}
	var usesErr error
	if s.tally.uses != nil {
		usesErr = s.tally.uses.Close()
		if n := s.tally.uses.Dropped(); n > 0 {
			s.log.Warn("uses of presigned links dropped: the writer's queue was full", "dropped", n)
		}
		if n := s.tally.uses.Suppressed(); n > 0 {
			s.log.Info("uses of presigned links not kept: their link passed the uses kept a minute (the access log has them)", "suppressed", n, "per_link_per_minute", urluses.PerLinkPerMinute)
		}
	}
	return errors.Join(usesErr, s.meta.Close(), s.blobs.Close())
}

// urlUsesDir is the folder of the data directory that keeps the uses of
// presigned links.
const urlUsesDir = "url-uses"

// sweepEvery is how often sessions and deleted keys' tombstones past
// their retention are deleted.
const sweepEvery = time.Hour

// sweepSessions runs sweep now and then every sweepEvery, until ctx ends.
func (s *Server) sweepSessions(ctx context.Context) {
	defer close(s.sweepDone)
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		s.sweep(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sweep deletes sessions that expired, and tombstones of access keys
// deleted, more than adminapi.RetainExpired ago by the lifetime clock:
// they are kept that long (the longest a presigned URL lives) so a dead
// URL's session or key can still be shown and explained.
func (s *Server) sweep(ctx context.Context) {
	if n, err := s.sessions.Sweep(ctx, adminapi.RetainExpired); err != nil && ctx.Err() == nil {
		s.log.Warn("sweeping expired sessions failed", "err", err)
	} else if n > 0 {
		s.log.Info("swept expired sessions", "count", n)
	}
	if n, err := s.store.DeleteAccessKeyTombstonesBefore(ctx, s.Clock.Now().Add(-adminapi.RetainExpired)); err != nil && ctx.Err() == nil {
		s.log.Warn("sweeping deleted access keys' tombstones failed", "err", err)
	} else if n > 0 {
		s.log.Info("swept deleted access keys' tombstones", "count", n)
	}
}

// bindLegacyIDs binds, once per store, the records written before users
// and roles were bound to unique IDs (bucket and trust policies naming
// them by ARN, sessions and keys without their owner's ID): left as they
// were, they would grant whoever takes a deleted user's or role's name.
// It runs before anything reads the store, so no cache holds the old
// records.
func bindLegacyIDs(ctx context.Context, md meta.LegacyIDBinding, account string, log *slog.Logger) error {
	n, err := md.BindLegacyIDs(ctx, func(users []meta.User, roles []meta.Role, keys []meta.AccessKey) meta.LegacyBinder {
		return iam.LegacyBinder(account, users, roles, keys)
	})
	if err != nil {
		return err
	}
	if n.Ran {
		log.Info("bound identities in records written before unique IDs",
			"bucket_policies", n.BucketPolicies, "trust_policies", n.TrustPolicies,
			"sessions", n.Sessions, "access_keys", n.AccessKeys)
	}
	return nil
}

// orphanGrace is how old a blob no metadata record references must be
// before start-up recovery deletes it, when other nodes may write to the
// same blob folder (orphanGraceFor). Nodes sharing one blob folder
// publish a blob (rename it into place) and then commit the record that
// references it; between the two, any other node starting up sees an
// orphan, and deleting it would lose an acknowledged write. That gap is
// one commit, seconds at worst; an hour also absorbs clocks that disagree
// by minutes, since a blob's time comes from the machine holding the
// files and now from this node.
const orphanGrace = time.Hour

// orphanGraceFor is the grace of start-up recovery: none for a server
// holding its blob folder alone (the bolt store's, locked by lockBlobs),
// where no other node can have a write in flight, so a single node
// collects a crash's debris at once as it always has; orphanGrace for a
// folder nodes share.
func orphanGraceFor(alone bool) time.Duration {
	if alone {
		return 0
	}
	return orphanGrace
}

// collectOrphans deletes blobs no metadata record references: bytes of a
// write that crashed before its commit, or of a replaced object whose
// deletion was interrupted. With a grace, a file blob goes only once it
// is older than grace by now, which the file engine says through
// storage.Ager; a file engine that cannot say keeps them all. Inline
// blobs need no grace:
// the commit that first references one is what writes it, so a stored one
// without a reference is never another node's write in flight. It returns
// how many blobs it deleted and how many orphans it kept as too young.
func collectOrphans(ctx context.Context, md blobWalker, blobs, files storage.Engine, now time.Time, grace time.Duration) (removed, young int, err error) {
	live := make(map[storage.BlobID]struct{})
	if err := md.WalkBlobs(ctx, func(id storage.BlobID) error {
		live[id] = struct{}{}
		return nil
	}); err != nil {
		return 0, 0, err
	}
	var orphans []storage.BlobID
	if err := blobs.Walk(ctx, func(id storage.BlobID) error {
		if _, ok := live[id]; !ok {
			orphans = append(orphans, id)
		}
		return nil
	}); err != nil {
		return 0, 0, err
	}
	ager, _ := files.(storage.Ager)
	for _, id := range orphans {
		old, err := oldEnough(ctx, ager, id, now, grace)
		if err != nil {
			return removed, young, err
		}
		if !old {
			young++
			continue
		}
		if err := blobs.Delete(ctx, id); err != nil {
			return removed, young, err
		}
		removed++
	}
	return removed, young, nil
}

// blobWalker is the one method of the metadata store collectOrphans uses.
type blobWalker interface {
	WalkBlobs(ctx context.Context, fn func(storage.BlobID) error) error
}

// oldEnough reports whether orphan id may be deleted: an inline blob, or
// any blob without a grace, always; a file blob once ager says it is older
// than grace. A blob
// gone meanwhile (another node collected it) counts as old: deleting a
// missing blob is not an error.
func oldEnough(ctx context.Context, ager storage.Ager, id storage.BlobID, now time.Time, grace time.Duration) (bool, error) {
	if id.Inline() || grace == 0 {
		return true, nil
	}
	if ager == nil {
		return false, nil
	}
	written, err := ager.ModTime(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return now.Sub(written) > grace, nil
}

// ListenAndServe serves until ctx is done, then shuts down gracefully.
// banner receives the one-time start-up message (endpoint, credentials).
func (s *Server) ListenAndServe(ctx context.Context, banner io.Writer) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	scheme := "http"
	hs := s.HTTPServer()
	if s.cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(s.cfg.TLSCert, s.cfg.TLSKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("TLS: %w", err)
		}
		hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		scheme = "https"
	}
	ln = s.ServeListener(ln, hs.TLSConfig)
	endpoint := scheme + "://" + ln.Addr().String()
	metricsAddr, stopMetrics, err := s.serveMetrics()
	if err != nil {
		ln.Close()
		return err
	}
	defer stopMetrics()
	s.printBanner(banner, endpoint)
	s.logStart(endpoint, metricsAddr)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	n := s.InFlight()
	s.log.Info(fmt.Sprintf("draining %d requests", n), "in_flight", n)
	sctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	err = hs.Shutdown(sctx)
	if err != nil {
		s.log.Warn("stopped", "drained", false, "in_flight", s.InFlight(), "err", err)
	} else {
		s.log.Info("stopped", "drained", true)
	}
	return err
}

// drainTimeout bounds how long a stopping server waits for the requests
// in flight.
const drainTimeout = 10 * time.Second

// logStart writes the start line: where the server listens and where its
// data is, so an operator reading the log knows which server it is.
func (s *Server) logStart(endpoint, metricsAddr string) {
	attrs := []any{"endpoint", endpoint, "version", Version, "region", s.cfg.Region,
		"metadata", describeMeta(s.cfg),
		"blobs", "disk " + s.cfg.BlobsDir() + " (small objects inline in metadata)",
		"data_dir", s.cfg.DataDir}
	if metricsAddr != "" {
		attrs = append(attrs, "metrics", metricsAddr)
	}
	if s.cfg.MetricsOnMain {
		attrs = append(attrs, "metrics_on_main", endpoint+metrics.MainPath)
	}
	s.log.Info("serving", attrs...)
}

// serveMetrics serves the metrics on --metrics-addr, a listener of its
// own, and returns the URL they are at and how to stop it; with no
// --metrics-addr it does nothing.
func (s *Server) serveMetrics() (string, func(), error) {
	if s.cfg.MetricsAddr == "" {
		return "", func() {}, nil
	}
	ln, err := net.Listen("tcp", s.cfg.MetricsAddr)
	if err != nil {
		return "", nil, fmt.Errorf("metrics listener: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+metrics.Path, s.tally.metrics.Handler())
	hs := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := hs.Serve(ln); err != nil && err != http.ErrServerClosed {
			s.log.Warn("metrics listener stopped", "err", err)
		}
	}()
	return "http://" + ln.Addr().String() + metrics.Path, func() { hs.Close(); <-done }, nil
}

func (s *Server) printBanner(w io.Writer, endpoint string) {
	fmt.Fprintf(w, "signet is serving S3, IAM and STS at %s (data in %s, region %s)\n", endpoint, s.cfg.DataDir, s.cfg.Region)
	switch {
	case s.newRoot:
		fmt.Fprintf(w, "\nRoot credentials were generated and saved to %s (mode 0600).\n", filepath.Join(s.cfg.DataDir, rootFile))
		fmt.Fprintf(w, "They are shown only this once; paste these lines into your shell:\n\n")
		s.root.WriteExports(w)
		// Printed at last: from now on starts show only the key ID. A
		// start that fails before this point leaves them to the next.
		if err := markRootShown(s.cfg.DataDir); err != nil {
			s.log.Warn("could not record that the root credentials were shown; the next start shows them again", "err", err)
		}
		s.newRoot = false
	case s.cfg.RootAccessKeyID != "":
		// The file holds only the account ID: point at the variable.
		fmt.Fprintf(w, "\nRoot access key: %s (secret from %s)\n\n", s.root.AccessKeyID, config.EnvRootSecret)
	default:
		fmt.Fprintf(w, "\nRoot access key: %s (secret in %s)\n\n", s.root.AccessKeyID, filepath.Join(s.cfg.DataDir, rootFile))
	}
	fmt.Fprintf(w, "export AWS_DEFAULT_REGION=%s\n", s.cfg.Region)
	fmt.Fprintf(w, "export AWS_ENDPOINT_URL=%s\n\n", endpoint)
	fmt.Fprintf(w, "Web console: %s%s (sign in with the root's access key, or as an IAM user with a password)\n", endpoint, console.Prefix)
	fmt.Fprintf(w, "Try: aws --endpoint-url %s s3 mb s3://my-bucket\n", endpoint)
	if s.cfg.DevClock {
		fmt.Fprintf(w, "Dev clock on: move this server's time with 'signet admin clock advance 12h0m1s'\n")
	}
}
