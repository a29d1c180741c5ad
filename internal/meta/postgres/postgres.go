// Package postgres is signet's PostgreSQL metadata engine: the whole
// meta.Store, meta.Identities, meta.DevClockStore and
// meta.URLRevocationStore in one database that several stateless signet
// nodes share, so that any node answers any request
// (docs/design/0006-scale-out.md).
//
// Every write runs in one SERIALIZABLE transaction, retried when
// PostgreSQL reports a serialisation failure or a deadlock, so the
// conditional PUT, CompleteMultipartUpload and every identity change are
// atomic across nodes exactly as they are within one bbolt file. Writes
// that change what a node caches (identities, bucket policies, the dev
// clock, the URL denylist) bump a counter in the same transaction and
// announce it with NOTIFY (feed.go), which PostgreSQL delivers only at
// commit.
//
// A database PostgreSQL cannot be reached for is meta.ErrUnavailable,
// which the API answers with 503 ServiceUnavailable.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"signet/internal/meta"
)

// ErrSchemaTooNew: the database's schema is newer than this build knows.
var ErrSchemaTooNew = errors.New("postgres: database schema is newer than this signet")

// DefaultOpTimeout bounds one call's time in the database, retries
// included: a server that stops answering (a network cut that sends no
// reset) must turn into ErrUnavailable, not into requests that hang.
const DefaultOpTimeout = 10 * time.Second

// maxAttempts bounds the retries of a transaction PostgreSQL aborted for
// a serialisation failure or a deadlock.
const maxAttempts = 20

// Store is the PostgreSQL engine.
type Store struct {
	pool      *pgxpool.Pool
	connCfg   *pgx.ConnConfig // for the change feed's own connection
	opTimeout time.Duration
	closed    atomic.Bool
	// retries counts transactions run again after PostgreSQL aborted
	// them (serialisation failure, deadlock, a dead pooled connection).
	retries atomic.Int64
}

// Open connects to the database at dsn (a postgres:// URL or key=value
// string, as libpq takes), brings its schema to this build's version and
// returns the store. A schema newer than this build is ErrSchemaTooNew.
func Open(ctx context.Context, dsn string) (*Store, error) {
	pcfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's message can quote the DSN, password included.
		return nil, errors.New("postgres: the connection string does not parse")
	}
	if _, set := pcfg.ConnConfig.RuntimeParams["plan_cache_mode"]; !set {
		// Every statement signet sends is a short indexed lookup or range
		// scan whose best plan does not depend on the values bound: a
		// plan made once per connection serves them all. Left to choose,
		// PostgreSQL re-plans statements whose parameters it cannot
		// judge on every execution, which cost a small listing page more
		// than running it (measured: 0.3 ms against 0.18 ms per page).
		pcfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	}
	conn, err := pgx.ConnectConfig(ctx, pcfg.ConnConfig.Copy())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", meta.ErrUnavailable, redactConnErr(err))
	}
	err = migrate(ctx, conn)
	conn.Close(context.Background())
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", meta.ErrUnavailable, redactConnErr(err))
	}
	return &Store{pool: pool, connCfg: pcfg.ConnConfig.Copy(), opTimeout: DefaultOpTimeout}, nil
}

// redactConnErr keeps a connection error's cause but not the connection
// string or password pgx may quote.
func redactConnErr(err error) error {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) && ce.Unwrap() != nil {
		return ce.Unwrap()
	}
	return err
}

// Close closes the pool. Later calls fail with meta.ErrClosed; closing
// twice is harmless.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.pool.Close()
	return nil
}

// write runs fn in a SERIALIZABLE transaction, again from the start
// (fn must be safe to repeat) when PostgreSQL aborts it for a
// serialisation failure or a deadlock. fn's own errors come back
// unchanged; the database's own are wrapped by dbErr. fn's ctx is the
// call's, bounded by the store's operation timeout: fn runs every
// statement under it, so a database that stops answering mid-transaction
// ends as meta.ErrUnavailable instead of a request that hangs.
func (s *Store) write(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) error {
	return s.run(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable}, fn)
}

// writeLocked runs fn in a READ COMMITTED transaction whose first
// statements take the locks that order it against the writes it could
// collide with (lockKey, lockBucket, lockUpload): each later statement
// then reads what those writes committed. Object and upload writes run
// so, not SERIALIZABLE: their predicate locks on the objects index are
// kept per page, and PUTs of neighbouring new keys (the common case of
// many writers) land on one index page, so under SERIALIZABLE they
// abort each other and exhaust their retries (measured: 500s under 48
// writers on three nodes). Every object write names its key, so a lock
// per key gives the same answers without those false conflicts. A
// deadlock (40P01) is retried as in write.
func (s *Store) writeLocked(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) error {
	return s.run(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, fn)
}

