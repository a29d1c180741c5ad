package memory

import (
	"context"
	"sort"
	"time"

	"signet/internal/meta"
)

var _ meta.URLRevocationStore = (*Store)(nil)

// PutURLRevocations counts what the map would hold before it changes it,
// so a batch over the limit leaves the store as it was.
func (s *Store) PutURLRevocations(ctx context.Context, rs []meta.URLRevocation, limit int) error {
	if err := meta.CheckURLRevocations(rs); err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	n := len(s.revocations)
	added := map[string]bool{}
	for _, r := range rs {
		if _, ok := s.revocations[r.ID]; !ok && !added[r.ID] {
			added[r.ID] = true
			n++
		}
	}
	if n > limit {
		return meta.ErrLimitExceeded
	}
	for _, r := range rs {
		s.revocations[r.ID] = r
	}
	return nil
}

func (s *Store) ListURLRevocations(ctx context.Context) ([]meta.URLRevocation, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	out := make([]meta.URLRevocation, 0, len(s.revocations))
	for _, r := range s.revocations {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (s *Store) PruneURLRevocations(ctx context.Context, now time.Time) (int, error) {
	if err := s.lock(ctx); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	n := 0
	for id, r := range s.revocations {
		if !r.Until.After(now) {
			delete(s.revocations, id)
			n++
		}
	}
	return n, nil
}
