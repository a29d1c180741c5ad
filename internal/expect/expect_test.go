package expect

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// scriptConn is a net.Conn whose reads return its data in the sizes given
// (cycling), as a network can split a stream anywhere.
type scriptConn struct {
	net.Conn
	data  []byte
	sizes []int
	n     int
}

func (c *scriptConn) Read(b []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	size := len(c.data)
	if len(c.sizes) > 0 {
		size = c.sizes[c.n%len(c.sizes)]
		c.n++
	}
	size = min(size, len(b), len(c.data))
	copy(b, c.data[:size])
	c.data = c.data[size:]
	return size, nil
}

// through returns what a reader with buffers of bufSize gets from a Conn
// over data arriving in the sizes given.
func through(t testing.TB, data []byte, sizes []int, bufSize int) []byte {
	t.Helper()
	c := NewConn(&scriptConn{data: append([]byte(nil), data...), sizes: sizes})
	var out []byte
	buf := make([]byte, bufSize)
	for range 10 * (len(data) + 10) {
		n, err := c.Read(buf)
		out = append(out, buf[:n]...)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Fatal("Read made no progress")
	return nil
}

const (
	putFoo   = "PUT /b/k HTTP/1.1\r\nHost: h\r\nExpect: foo\r\nContent-Length: 3\r\n\r\nbar"
	putCont  = "PUT /b/k HTTP/1.1\r\nHost: h\r\nexpect: 100-continue\r\nContent-Length: 3\r\n\r\nbar"
	getEmpty = "GET /b/k HTTP/1.1\r\nHost: h\r\nExpect:\r\n\r\n"
)

func TestRenamesOnlyUnknownExpectations(t *testing.T) {
	// A body that looks like an Expect header, a chunked body with one,
	// and trailers: none of it may change.
	bodyLooksLikeHeader := "\r\nExpect: foo\r\n\r\n"
	chunked := "POST /b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nEXPECT: 201\r\n\r\n" +
		"11;ext=1\r\n" + bodyLooksLikeHeader + "\r\n0\r\nExpect: trailer\r\n\r\n"
	withBody := "PUT /b/k HTTP/1.1\r\nHost: h\r\nContent-Length: 17\r\n\r\n" + bodyLooksLikeHeader
	for _, c := range []struct{ name, in, want string }{
		{"unknown", putFoo, strings.Replace(putFoo, "Expect:", "Expec_:", 1)},
		{"100-continue", putCont, putCont},
		{"empty", getEmpty, getEmpty},
		{"list with 100-continue", "GET / HTTP/1.1\r\nExpect: foo, 100-continue\r\n\r\n", "GET / HTTP/1.1\r\nExpect: foo, 100-continue\r\n\r\n"},
		{"bare LF", "GET / HTTP/1.1\nExpect: 200\n\n", "GET / HTTP/1.1\nExpec_: 200\n\n"},
		{"chunked", chunked, strings.Replace(chunked, "EXPECT:", "EXPEC_:", 1)},
		{"body", withBody + putFoo, withBody + strings.Replace(putFoo, "Expect:", "Expec_:", 1)},
		{"pipelined", putFoo + putCont + putFoo, strings.Replace(putFoo, "Expect:", "Expec_:", 1) + putCont + strings.Replace(putFoo, "Expect:", "Expec_:", 1)},
		{"not a name", "GET / HTTP/1.1\r\nExpectation: foo\r\nX-Expect: foo\r\n\r\n", "GET / HTTP/1.1\r\nExpectation: foo\r\nX-Expect: foo\r\n\r\n"},
		// Framing the parser does not follow as net/http does ends the
		// rewriting: the rest passes unchanged.
		{"HTTP/1.0", "GET / HTTP/1.0\r\nExpect: foo\r\n\r\n", "GET / HTTP/1.0\r\nExpect: foo\r\n\r\n"},
		{"two lengths", "PUT / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nbar" + putFoo, "PUT / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nbar" + putFoo},
		{"gzip coding", "PUT / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n" + putFoo, "PUT / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n" + putFoo},
		{"folded", "GET / HTTP/1.1\r\nX-A: 1\r\n 2\r\nExpect: foo\r\n\r\n", "GET / HTTP/1.1\r\nX-A: 1\r\n 2\r\nExpect: foo\r\n\r\n"},
		{"bad chunk end", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nbarXX0\r\n\r\n" + putFoo, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nbarXX0\r\n\r\n" + putFoo},
	} {
		t.Run(c.name, func(t *testing.T) {
			// Every split of the stream, and every reader buffer size
			// from one byte up, gives the same bytes.
			for _, sizes := range [][]int{nil, {1}, {2}, {3, 7}, {5}, {13, 1}} {
				for _, bufSize := range []int{1, 2, 7, 4096} {
					if got := string(through(t, []byte(c.in), sizes, bufSize)); got != c.want {
						t.Fatalf("reads of %v, buffer %d:\n got %q\nwant %q", sizes, bufSize, got, c.want)
					}
				}
			}
		})
	}
}

// TestNetHTTPReadsWhatWasSent writes random requests with net/http's own
// client code (Content-Length and chunked bodies holding header-like
// text, Expect headers of every kind), reads them back through a Conn
// split at random with http.ReadRequest, and checks each request: its body
// exactly, and its Expect under Expect only when it is 100-continue.
func TestNetHTTPReadsWhatWasSent(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	expects := []string{"", "100-continue", "foo", "200", "100-Continue", "x, 100-continue"}
	for round := range 200 {
		var stream bytes.Buffer
		type sent struct {
			expect string
			body   []byte
		}
		var reqs []sent
		for range 1 + rng.IntN(5) {
			body := make([]byte, rng.IntN(300))
			for i := range body {
				const alphabet = "Expect: foo\r\n0;"
				body[i] = alphabet[rng.IntN(len(alphabet))]
			}
			req, _ := http.NewRequest("PUT", "http://h/b/k", bytes.NewReader(body))
			if rng.IntN(2) == 0 {
				req.ContentLength = -1 // chunked
				req.Body = io.NopCloser(bytes.NewReader(body))
			}
			e := expects[rng.IntN(len(expects))]
			if e != "" {
				req.Header.Set("Expect", e)
			}
			if err := req.Write(&stream); err != nil {
				t.Fatal(err)
			}
			reqs = append(reqs, sent{e, body})
		}
		sizes := []int{1 + rng.IntN(64), 1 + rng.IntN(7)}
		br := bufio.NewReaderSize(NewConn(&scriptConn{data: stream.Bytes(), sizes: sizes}), 16+rng.IntN(4096))
		for i, want := range reqs {
			got, err := http.ReadRequest(br)
			if err != nil {
				t.Fatalf("round %d request %d: %v", round, i, err)
			}
			body, err := io.ReadAll(got.Body)
			if err != nil || !bytes.Equal(body, want.body) {
				t.Fatalf("round %d request %d: body %q, %v, want %q", round, i, body, err, want.body)
			}
			plain, renamed := got.Header.Get("Expect"), got.Header.Get(Renamed)
			if want.expect == "" || hasToken(want.expect, "100-continue") {
				if plain != want.expect || renamed != "" {
					t.Fatalf("round %d request %d: Expect %q, %s %q, want Expect %q", round, i, plain, Renamed, renamed, want.expect)
				}
			} else if plain != "" || renamed != want.expect {
				t.Fatalf("round %d request %d: Expect %q, %s %q, want it renamed", round, i, plain, Renamed, renamed)
			}
		}
		if _, err := http.ReadRequest(br); err != io.EOF {
			t.Fatalf("round %d: after the last request: %v", round, err)
		}
	}
}

// FuzzConn: whatever the bytes and however they arrive, a Conn hands on
// exactly as many bytes, the same whatever the split, and changes none but
// the last letter of a line-initial "Expect" name.
func FuzzConn(f *testing.F) {
	f.Add([]byte(putFoo+putCont+getEmpty), uint8(3), uint8(7))
	f.Add([]byte("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nExpect: x\r\n\r\n3\r\nabc\r\n0\r\n\r\n"+putFoo), uint8(1), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, a, b uint8) {
		whole := through(t, data, nil, 4096)
		split := through(t, data, []int{int(a%64) + 1, int(b%64) + 1}, int(b)%32+1)
		if !bytes.Equal(whole, split) {
			t.Fatalf("split reads differ:\n%q\n%q", whole, split)
		}
		if len(whole) != len(data) {
			t.Fatalf("%d bytes in, %d out", len(data), len(whole))
		}
		for i := range data {
			if whole[i] == data[i] {
				continue
			}
			lineStart := i - 5
			if whole[i] != '_' || lineStart < 0 || !bytes.EqualFold(data[lineStart:i+2], []byte("expect:")) ||
				(lineStart > 0 && data[lineStart-1] != '\n') {
				t.Fatalf("byte %d changed from %q to %q", i, data[i], whole[i])
			}
		}
	})
}

