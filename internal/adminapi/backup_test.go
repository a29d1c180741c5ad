package adminapi_test

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"signet/internal/adminapi"
)

// fakeBackup records the calls and writes a marker stream.
type fakeBackup struct{ withKey []bool }

func (b *fakeBackup) WriteBackup(_ context.Context, w io.Writer, withKey bool) error {
	b.withKey = append(b.withKey, withKey)
	_, err := io.WriteString(w, "stream")
	return err
}

// TestBackup: GET …/backup needs signet:Backup, and the sealing key
// signet:BackupSealingKey besides; a refusal writes no stream.
func TestBackup(t *testing.T) {
	f := newFixture(t, false)
	b := &fakeBackup{}
	f.api = mustNew(t, adminapi.Config{Clock: f.clk, Store: f.store, Authz: f.authz, Backup: b})

	w := f.do(t, "GET", "backup", "")
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/x-tar" || w.Body.String() != "stream" {
		t.Fatalf("backup: %d %q %q", w.Code, w.Header().Get("Content-Type"), w.Body.String())
	}
	w = f.do(t, "GET", "backup?include-sealing-key=true", "")
	if w.Code != http.StatusOK || !slices.Equal(b.withKey, []bool{false, true}) {
		t.Fatalf("backup with the key: %d, calls %v", w.Code, b.withKey)
	}
	if !slices.Equal(f.authz.calls, []string{"signet:Backup *", "signet:Backup *", "signet:BackupSealingKey *"}) {
		t.Errorf("authorizer calls %v", f.authz.calls)
	}

	wantError(t, f.do(t, "GET", "backup?include-sealing-key=yes", ""), http.StatusBadRequest, "InvalidRequest")
	f.authz.deny["signet:BackupSealingKey"] = true
	wantError(t, f.do(t, "GET", "backup?include-sealing-key=true", ""), http.StatusForbidden, "AccessDenied")
	f.authz.deny["signet:Backup"] = true
	wantError(t, f.do(t, "GET", "backup", ""), http.StatusForbidden, "AccessDenied")
	if len(b.withKey) != 2 {
		t.Errorf("refused requests made backups: %v", b.withKey)
	}

	f.api = mustNew(t, adminapi.Config{Clock: f.clk, Store: f.store, Authz: f.authz})
	delete(f.authz.deny, "signet:Backup")
	// A server without hot backups (its metadata in PostgreSQL) says
	// what to do instead.
	e := wantError(t, f.do(t, "GET", "backup", ""), http.StatusNotImplemented, "NotImplemented")
	if !strings.Contains(e.Error.Message, "pg_dump") || !strings.Contains(e.Error.Message, "blob folder") {
		t.Errorf("501 message %q does not say to use pg_dump and copy the blob folder", e.Error.Message)
	}
}
