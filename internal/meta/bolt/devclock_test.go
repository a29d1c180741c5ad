package bolt

import (
	"context"
	"testing"
	"time"
)

// TestDevClockOffsetSurvivesReopen: the offset is what a restarted
// --dev-clock server resumes from, so it must outlive the process.
func TestDevClockOffsetSurvivesReopen(t *testing.T) {
	s, path := openTemp(t)
	ctx := context.Background()
	want := 12*time.Hour + time.Second
	if err := s.SetDevClockOffset(ctx, want); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s2.Close()
	if got, err := s2.DevClockOffset(ctx); err != nil || got != want {
		t.Fatalf("offset after reopen = %v, %v; want %v", got, err, want)
	}
}
