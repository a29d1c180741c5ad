// Command baseline is the yardstick of scripts/load: the least a Go server
// can do to serve the same object bytes from the same disk, with nothing of
// signet in it. It listens on loopback and maps /BUCKET/KEY to
// DIR/objects/BUCKET/KEY.
//
// Why it is the fair baseline: it uses the same runtime (Go's net/http,
// same version, same GOMAXPROCS) and the same system calls signet's data
// path needs, and nothing else. GET opens the file and hands it to
// net/http, which sends it with sendfile(2) as signet does. PUT gives the
// same durability promise as signet: the body goes to a temp file that is
// fsynced, renamed into place, and the directory fsynced, all before the
// 200. So what the ratio measures is what signet adds (routing, SigV4
// verification, policy, metadata, hashing), not a cheaper promise: a
// baseline that skipped the fsyncs would be faster at something signet
// must not do. There is no authentication: the presigned query string is
// sent and ignored, so both servers read the same bytes off the wire.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	dir := flag.String("dir", "", "data directory (required)")
	flag.Parse()
	if *dir == "" {
		log.Fatal("baseline: -dir is required: give it an empty directory on the disk under test")
	}
	s, err := newStore(*dir)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	// scripts/load reads this line to learn the port.
	fmt.Printf("baseline serving at http://%s\n", ln.Addr())
	log.Fatal(http.Serve(ln, s))
}

// store keeps objects as plain files.
type store struct {
	objects string
	tmp     string
}

func newStore(dir string) (*store, error) {
	s := &store{objects: filepath.Join(dir, "objects"), tmp: filepath.Join(dir, "tmp")}
	for _, d := range []string{s.objects, s.tmp} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// path maps a request path to a file, refusing anything that could leave
// the objects directory. Keys with "/" become subdirectories.
func (s *store) path(urlPath string) (string, bool) {
	p := strings.TrimPrefix(urlPath, "/")
	if p == "" || strings.HasSuffix(p, "/") {
		return "", false
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", false
		}
	}
	return filepath.Join(s.objects, filepath.FromSlash(p)), true
}

func (s *store) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, ok := s.path(r.URL.Path)
	if !ok {
		http.Error(w, "bad path", http.StatusBadRequest)
		return
	}
	switch r.Method {
	case http.MethodGet:
		s.get(w, name)
	case http.MethodPut:
		if err := s.put(name, r.Body); err != nil {
			log.Printf("baseline: put %s: %v", r.URL.Path, err)
			http.Error(w, "put failed", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
	default:
		http.Error(w, "GET and PUT only", http.StatusMethodNotAllowed)
	}
}

// get sends the file whole. io.Copy from the *os.File lets net/http use
// sendfile(2), as signet's GET does.
func (s *store) get(w http.ResponseWriter, name string) {
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		http.NotFound(w, nil)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.FormatInt(fi.Size(), 10))
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, f)
}

// put makes the body durable before returning, in the same order as
// signet's disk engine: temp file, write, fsync, close, rename, fsync the
// directory.
func (s *store) put(name string, body io.Reader) (err error) {
	dir := filepath.Dir(name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(s.tmp, "put-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err := io.Copy(f, body); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), name); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
