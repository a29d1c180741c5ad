package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// feedChannel is the channel signet_changed (migration 0001) notifies.
const feedChannel = "signet_changes"

// The change feed's timing. Together they make the staleness bound the
// design promises: a node learns that its feed is dead at most
// FeedCheckEvery+FeedProbeTimeout (450 ms) after it last confirmed it
// alive, and from then on serves nothing from its caches; so a change
// committed on any node is either heard by every node (NOTIFY, within
// milliseconds), found by the next check, or the node answers 503.
const (
	// FeedCheckEvery is how long the feed waits for a notification
	// before it checks the counters and, with them, that PostgreSQL
	// still answers.
	FeedCheckEvery = 200 * time.Millisecond
	// FeedProbeTimeout bounds that check: a server that does not
	// answer within it (a network cut that sends no reset) is dead.
	FeedProbeTimeout = 250 * time.Millisecond
	// feedConnectTimeout bounds one connection attempt.
	feedConnectTimeout = 2 * time.Second
	// feedBackoffMin and feedBackoffMax bound the wait between
	// connection attempts, doubling from one to the other.
	feedBackoffMin = 50 * time.Millisecond
	feedBackoffMax = 2 * time.Second
)

// FeedHandlers are what the feed tells its node. They are called from
// the feed's one goroutine, one at a time, and must not block for long.
type FeedHandlers struct {
	// Changed: something of this kind (ChangeIdentity, ChangeDevClock,
	// ChangeURLRevocations) changed; drop what is cached of it.
	Changed func(kind string)
	// Reset: the feed (re)connected and may have missed any number of
	// changes; drop every cache. It is called before Health(true).
	Reset func()
	// Health: the feed is alive (ok) or not, and why not. It is called
	// when the state changes, at once on a failure: while it is not ok
	// the node must not serve from its caches.
	Health func(ok bool, why string)
}

// Follow runs the change feed on a connection of its own until ctx ends,
// then returns ctx's error. It LISTENs on the channel every committed
// change is announced on; after each (re)connection it calls Reset
// (notifications sent while it was away are lost) and reads the change
// counters; then, each FeedCheckEvery without a notification, it reads
// them again on the same connection, which both finds a change whose
// notification went missing (a counter moved: Changed) and proves the
// connection alive. A failure reports Health(false) at once and
// reconnects with backoff.
func (s *Store) Follow(ctx context.Context, h FeedHandlers) error {
	f := &feed{s: s, h: h}
	return f.run(ctx)
}

type feed struct {
	s       *Store
	h       FeedHandlers
	healthy bool
	told    bool // Health was called at least once
	why     string
}

func (f *feed) run(ctx context.Context) error {
	backoff := feedBackoffMin
	for {
		err := f.session(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err == nil {
			// A session ends only with ctx or an error.
			err = errors.New("the feed's connection ended")
		}
		if f.healthy {
			// It was up: try again at once, the outage may be a blip.
			backoff = feedBackoffMin
		}
		f.health(false, "PostgreSQL change feed lost: "+redactConnErr(err).Error())
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		backoff = min(backoff*2, feedBackoffMax)
	}
}

// health reports the feed's state when it changes (and the first time).
func (f *feed) health(ok bool, why string) {
	if f.told && f.healthy == ok && f.why == why {
		return
	}
	if f.told && !ok && !f.healthy {
		// Still down, perhaps for another reason: the first reason
		// stands until it comes back, so a flapping cause does not
		// flood the log.
		return
	}
	f.told, f.healthy, f.why = true, ok, why
	if f.h.Health != nil {
		f.h.Health(ok, why)
	}
}

// session runs one connection of the feed: connect, LISTEN, reset, then
// wait and check until something fails.
func (f *feed) session(ctx context.Context) error {
	if f.s.closed.Load() {
		return errors.New("store closed")
	}
	cctx, cancel := context.WithTimeout(ctx, feedConnectTimeout)
	conn, err := pgx.ConnectConfig(cctx, f.s.connCfg.Copy())
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	pctx, cancel := context.WithTimeout(ctx, feedConnectTimeout)
	_, err = conn.Exec(pctx, "LISTEN "+feedChannel)
	cancel()
	if err != nil {
		return err
	}
	// LISTEN first, then drop the caches, then read the counters: a
	// change committed in between is both heard and counted, never
	// neither.
	if f.h.Reset != nil {
		f.h.Reset()
	}
	seen, err := readCounters(ctx, conn)
	if err != nil {
		return err
	}
	f.health(true, "")
	for {
		wctx, cancel := context.WithTimeout(ctx, FeedCheckEvery)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			kind, v := parsePayload(n.Payload)
			if v > seen[kind] {
				seen[kind] = v
			}
			f.changed(kind)
			continue
		case ctx.Err() != nil:
			return ctx.Err()
		case !errors.Is(err, context.DeadlineExceeded) && !pgconn.Timeout(err):
			return err
		}
		now, err := readCounters(ctx, conn)
		if err != nil {
			return err
		}
		for kind, v := range now {
			if v != seen[kind] {
				seen[kind] = v
				f.changed(kind)
			}
		}
	}
}

func (f *feed) changed(kind string) {
	if f.h.Changed != nil {
		f.h.Changed(kind)
	}
}

// readCounters reads every change counter, within FeedProbeTimeout: it
// is also the feed's liveness probe.
func readCounters(ctx context.Context, conn *pgx.Conn) (map[string]int64, error) {
	ctx, cancel := context.WithTimeout(ctx, FeedProbeTimeout)
	defer cancel()
	rows, err := conn.Query(ctx, "SELECT kind, version FROM changes")
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64)
	for rows.Next() {
		var kind string
		var v int64
		if err := rows.Scan(&kind, &v); err != nil {
			rows.Close()
			return nil, err
		}
		out[kind] = v
	}
	if err := rows.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("PostgreSQL did not answer within %v", FeedProbeTimeout)
		}
		return nil, err
	}
	return out, nil
}

// parsePayload splits a notification's "kind:version"; a payload of
// another shape is a change of unknown version, still a change.
func parsePayload(p string) (string, int64) {
	kind, num, ok := strings.Cut(p, ":")
	if !ok {
		return p, 0
	}
	v, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return kind, 0
	}
	return kind, v
}
