package sigv4_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"reflect"
	"testing"
	"time"

	"signet/internal/secret"
	"signet/internal/sigv4"
)

// overTheWire serialises a client request exactly as Go's transport would
// and parses it back the way net/http's server does, so the server-side
// request has a real RequestURI and the header map a server really sees.
func overTheWire(t testing.TB, r *http.Request) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatalf("write request: %v", err)
	}
	sr, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Fatalf("read request: %v\n%s", err, buf.String())
	}
	return sr
}

// get builds a client GET for a URL, failing the test on a bad URL.
func newReq(t testing.TB, method, u string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// verifyServer parses and verifies a server-side request in S3 mode with
// the key derived from secret for the request's own scope.
func verifyServer(r *http.Request, sk secret.Secret, mode sigv4.Mode) (*sigv4.Auth, *sigv4.Verified, error) {
	req := sigv4.FromHTTP(r)
	var a *sigv4.Auth
	var err error
	if r.Header.Get("Authorization") != "" {
		a, err = sigv4.ParseHeader(req)
	} else {
		a, err = sigv4.ParseQuery(req)
	}
	if err != nil {
		return nil, nil, err
	}
	key := sigv4.SigningKey(sk, a.Scope)
	v, err := sigv4.Verify(req, a, key, mode)
	if disagree := sameVerdict(req, a, key, mode, err); disagree != nil {
		return a, v, disagree
	}
	return a, v, err
}

// sameVerdict reports an error unless Check, the server's allocation-free
// path, returns exactly what Verify returned (verifyErr): every test that
// verifies through verifyServer thereby tests Check too.
func sameVerdict(req *sigv4.Request, a *sigv4.Auth, key []byte, mode sigv4.Mode, verifyErr error) error {
	if checkErr := sigv4.Check(req, a, key, mode); !reflect.DeepEqual(checkErr, verifyErr) {
		return fmt.Errorf("Check and Verify disagree: Check returned %#v, Verify %#v", checkErr, verifyErr)
	}
	return nil
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
