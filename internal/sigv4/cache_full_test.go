package sigv4

import (
	"bytes"
	"fmt"
	"signet/internal/secret"
	"testing"
)

// TestKeyCacheStartsOverWhenFull: a cache that sees many more distinct keys
// than it holds (an STS session every few seconds for weeks) stays within
// max entries, and what it returns after starting over is still the key
// of the scope asked for.
func TestKeyCacheStartsOverWhenFull(t *testing.T) {
	const max = 64
	c := NewKeyCache(max)
	s := Scope{Date: "20261127", Region: "us-east-1", Service: "s3"}
	for i := 1; i <= 20*max; i++ {
		id := fmt.Sprintf("ASIA%016d", i)
		got := c.Get(id, secret.New("secret-"+id), s)
		if want := deriveKey(secret.New("secret-"+id), s); !bytes.Equal(got, want[:]) {
			t.Fatalf("insert %d: wrong key", i)
		}
		if n := len(c.m); n > max || n != (i-1)%max+1 {
			t.Fatalf("%d entries after %d inserts; want %d (at most %d)", n, i, (i-1)%max+1, max)
		}
	}
}
