package postgres

import (
	"testing"

	"signet/internal/meta"
	"signet/internal/meta/metatest"
)

func TestConformance(t *testing.T) {
	metatest.Run(t, func(t *testing.T) meta.Store {
		s, _ := openTest(t)
		return s
	})
}