// TestRestore puts a renamed expectation back for the handlers.
func TestRestore(t *testing.T) {
	var got []string
	h := Restore(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got = r.Header.Values("Expect")
		if _, ok := r.Header[Renamed]; ok {
			t.Error("the renamed header is still there")
		}
	}))
	r, _ := http.NewRequest("GET", "/", nil)
	r.Header[Renamed] = []string{"foo"}
	h.ServeHTTP(nil, r)
	if len(got) != 1 || got[0] != "foo" {
		t.Errorf("Expect = %q, want [foo]", got)
	}
}

// TestServesUnknownExpectations: net/http on a Listen listener passes an
// unknown expectation to the handler, and still sends 100 Continue for
// 100-continue.
func TestServesUnknownExpectations(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	seen := make(chan string, 4)
	hs := &http.Server{Handler: Restore(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		seen <- r.Header.Get("Expect") + "|" + string(body)
		w.WriteHeader(200)
	}))}
	go hs.Serve(Listen(ln))
	t.Cleanup(func() { hs.Close() })
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Minute)) // judges who answers, not how fast
	br := bufio.NewReader(conn)
	if _, err := conn.Write([]byte(putFoo)); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("Expect: foo answered %v, %v", res, err)
	}
	if got := <-seen; got != "foo|bar" {
		t.Errorf("handler saw %q, want Expect foo and body bar", got)
	}
	// 100-continue on the same connection: the interim answer comes
	// before the body is sent.
	if _, err := conn.Write([]byte(strings.TrimSuffix(putCont, "bar"))); err != nil {
		t.Fatal(err)
	}
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("after Expect: 100-continue got %q, %v", line, err)
	}
	if _, err := br.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte("bar")); err != nil {
		t.Fatal(err)
	}
	if res, err := http.ReadResponse(br, nil); err != nil || res.StatusCode != 200 {
		t.Fatalf("100-continue answered %v, %v", res, err)
	}
	if got := <-seen; got != "100-continue|bar" {
		t.Errorf("handler saw %q", got)
	}
}

