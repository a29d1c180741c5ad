package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"signet/internal/clock"
	"signet/internal/config"
	"signet/internal/server"
)

// On the PostgreSQL engine (SIGNET_META) the offline rotation is
// refused, saying why, without touching the data directory or echoing
// the URL.
func TestAdminKeyRotateSealingRefusesPostgreSQL(t *testing.T) {
	isolateAWS(t)
	dir := t.TempDir()
	t.Setenv(config.EnvMeta, "postgres://signet:hunter2@db.example/signet")
	code, out, errs := runAdminArgs("key", "rotate-sealing", "--data-dir", dir)
	if code != 1 || out != "" || !strings.Contains(errs, "selects the PostgreSQL engine") || strings.Contains(errs, "hunter2") {
		t.Errorf("rotate-sealing on PostgreSQL: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	if names, _ := os.ReadDir(dir); len(names) != 0 {
		t.Errorf("the refused rotation created %v", names)
	}
}

// TestAdminKeyRotateSealing: the command refuses a data directory a
// running server holds, saying to stop it; on a stopped server's it
// replaces sealing.key, and the server starts again on the new key.
func TestAdminKeyRotateSealing(t *testing.T) {
	isolateAWS(t)
	t.Setenv(config.EnvDataDir, "")
	cfg := config.Default()
	cfg.Addr, cfg.DataDir = "127.0.0.1:0", filepath.Join(t.TempDir(), "data")
	cfg.RootAccessKeyID, cfg.RootSecret, cfg.TLSCert, cfg.TLSKey = "", "", "", ""
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := server.New(cfg, quiet, clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(cfg.DataDir, "sealing.key")
	empty := t.TempDir()
	if code, _, errs := runAdminArgs("key", "rotate-sealing", "--data-dir", empty); code != 1 || !strings.Contains(errs, "is it the server's data directory?") {
		t.Errorf("on a directory that is not a server's: exit %d, %s", code, errs)
	}
	if names, _ := os.ReadDir(empty); len(names) != 0 {
		t.Errorf("the refused rotation created %v", names)
	}
	before, _ := os.ReadFile(keyFile)

	code, out, errs := runAdminArgs("key", "rotate-sealing", "--data-dir", cfg.DataDir)
	if code != 1 || out != "" || !strings.Contains(errs, "stop the server first") {
		t.Errorf("with the server running: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runAdminArgs("key", "rotate-sealing", "--data-dir", cfg.DataDir)
	if code != 0 || !strings.Contains(out, "sealing key of "+cfg.DataDir+" rotated") || errs != "" {
		t.Fatalf("rotate-sealing: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	after, _ := os.ReadFile(keyFile)
	if len(after) == 0 || bytes.Equal(before, after) {
		t.Fatalf("sealing.key unchanged")
	}
	t.Setenv(config.EnvDataDir, cfg.DataDir)
	code, out, _ = runAdminArgs("key", "rotate-sealing", "--json")
	var rep struct {
		DataDir string `json:"data_dir"`
		Resumed bool   `json:"resumed"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.DataDir != cfg.DataDir || rep.Resumed {
		t.Fatalf("rotate-sealing --json: exit %d\n%s", code, out)
	}
	srv, err = server.New(cfg, quiet, clock.Real{})
	if err != nil {
		t.Fatalf("the server does not start after the rotation: %v", err)
	}
	srv.Close()
}
