package server

import (
	"context"
	"fmt"
	"time"

	"signet/internal/authn"
	"signet/internal/explain"
	"signet/internal/meta"
	"signet/internal/revocation"
)

// pruneRevocationsEvery is how often, in real time, denylist entries past
// their URL's deadline are deleted (judged by the lifetime clock).
const pruneRevocationsEvery = time.Minute

// pollRevocationsEvery is how often a node whose change feed is down
// reloads the denylist from the engine: a revocation made on another
// node then still takes effect within about a second.
const pollRevocationsEvery = 500 * time.Millisecond

// startRevocations wires the denylist: loaded from the engine now, kept
// by the request path's authenticator, reloaded on every change, pruned
// every pruneRevocationsEvery.
func (s *Server) startRevocations(md meta.Store, auth *authn.Authenticator, explainer *explain.Explainer, ids revocation.Identities, keys authn.KeyStore) (*revocation.Service, error) {
	rs, ok := md.(meta.URLRevocationStore)
	if !ok {
		return nil, fmt.Errorf("the metadata engine %T keeps no URL denylist", md)
	}
	list := &revocation.List{}
	svc, err := revocation.NewService(revocation.Config{Store: rs, List: list, Identify: explainer, Identities: ids, Keys: keys, Clock: s.Clock})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := svc.Refresh(ctx); err != nil {
		return nil, fmt.Errorf("loading the URL denylist: %w", err)
	}
	if n := list.Len(); n > 0 {
		s.log.Info("URL denylist loaded", "entries", n)
	}
	auth.Denylist = list
	s.revocations, s.denylist = svc, list
	return svc, nil
}

// keepRevocations prunes the denylist every pruneRevocationsEvery and,
// while the change feed is down, reloads it every pollRevocationsEvery,
// until ctx ends.
func (s *Server) keepRevocations(ctx context.Context) {
	defer close(s.revocationsDone)
	prune := time.NewTicker(pruneRevocationsEvery)
	defer prune.Stop()
	poll := time.NewTicker(pollRevocationsEvery)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-prune.C:
			if n, err := s.revocations.Prune(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("pruning the URL denylist failed", "err", err)
			} else if n > 0 {
				s.log.Info("pruned URL denylist entries past their deadline", "count", n)
			}
			s.pruneConsoleLinks(ctx)
		case <-poll.C:
			if ok, _ := s.health.state(); !ok {
				s.refreshRevocations()
			}
		}
	}
}

// refreshRevocations reloads the denylist after a change another node
// made, or a reconnection of the change feed. Reloads coalesce: a change
// that arrives while one reload waits for the running one needs none of
// its own, since the waiting one reads after it. A burst of revocations
// thus costs at most two reloads' time to reach this node, however long
// the burst (a reload of a full list takes a few hundred milliseconds on
// PostgreSQL: docs/design/0007-url-revocation.md).
func (s *Server) refreshRevocations() {
	if !s.revocationsPending.CompareAndSwap(false, true) {
		return
	}
	s.revocationsMu.Lock()
	defer s.revocationsMu.Unlock()
	// From here on a change needs a reload after this one.
	s.revocationsPending.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.revocations.Refresh(ctx); err != nil {
		s.log.Warn("reloading the URL denylist failed; the next change, poll or reconnection tries again", "err", err)
	}
}
