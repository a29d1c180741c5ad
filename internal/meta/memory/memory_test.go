package memory

import (
	"testing"

	"signet/internal/meta"
	"signet/internal/meta/metatest"
)

func TestConformance(t *testing.T) {
	metatest.Run(t, func(t *testing.T) meta.Store {
		s := New()
		t.Cleanup(func() { s.Close() })
		return s
	})
}
