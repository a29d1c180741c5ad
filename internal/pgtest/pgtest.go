// Package pgtest gives tests a PostgreSQL server of their own: a
// throwaway cluster (initdb into a temporary directory, listening on a
// Unix socket there and on a loopback port) started from the machine's
// PostgreSQL binaries, and a fresh database per test. It is for _test.go
// files only.
//
// PostgreSQL refuses to run as root, so under root the cluster is created
// and run as the "postgres" user (runuser), which Debian's package makes.
//
// Where the binaries are missing a test skips, saying why, unless
// SIGNET_REQUIRE_POSTGRES=1 (set by CI), when it fails: a suite that
// silently skipped its PostgreSQL half would pass for the wrong reason.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvRequire makes a missing PostgreSQL a failure instead of a skip.
const EnvRequire = "SIGNET_REQUIRE_POSTGRES"

// Cluster is a running throwaway PostgreSQL cluster.
type Cluster struct {
	dir     string // data, socket and log live here
	bin     string // directory of initdb, pg_ctl, postgres
	port    int
	asUser  string // "" to run binaries as ourselves
	mu      sync.Mutex
	running bool
}

// Socket is the directory holding the cluster's Unix socket.
func (c *Cluster) Socket() string { return filepath.Join(c.dir, "sock") }

// Port is the cluster's TCP port on 127.0.0.1.
func (c *Cluster) Port() int { return c.port }

// DSN returns a connection string for database db, over TCP on the
// loopback interface, as the superuser "signet" (trust authentication).
func (c *Cluster) DSN(db string) string {
	return fmt.Sprintf("postgres://signet@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

// binDir finds the PostgreSQL server binaries: pg_config's bindir, then
// Debian's versioned directories, then PATH.
func binDir() (string, error) {
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		d := strings.TrimSpace(string(out))
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb"); len(m) > 0 {
		return filepath.Dir(m[len(m)-1]), nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("no PostgreSQL server binaries (initdb) found: install Debian's postgresql package")
}

// unavailable skips t, or fails it when PostgreSQL is required.
func unavailable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv(EnvRequire) == "1" {
		t.Fatalf("PostgreSQL is required (%s=1) but cannot be started: %v", EnvRequire, err)
	}
	t.Skipf("skipping: PostgreSQL cannot be started here (%v); set %s=1 to make this a failure", err, EnvRequire)
}

// Start creates and starts a cluster of t's own, stopped and removed when
// t ends. Tests that stop or restart PostgreSQL use one; others share
// the process-wide one through Database.
func Start(t testing.TB) *Cluster {
	t.Helper()
	c, err := start()
	if err != nil {
		unavailable(t, err)
	}
	t.Cleanup(c.Remove)
	return c
}

func start() (*Cluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "signet-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root and there is no postgres user to run PostgreSQL as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		c.asUser = "postgres"
	}
	if err := c.run("mkdir", "-p", c.Socket()); err != nil {
		c.Remove()
		return nil, err
	}
	if err := c.run(filepath.Join(bin, "initdb"), "-D", c.data(), "-U", "signet", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		c.Remove()
		return nil, fmt.Errorf("initdb: %w", err)
	}
	if c.port, err = freePort(); err != nil {
		c.Remove()
		return nil, err
	}
	if err := c.Start(); err != nil {
		c.Remove()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }

// run runs a command as the cluster's user.
func (c *Cluster) run(name string, args ...string) error {
	var cmd *exec.Cmd
	if c.asUser != "" {
		cmd = exec.Command("runuser", append([]string{"-u", c.asUser, "--", name}, args...)...)
	} else {
		cmd = exec.Command(name, args...)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// Start starts the cluster (again, after Stop) and waits until it
// accepts connections. Settings favour a test machine: no fsync (a test
// cluster is never recovered after a power cut; a crash of the server
// process alone still loses nothing committed, since the WAL is written
// before each commit returns).
func (c *Cluster) Start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		return nil
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=128MB", c.port, c.Socket())
	if err := c.run(filepath.Join(c.bin, "pg_ctl"), "-D", c.data(), "-l", filepath.Join(c.dir, "log"), "-o", opts, "-w", "-t", "60", "start"); err != nil {
		return fmt.Errorf("pg_ctl start: %w (log: %s)", err, c.log())
	}
	c.running = true
	return nil
}

// Stop stops the cluster at once (fast shutdown: open connections are
// cut, as a crashed or restarted server cuts them).
func (c *Cluster) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.running {
		return nil
	}
	c.running = false
	return c.run(filepath.Join(c.bin, "pg_ctl"), "-D", c.data(), "-m", "fast", "-w", "-t", "60", "stop")
}

// Restart stops the cluster and starts it again.
func (c *Cluster) Restart() error {
	if err := c.Stop(); err != nil {
		return err
	}
	return c.Start()
}

// Remove stops the cluster and deletes its files.
func (c *Cluster) Remove() {
	c.Stop()
	os.RemoveAll(c.dir)
}

func (c *Cluster) log() string {
	b, _ := os.ReadFile(filepath.Join(c.dir, "log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// CreateDatabase creates a fresh, uniquely named database and returns its
// DSN; it is dropped when t ends.
func (c *Cluster) CreateDatabase(t testing.TB) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	name := "t_" + hex.EncodeToString(b[:])
	if err := c.exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		c.exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	return c.DSN(name)
}

func (c *Cluster) exec(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.DSN("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

var (
	shared     *Cluster
	sharedErr  error
	sharedOnce sync.Once
)

// Database returns the DSN of a fresh database on the test binary's
// shared cluster, started on first use; a package using it must call Main
// from its TestMain so the cluster stops when the tests end.
func Database(t testing.TB) string {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = start() })
	if sharedErr != nil {
		unavailable(t, sharedErr)
	}
	return shared.CreateDatabase(t)
}

// Main runs the tests and then stops the shared cluster, if one started.
// Use it as TestMain: func TestMain(m *testing.M) { pgtest.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.Remove()
	}
	os.Exit(code)
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