// read runs fn in a read-only REPEATABLE READ transaction: one snapshot
// for every statement of fn.
func (s *Store) read(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) error {
	return s.run(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

func (s *Store) run(ctx context.Context, opts pgx.TxOptions, fn func(ctx context.Context, tx pgx.Tx) error) error {
	if s.closed.Load() {
		return meta.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	for attempt := 1; ; attempt++ {
		err := pgx.BeginTxFunc(ctx, s.pool, opts, func(tx pgx.Tx) error { return fn(ctx, tx) })
		if err == nil {
			return nil
		}
		if (retryable(err) || pgconn.SafeToRetry(err)) && attempt < maxAttempts && ctx.Err() == nil {
			// Jittered backoff, growing: transactions that collided
			// should not collide again in lockstep.
			s.retries.Add(1)
			time.Sleep(time.Duration(rand.Int64N(int64(attempt)*int64(time.Millisecond)) + 1))
			continue
		}
		return s.dbErr(parent, err)
	}
}

// retryable reports a transaction PostgreSQL aborted for a serialisation
// failure (40001) or a deadlock (40P01): running it again is correct. So
// is one that never reached the server (pgconn.SafeToRetry: a pooled
// connection found dead before anything was sent, as after a restart of
// PostgreSQL), which run also retries.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// dbErr turns an error that reached the caller into what the meta
// contract promises: meta's own errors and fn's unchanged; the caller's
// cancellation as it is; anything saying the database cannot be reached
// or did not answer in time as meta.ErrUnavailable.
func (s *Store) dbErr(parent context.Context, err error) error {
	if err == nil {
		return nil
	}
	if s.closed.Load() {
		return meta.ErrClosed
	}
	if parent.Err() != nil {
		return parent.Err()
	}
	if unavailable(err) {
		return fmt.Errorf("%w: %v", meta.ErrUnavailable, redactConnErr(err))
	}
	return err
}

// unavailable reports an error that means the database could not be
// reached or stopped answering, as opposed to one about the statement.
func unavailable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case len(pe.Code) == 5 && pe.Code[:2] == "08": // connection exception
			return true
		case pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03": // shutdown, crash, starting up
			return true
		case pe.Code == "53300": // too many connections
			return true
		}
		return false
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.As(err, &oe) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, pgconn.ErrConnClosed) ||
		pgconn.Timeout(err)
}

// Change kinds the feed announces (feed.go).
const (
	// ChangeIdentity: users, keys, roles, policies, attachments,
	// sessions, bucket policies, or a bucket created or deleted.
	ChangeIdentity = "identity"
	// ChangeDevClock: the dev clock's offset.
	ChangeDevClock = "devclock"
	// ChangeURLRevocations: entries put in the presigned-URL denylist
	// (a prune is not announced: revocations.go).
	ChangeURLRevocations = "urlrevocations"
)

// writeChanging runs fn as one write transaction that records a change
// of kind when fn succeeds and reports it changed something.
//
// Such writes take turns, cluster-wide, on a lock of the change table
// taken before anything else. Every one of them bumps a counter row of
// that table, and of two SERIALIZABLE transactions that both bump it the
// second to commit is aborted, at its very end, and retried: under load
// (three stores putting sessions from 48 goroutines) some writes used up
// their retries and failed. LOCK TABLE takes no snapshot, so as the first
// statement it makes each such write start after the one before has
// committed, and the bump never conflicts. These writes (identities,
// bucket settings, the dev clock) are few next to reads, which the nodes
// serve from their caches, and next to object writes, which do not take
// the lock.
func (s *Store) writeChanging(ctx context.Context, kind string, fn func(ctx context.Context, tx pgx.Tx) (bool, error)) error {
	return s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := lockChanges(ctx, tx); err != nil {
			return err
		}
		did, err := fn(ctx, tx)
		if err != nil || !did {
			return err
		}
		return changed(ctx, tx, kind)
	})
}

// lockChanges is the first statement of every write that records a
// change (writeChanging says why).
func lockChanges(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, "LOCK TABLE changes IN SHARE ROW EXCLUSIVE MODE")
	return err
}

// changed records, inside tx, a change of the given kind: every node's
// feed hears of it when tx commits (never before, never if it aborts).
// tx must have begun with lockChanges.
func changed(ctx context.Context, tx pgx.Tx, kind string) error {
	_, err := tx.Exec(ctx, "SELECT signet_changed($1)", kind)
	return err
}
