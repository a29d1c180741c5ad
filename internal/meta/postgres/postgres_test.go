package postgres

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"signet/internal/meta"
	"signet/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// openTest opens a store on a fresh database, closed when t ends.
func openTest(t testing.TB) (*Store, string) {
	t.Helper()
	dsn := pgtest.Database(t)
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dsn
}

func TestMigrationsAppliedOnceAndInOrder(t *testing.T) {
	s, dsn := openTest(t)
	// A second node opening the same database finds nothing to do.
	s2, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	var n, max int
	if err := s.pool.QueryRow(context.Background(), "SELECT count(*), max(version) FROM schema_migrations").Scan(&n, &max); err != nil {
		t.Fatal(err)
	}
	if n != SchemaVersion() || max != SchemaVersion() {
		t.Fatalf("schema_migrations has %d rows up to %d, want %d", n, max, SchemaVersion())
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	s, dsn := openTest(t)
	if _, err := s.pool.Exec(context.Background(), "INSERT INTO schema_migrations (version, name) VALUES ($1, 'from_the_future.sql')", SchemaVersion()+1); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), dsn)
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open on a newer schema: %v, want ErrSchemaTooNew", err)
	}
}

func TestUnreachableIsUnavailable(t *testing.T) {
	// A port nothing listens on: the engine says the database is
	// unavailable, never that the data is missing.
	_, err := Open(context.Background(), "postgres://signet@127.0.0.1:1/x?sslmode=disable&connect_timeout=2")
	if !errors.Is(err, meta.ErrUnavailable) {
		t.Fatalf("Open on a closed port: %v, want ErrUnavailable", err)
	}
}

func TestChangedNotifiesAtCommitOnly(t *testing.T) {
	s, dsn := openTest(t)
	ctx := context.Background()
	l, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(ctx)
	if _, err := l.Exec(ctx, "LISTEN signet_changes"); err != nil {
		t.Fatal(err)
	}
	abort := errors.New("abort")
	if err := s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := changed(ctx, tx, ChangeIdentity); err != nil {
			return err
		}
		return abort
	}); !errors.Is(err, abort) {
		t.Fatalf("aborted write: %v", err)
	}
	if err := s.write(ctx, func(ctx context.Context, tx pgx.Tx) error { return changed(ctx, tx, ChangeIdentity) }); err != nil {
		t.Fatal(err)
	}
	n, err := l.WaitForNotification(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The aborted change never counted: the first announced is 1.
	if n.Payload != "identity:1" {
		t.Fatalf("notification %q, want identity:1", n.Payload)
	}
}

// The first node binds the database to its account and sealing key;
// nodes bringing the same are let in, any other is refused, and the
// binding stays the first one's.
func TestBindDeployment(t *testing.T) {
	s, dsn := openTest(t)
	ctx := context.Background()
	check := []byte("hmac-of-the-sealing-key")
	if err := s.BindDeployment(ctx, "123456789012", check); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if err := s2.BindDeployment(ctx, "123456789012", check); err != nil {
		t.Fatalf("same account and key: %v", err)
	}
	if err := s2.BindDeployment(ctx, "999999999999", check); !errors.Is(err, ErrDeploymentMismatch) {
		t.Fatalf("another account: %v, want ErrDeploymentMismatch", err)
	}
	if err := s2.BindDeployment(ctx, "123456789012", []byte("another-key's-hmac")); !errors.Is(err, ErrDeploymentMismatch) {
		t.Fatalf("another sealing key: %v, want ErrDeploymentMismatch", err)
	}
	if err := s.BindDeployment(ctx, "123456789012", check); err != nil {
		t.Fatalf("the first binding changed: %v", err)
	}
}
