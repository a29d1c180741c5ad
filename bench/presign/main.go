// Command presign makes the presigned URLs scripts/load sends. It signs
// with the root credentials a signet server saved in its data directory,
// through signet's own sigv4.Presign, so the load run does not depend on
// any other client being installed (or on `signet presign`).
//
// One URL:
//
//	presign -data-dir D -endpoint http://127.0.0.1:PORT -method GET -path /bucket/key
//
// Many PUT URLs, one per key PREFIX000000, PREFIX000001, …, written as
// "path?query" lines (wrk takes the host from its command line):
//
//	presign -data-dir D -endpoint E -method PUT -path /bucket/PREFIX -count N -out FILE
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"signet/internal/secret"
	"signet/internal/sigv4"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "presign:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("presign", flag.ContinueOnError)
	dataDir := fs.String("data-dir", "", "signet data directory holding root-credentials.json")
	endpoint := fs.String("endpoint", "", "signet endpoint, e.g. http://127.0.0.1:9000")
	method := fs.String("method", "GET", "HTTP method to sign")
	path := fs.String("path", "", "/bucket/key, or /bucket/prefix with -count")
	count := fs.Int("count", 0, "sign this many keys path+000000… and print path?query lines")
	out := fs.String("out", "", "write to this file instead of stdout")
	region := fs.String("region", "us-east-1", "the server's region")
	expires := fs.Duration("expires", 6*time.Hour, "URL lifetime")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dataDir == "" || *endpoint == "" || *path == "" {
		return errors.New("-data-dir, -endpoint and -path are required")
	}
	creds, err := rootCredentials(*dataDir)
	if err != nil {
		return err
	}
	w := stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriter(w)
	now := time.Now()
	sign := func(p string) (string, error) {
		return sigv4.Presign(sigv4.PresignInput{
			Method: *method, URL: *endpoint + p, Credentials: creds, Region: *region, Service: "s3",
			Time: now, Expires: *expires, Mode: sigv4.S3,
		})
	}
	if *count == 0 {
		u, err := sign(*path)
		if err != nil {
			return err
		}
		fmt.Fprintln(bw, u)
		return bw.Flush()
	}
	for i := range *count {
		u, err := sign(fmt.Sprintf("%s%06d", *path, i))
		if err != nil {
			return err
		}
		pu, err := url.Parse(u)
		if err != nil {
			return err
		}
		fmt.Fprintln(bw, pu.RequestURI())
	}
	return bw.Flush()
}

// rootCredentials reads the file signet writes at first start (see
// internal/server/rootcreds.go). The secret is used to sign and never
// printed.
func rootCredentials(dataDir string) (sigv4.Credentials, error) {
	path := filepath.Join(dataDir, "root-credentials.json")
	b, err := os.ReadFile(path)
	if err != nil {
		return sigv4.Credentials{}, fmt.Errorf("%w (start signet with -data-dir %s once to create it)", err, dataDir)
	}
	var disk struct {
		AccessKeyID     string `json:"access_key_id"`
		SecretAccessKey string `json:"secret_access_key"`
	}
	if err := json.Unmarshal(b, &disk); err != nil {
		return sigv4.Credentials{}, fmt.Errorf("%s: %w", path, err)
	}
	if disk.AccessKeyID == "" || disk.SecretAccessKey == "" {
		return sigv4.Credentials{}, fmt.Errorf("%s holds no root key: the server was started with root credentials from the environment; start it without them", path)
	}
	return sigv4.Credentials{AccessKeyID: disk.AccessKeyID, SecretAccessKey: secret.New(disk.SecretAccessKey)}, nil
}
