package memory_test

import (
	"testing"

	"signet/internal/storage"
	"signet/internal/storage/memory"
	"signet/internal/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Engine { return memory.New() })
}
