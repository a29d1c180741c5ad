package memory

import (
	"context"
	"slices"
	"time"

	"signet/internal/meta"
)

var _ meta.ConsoleLinkStore = (*Store)(nil)

func (s *Store) PutConsoleLink(ctx context.Context, l meta.ConsoleLink) error {
	if err := meta.CheckConsoleLink(l); err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.consoleLinks[l.ID] = l
	return nil
}

func (s *Store) GetConsoleLink(ctx context.Context, id string) (meta.ConsoleLink, error) {
	if err := s.lock(ctx); err != nil {
		return meta.ConsoleLink{}, err
	}
	defer s.mu.Unlock()
	l, ok := s.consoleLinks[id]
	if !ok {
		return meta.ConsoleLink{}, meta.ErrNoSuchEntity
	}
	return l, nil
}

func (s *Store) ListConsoleLinks(ctx context.Context, principalARN string) ([]meta.ConsoleLink, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []meta.ConsoleLink
	for _, l := range s.consoleLinks {
		if l.PrincipalARN == principalARN {
			out = append(out, l)
		}
	}
	slices.SortFunc(out, meta.NewestConsoleLinksFirst)
	return out, nil
}

func (s *Store) PruneConsoleLinks(ctx context.Context, now time.Time) (int, error) {
	if err := s.lock(ctx); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	n := 0
	for id, l := range s.consoleLinks {
		if !l.Effective.After(now) {
			delete(s.consoleLinks, id)
			n++
		}
	}
	return n, nil
}