// BenchmarkConn reads a stream of typical requests (a presigned GET, a
// header-signed 64 KiB PUT) through a Conn and, as the baseline, straight
// from the connection; ratio is wrapped/raw time.
func BenchmarkConn(b *testing.B) {
	var stream bytes.Buffer
	for range 16 {
		stream.WriteString("GET /bucket/key?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20261207%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261207T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef HTTP/1.1\r\nHost: localhost:9000\r\nUser-Agent: bench\r\nAccept-Encoding: gzip\r\n\r\n")
		stream.WriteString("PUT /bucket/key HTTP/1.1\r\nHost: localhost:9000\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261207/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=0123456789abcdef\r\nX-Amz-Date: 20261207T000000Z\r\nX-Amz-Content-Sha256: UNSIGNED-PAYLOAD\r\nExpect: 100-continue\r\nContent-Length: 65536\r\n\r\n")
		stream.Write(make([]byte, 65536))
	}
	data := stream.Bytes()
	buf := make([]byte, 4096)
	read := func(c net.Conn) {
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
		}
	}
	var raw, wrapped time.Duration
	for b.Loop() {
		t0 := time.Now()
		read(&scriptConn{data: data, sizes: []int{1460}})
		t1 := time.Now()
		read(NewConn(&scriptConn{data: data, sizes: []int{1460}}))
		raw, wrapped = raw+t1.Sub(t0), wrapped+time.Since(t1)
	}
	b.SetBytes(int64(len(data)))
	b.ReportMetric(wrapped.Seconds()/raw.Seconds(), "wrapped/raw")
}
