package server

import (
	"context"
	"time"

	"signet/internal/adminwire"
)

// lifecycleEvery is how often, in real time, the lifecycle sweeper runs.
// Each run judges by the lifetime clock, so a dev clock moved forward is
// seen by the next run, or at once through POST …/lifecycle/sweep.
const lifecycleEvery = time.Minute

// sweepLifecycleEvery runs a lifecycle sweep every lifecycleEvery until
// ctx ends.
func (s *Server) sweepLifecycleEvery(ctx context.Context) {
	defer close(s.lifecycleDone)
	t := time.NewTicker(lifecycleEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := s.SweepLifecycle(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("lifecycle sweep failed", "err", err)
		}
	}
}

// SweepLifecycle applies every bucket's lifecycle rules once, now by the
// lifetime clock. Sweeps never overlap: the ticker's and the admin API's
// take turns.
func (s *Server) SweepLifecycle(ctx context.Context) (adminwire.LifecycleSweep, error) {
	s.lifecycleMu.Lock()
	defer s.lifecycleMu.Unlock()
	at := s.Clock.Now()
	r, err := s.s3.SweepLifecycle(ctx)
	out := adminwire.LifecycleSweep{
		At: at.UTC(), Buckets: r.Buckets, UploadsAborted: r.UploadsAborted, ObjectsExpired: r.ObjectsExpired,
		NoncurrentVersionsExpired: r.VersionsExpired, DeleteMarkersRemoved: r.DeleteMarkersRemoved,
	}
	if n := r.UploadsAborted + r.ObjectsExpired + r.VersionsExpired + r.DeleteMarkersRemoved; n > 0 {
		s.log.Info("lifecycle sweep", "uploads_aborted", r.UploadsAborted, "objects_expired", r.ObjectsExpired,
			"noncurrent_versions_expired", r.VersionsExpired, "delete_markers_removed", r.DeleteMarkersRemoved)
	}
	return out, err
}
