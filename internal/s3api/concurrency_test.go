package s3api

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestConcurrentPutGetDelete: every GET returns one complete acknowledged
// version (its bytes match its ETag and are all one version's letter) or
// 404, never a mix; when the writers stop, the object left (if any) is one
// whole version, and only its blob remains.
func TestConcurrentPutGetDelete(t *testing.T) {
	e := newEnv(t)
	e.bucket("race")
	const size = 64 << 10
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				body := strings.Repeat(string(rune('a'+(w*7+i)%26)), size)
				r := httptest.NewRequest("PUT", "/race/k", strings.NewReader(body))
				rec := httptest.NewRecorder()
				e.h.ServeHTTP(rec, r)
				if rec.Code != 200 {
					t.Errorf("PUT %d", rec.Code)
					return
				}
				if i%5 == 0 {
					rec = httptest.NewRecorder()
					e.h.ServeHTTP(rec, httptest.NewRequest("DELETE", "/race/k", nil))
				}
			}
		}(w)
	}
	var readers sync.WaitGroup
	for g := 0; g < 4; g++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for i := 0; i < 150; i++ {
				rec := httptest.NewRecorder()
				rng := ""
				r := httptest.NewRequest("GET", "/race/k", nil)
				if i%3 == 0 {
					rng = "bytes=100-40000"
					r.Header.Set("Range", rng)
				}
				e.h.ServeHTTP(rec, r)
				switch rec.Code {
				case 404:
					continue
				case 200, 206:
				default:
					t.Errorf("GET %d %s", rec.Code, rec.Body.String())
					return
				}
				b := rec.Body.String()
				if b == "" || strings.Trim(b, b[:1]) != "" {
					t.Errorf("mixed body (len %d)", len(b))
					return
				}
				if rng == "" {
					sum := md5.Sum([]byte(b))
					if len(b) != size || rec.Header().Get("ETag") != fmt.Sprintf(`"%s"`, hex.EncodeToString(sum[:])) {
						t.Errorf("body does not match its ETag")
						return
					}
				} else if len(b) != 39901 {
					t.Errorf("range length %d", len(b))
					return
				}
			}
		}()
	}
	readers.Wait()
	close(stop)
	wg.Wait()
	// The last writer's object is whole, or the last write was a delete.
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, httptest.NewRequest("GET", "/race/k", nil))
	want := 0
	switch rec.Code {
	case 200:
		want = 1
		b := rec.Body.String()
		sum := md5.Sum([]byte(b))
		if len(b) != size || strings.Trim(b, b[:1]) != "" || rec.Header().Get("ETag") != fmt.Sprintf(`"%s"`, hex.EncodeToString(sum[:])) {
			t.Errorf("final object is not one whole version (len %d, ETag %s)", len(b), rec.Header().Get("ETag"))
		}
	case 404:
	default:
		t.Errorf("final GET %d %s", rec.Code, rec.Body.String())
	}
	// Only the final object's blob (if any) remains.
	if n := e.blobCount(); n != want {
		t.Errorf("%d blobs, want %d", n, want)
	}
}

func BenchmarkGetObject4KiB(b *testing.B) {
	e := newEnv(b)
	e.bucket("bench")
	e.put("bench", "obj", strings.Repeat("x", 4<<10))
	r := httptest.NewRequest("GET", "/bench/obj", nil)
	b.ReportAllocs()
	b.SetBytes(4 << 10)
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, r)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}
