// Package metafixture is the one test fixture that gives domain and API
// tests a metadata store: the in-memory reference engine (meta/memory)
// by default, the bbolt engine for a test about bbolt itself (files,
// persistence, inline blobs). It is for _test.go files only; nothing the
// binary runs imports it.
package metafixture

import (
	"path/filepath"
	"testing"

	"signet/internal/meta"
	"signet/internal/meta/bolt"
	"signet/internal/meta/memory"
)

// Engine is what both engines give a test: the object store, the
// identity store and the dev clock's offset.
type Engine interface {
	meta.Store
	meta.Identities
	meta.DevClockStore
}

// Memory returns a new, empty in-memory store, closed when the test ends.
func Memory(t testing.TB) *memory.Store {
	t.Helper()
	s := memory.New()
	t.Cleanup(func() { s.Close() })
	return s
}

// Bolt returns a new, empty bbolt store in the test's temporary
// directory, closed when the test ends.
func Bolt(t testing.TB) *bolt.Store {
	t.Helper()
	s, err := bolt.Open(filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
