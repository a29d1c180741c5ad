package bolt

import (
	"reflect"
	"testing"

	bbolt "go.etcd.io/bbolt"

	"signet/internal/meta"
)

// The account's configuration survives a restart, and a stored byte with a
// bit no setting owns is reported as corrupt rather than read as settings.
func TestAccountPublicAccessBlockReopenAndCorrupt(t *testing.T) {
	s, path := openTemp(t)
	want := meta.PublicAccessBlock{IgnorePublicAcls: true, BlockPublicPolicy: true}
	if err := s.PutAccountPublicAccessBlock(t.Context(), want); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	got, err := s.AccountPublicAccessBlock(t.Context())
	if err != nil || got == nil || !reflect.DeepEqual(*got, want) {
		t.Fatalf("after reopen: %+v, %v; want %+v", got, err, want)
	}
	if err := s.db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bktSchema).Put(keyAccountPAB, []byte{pabBitsAll + 1})
	}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.AccountPublicAccessBlock(t.Context()); err == nil {
		t.Fatalf("corrupt record read as %+v", got)
	}
}
