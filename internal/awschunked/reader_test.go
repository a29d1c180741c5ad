package awschunked

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"signet/internal/secret"
	"signet/internal/sigv4"
)

// AWS's published streaming example (sigv4-streaming.html), reference §2.4.
const (
	exSecret  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	exDate    = "20130524T000000Z"
	exSeed    = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
	exSig1    = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
	exSig2    = "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"
	exSig3    = "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"
	exEncoded = 66824
)

var exScope = sigv4.Scope{Date: "20130524", Region: "us-east-1", Service: "s3"}

func exampleBody() []byte {
	var b bytes.Buffer
	b.WriteString("10000;chunk-signature=" + exSig1 + "\r\n")
	b.Write(bytes.Repeat([]byte{'a'}, 65536))
	b.WriteString("\r\n400;chunk-signature=" + exSig2 + "\r\n")
	b.Write(bytes.Repeat([]byte{'a'}, 1024))
	b.WriteString("\r\n0;chunk-signature=" + exSig3 + "\r\n\r\n")
	return b.Bytes()
}

func exampleConfig(mode Mode) Config {
	return Config{
		Mode:          mode,
		SigningKey:    sigv4.SigningKey(secret.New(exSecret), exScope),
		AmzDate:       exDate,
		Scope:         exScope,
		SeedSignature: exSeed,
	}
}

func decodeAll(body []byte, cfg Config) ([]byte, map[string]string, error) {
	r := NewReader(bytes.NewReader(body), cfg)
	got, err := io.ReadAll(r)
	return got, r.Trailers(), err
}

func TestAWSStreamingExample(t *testing.T) {
	body := exampleBody()
	if len(body) != exEncoded {
		t.Fatalf("encoded length %d, want %d", len(body), exEncoded)
	}
	got, tr, err := decodeAll(body, exampleConfig(Signed))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 66560 || bytes.Count(got, []byte{'a'}) != 66560 {
		t.Fatalf("decoded %d bytes", len(got))
	}
	if len(tr) != 0 {
		t.Errorf("trailers %v", tr)
	}
	// The three published signatures, recomputed independently of the
	// reader's chaining code.
	key := sigv4.SigningKey(secret.New(exSecret), exScope)
	s1 := ChunkSignature(key, exDate, exScope, exSeed, bytes.Repeat([]byte{'a'}, 65536))
	s2 := ChunkSignature(key, exDate, exScope, s1, bytes.Repeat([]byte{'a'}, 1024))
	s3 := ChunkSignature(key, exDate, exScope, s2, nil)
	if s1 != exSig1 || s2 != exSig2 || s3 != exSig3 {
		t.Errorf("signatures %s %s %s", s1, s2, s3)
	}
	// The encoder reproduces AWS's example byte for byte.
	enc, err := io.ReadAll(NewEncoder(bytes.NewReader(bytes.Repeat([]byte{'a'}, 66560)), EncoderConfig{
		Mode: Signed, ChunkSize: 65536, SigningKey: key, AmzDate: exDate, Scope: exScope, SeedSignature: exSeed,
	}))
	if err != nil || !bytes.Equal(enc, body) {
		t.Fatalf("encoder output differs from AWS example (err %v, len %d)", err, len(enc))
	}
	if n, _ := EncodedLength(Signed, 66560, 65536, nil); n != exEncoded {
		t.Errorf("EncodedLength = %d", n)
	}
}

// Reading through one-byte and half-filled reads must give the same result
// as one big read: the state machine may not depend on read boundaries.
func TestAWSExampleSmallReads(t *testing.T) {
	r := NewReader(iotest.OneByteReader(bytes.NewReader(exampleBody())), exampleConfig(Signed))
	got, err := io.ReadAll(iotest.HalfReader(r))
	if err != nil || len(got) != 66560 {
		t.Fatalf("got %d bytes, %v", len(got), err)
	}
	if err := iotest.TestReader(NewReader(bytes.NewReader(exampleBody()), exampleConfig(Signed)), got); err != nil {
		t.Fatal(err)
	}
}

func TestAWSExampleMutations(t *testing.T) {
	body := exampleBody()
	hdr1 := len("10000;chunk-signature=" + exSig1 + "\r\n")
	cases := []struct {
		name   string
		mutate func([]byte) []byte
		want   error
	}{
		{"bit flip in first chunk data", func(b []byte) []byte { b[hdr1+100] ^= 1; return b }, ErrChunkSignatureMismatch},
		{"bit flip in last byte of second chunk", func(b []byte) []byte {
			i := bytes.Index(b, []byte("\r\n0;chunk-signature"))
			b[i-1] ^= 0x20
			return b
		}, ErrChunkSignatureMismatch},
		{"wrong first signature", func(b []byte) []byte { return bytes.Replace(b, []byte(exSig1), []byte(exSig2), 1) }, ErrChunkSignatureMismatch},
		{"wrong final signature", func(b []byte) []byte { return bytes.Replace(b, []byte(exSig3), []byte(exSig1), 1) }, ErrChunkSignatureMismatch},
		{"upper-case signature", func(b []byte) []byte {
			return bytes.Replace(b, []byte(exSig1), []byte(strings.ToUpper(exSig1)), 1)
		}, ErrChunkSignatureMismatch},
		{"chunks swapped signatures", func(b []byte) []byte {
			b = bytes.Replace(b, []byte(exSig1), []byte("X"), 1)
			b = bytes.Replace(b, []byte(exSig2), []byte(exSig1), 1)
			return bytes.Replace(b, []byte("X"), []byte(exSig2), 1)
		}, ErrChunkSignatureMismatch},
		{"size says more than sent", func(b []byte) []byte { return bytes.Replace(b, []byte("400;"), []byte("401;"), 1) }, ErrMalformed},
		{"size says less than sent", func(b []byte) []byte { return bytes.Replace(b, []byte("400;"), []byte("3ff;"), 1) }, ErrMalformed},
		{"size not hex", func(b []byte) []byte { return bytes.Replace(b, []byte("400;"), []byte("4g0;"), 1) }, ErrMalformed},
		{"negative size", func(b []byte) []byte { return bytes.Replace(b, []byte("400;"), []byte("-400;"), 1) }, ErrMalformed},
		{"missing signature", func(b []byte) []byte {
			return bytes.Replace(b, []byte("400;chunk-signature="+exSig2), []byte("400"), 1)
		}, ErrMalformed},
		{"signature twice", func(b []byte) []byte {
			return bytes.Replace(b, []byte("400;"), []byte("400;chunk-signature="+exSig2+";"), 1)
		}, ErrMalformed},
		{"truncated in data", func(b []byte) []byte { return b[:hdr1+500] }, ErrMalformed},
		{"truncated in header", func(b []byte) []byte { return b[:10] }, ErrMalformed},
		{"truncated before final chunk", func(b []byte) []byte { return b[:bytes.Index(b, []byte("0;chunk-signature="+exSig3))] }, ErrMalformed},
		{"truncated after data before CRLF", func(b []byte) []byte { return b[:hdr1+65536] }, ErrMalformed},
		{"empty body", func([]byte) []byte { return nil }, ErrMalformed},
		{"garbage after end", func(b []byte) []byte { return append(b, "junk\r\n"...) }, ErrMalformed},
		{"trailer in a trailer-less mode", func(b []byte) []byte {
			return append(b[:len(b)-2], "x-amz-checksum-crc32:AAAAAA==\r\n\r\n"...)
		}, ErrUnexpectedTrailer},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.mutate(append([]byte(nil), body...))
			got, _, err := decodeAll(b, exampleConfig(Signed))
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			// A lying size can release the byte it swallowed before the
			// error, never more.
			if len(got) > 66561 {
				t.Fatalf("decoded %d bytes", len(got))
			}
		})
	}
	// io.ErrUnexpectedEOF is wrapped for truncation, so callers can map it
	// to IncompleteBody.
	if _, _, err := decodeAll(body[:hdr1+500], exampleConfig(Signed)); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncation error %v does not wrap io.ErrUnexpectedEOF", err)
	}
	// A wrong key or seed fails on the first chunk.
	cfg := exampleConfig(Signed)
	cfg.SigningKey = sigv4.SigningKey(secret.New("other"), exScope)
	if _, _, err := decodeAll(body, cfg); !errors.Is(err, ErrChunkSignatureMismatch) {
		t.Errorf("wrong key: %v", err)
	}
	cfg = exampleConfig(Signed)
	cfg.SeedSignature = exSig1
	if _, _, err := decodeAll(body, cfg); !errors.Is(err, ErrChunkSignatureMismatch) {
		t.Errorf("wrong seed: %v", err)
	}
	cfg.SeedSignature = "nothex"
	if _, _, err := decodeAll(body, cfg); !errors.Is(err, ErrMalformed) {
		t.Errorf("bad seed: %v", err)
	}
}

// An error must stop the stream at the chunk that failed: no byte of a
// later chunk is released after a signature failure.
func TestNoDataAfterMismatch(t *testing.T) {
	b := exampleBody()
	b = bytes.Replace(b, []byte(exSig1), []byte(exSig2), 1)
	r := NewReader(bytes.NewReader(b), exampleConfig(Signed))
	got, err := io.ReadAll(r)
	if !errors.Is(err, ErrChunkSignatureMismatch) || len(got) > 65536 {
		t.Fatalf("got %d bytes, %v", len(got), err)
	}
	if n, err2 := r.Read(make([]byte, 10)); n != 0 || err2 != err {
		t.Fatalf("error not sticky: %d %v", n, err2)
	}
	if r.Trailers() != nil {
		t.Fatal("Trailers before EOF")
	}
}

func TestChunkTooLarge(t *testing.T) {
	cfg := exampleConfig(Signed)
	cfg.MaxChunkSize = 1024
	if _, _, err := decodeAll(exampleBody(), cfg); !errors.Is(err, ErrChunkTooLarge) {
		t.Fatalf("err %v", err)
	}
	// A hostile size never leads to an allocation of that size; the
	// default limit rejects absurd values before any data.
	body := []byte("fffffffffffffff;chunk-signature=" + exSig1 + "\r\nabc")
	if _, _, err := decodeAll(body, exampleConfig(Signed)); !errors.Is(err, ErrChunkTooLarge) {
		t.Fatalf("err %v", err)
	}
	body = []byte("ffffffffffffffffff\r\nabc")
	if _, _, err := decodeAll(body, Config{Mode: UnsignedTrailer}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("err %v", err)
	}
}

func TestModeFor(t *testing.T) {
	for _, m := range []Mode{Signed, SignedTrailer, UnsignedTrailer} {
		if got, ok := ModeFor(m.String()); !ok || got != m {
			t.Errorf("ModeFor(%s) = %v %v", m, got, ok)
		}
	}
	for _, s := range []string{"UNSIGNED-PAYLOAD", "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", sigv4.EmptySHA256, "", "streaming-unsigned-payload-trailer"} {
		if _, ok := ModeFor(s); ok {
			t.Errorf("ModeFor(%q) accepted", s)
		}
	}
	if _, _, err := decodeAll(nil, Config{}); !errors.Is(err, ErrMalformed) {
		t.Errorf("zero Config: %v", err)
	}
}

func TestUnsignedTrailer(t *testing.T) {
	cfg := Config{Mode: UnsignedTrailer, Trailers: []string{"x-amz-checksum-crc32"}}
	good := map[string]string{
		"go v2 layout":            "5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n",
		"minio-go layout":         "5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\n\r\n\r\n",
		"blank line before":       "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n",
		"no final CRLF":           "5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n",
		"chunk extensions":        "5;foo=bar\r\nhello\r\n6 ; baz\r\n world\r\n0;x=1\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n",
		"upper-case hex and name": "5\r\nhello\r\n6\r\n world\r\n0\r\nX-Amz-Checksum-CRC32 : DUoRhQ==\r\n\r\n",
		"bare LF lines":           "5\nhello\r\n6\n world\r\n0\nx-amz-checksum-crc32:DUoRhQ==\n\n",
	}
	for name, body := range good {
		got, tr, err := decodeAll([]byte(body), cfg)
		if err != nil || string(got) != "hello world" || tr["x-amz-checksum-crc32"] != "DUoRhQ==" {
			t.Errorf("%s: %q %v %v", name, got, tr, err)
		}
	}
	bad := map[string]struct {
		body string
		want error
	}{
		"missing trailer":     {"5\r\nhello\r\n0\r\n\r\n", ErrMissingTrailer},
		"other trailer":       {"5\r\nhello\r\n0\r\nx-amz-checksum-sha256:AAAA\r\n\r\n", ErrUnexpectedTrailer},
		"extra trailer":       {"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\nx-amz-meta-a:b\r\n\r\n", ErrUnexpectedTrailer},
		"duplicate trailer":   {"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:a\r\nx-amz-checksum-crc32:b\r\n\r\n", ErrMalformed},
		"trailer signature":   {"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:a\r\nx-amz-trailer-signature:" + exSig1 + "\r\n\r\n", ErrUnexpectedTrailer},
		"no colon":            {"5\r\nhello\r\n0\r\nx-amz-checksum-crc32\r\n\r\n", ErrMalformed},
		"truncated trailer":   {"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:DUo", ErrMalformed},
		"missing final chunk": {"5\r\nhello\r\n", ErrMalformed},
		"lying size":          {"6\r\nhello\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n", ErrMalformed},
		"empty size":          {";a=b\r\nhello\r\n0\r\n\r\n", ErrMalformed},
		"size one too large":  {"6\r\nhello\r\n\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n", ErrMalformed},
		"LF after data":       {"5\r\nhello\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n", ErrMalformed},
	}
	for name, c := range bad {
		if _, _, err := decodeAll([]byte(c.body), cfg); !errors.Is(err, c.want) {
			t.Errorf("%s: err %v, want %v", name, err, c.want)
		}
	}
	// Chunks with signatures are tolerated (ignored) in unsigned mode.
	if got, _, err := decodeAll([]byte("5;chunk-signature=zz\r\nhello\r\n0\r\nx-amz-checksum-crc32:x\r\n\r\n"), cfg); err != nil || string(got) != "hello" {
		t.Errorf("%q %v", got, err)
	}
	// Too many blank lines is refused rather than read forever.
	if _, _, err := decodeAll([]byte("0\r\nx-amz-checksum-crc32:x\r\n"+strings.Repeat("\r\n", 1000)), cfg); !errors.Is(err, ErrMalformed) {
		t.Errorf("blank lines: %v", err)
	}
}

func signedTrailerBody(t *testing.T, data string, trailers []Trailer, chunk int) []byte {
	t.Helper()
	key := sigv4.SigningKey(secret.New(exSecret), exScope)
	b, err := io.ReadAll(NewEncoder(strings.NewReader(data), EncoderConfig{
		Mode: SignedTrailer, ChunkSize: chunk, SigningKey: key, AmzDate: exDate, Scope: exScope,
		SeedSignature: exSeed, Trailers: func() []Trailer { return trailers },
	}))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSignedTrailer(t *testing.T) {
	tr := []Trailer{{"x-amz-checksum-crc32", "DUoRhQ=="}}
	body := signedTrailerBody(t, "hello world", tr, 4)
	if n, _ := EncodedLength(SignedTrailer, 11, 4, tr); n != int64(len(body)) {
		t.Errorf("EncodedLength %d, actual %d", n, len(body))
	}
	cfg := exampleConfig(SignedTrailer)
	cfg.Trailers = []string{"x-amz-checksum-crc32"}
	got, m, err := decodeAll(body, cfg)
	if err != nil || string(got) != "hello world" || m["x-amz-checksum-crc32"] != "DUoRhQ==" {
		t.Fatalf("%q %v %v\n%s", got, m, err, body)
	}

	// minio-go's layout: the trailer line ends in LF only and a blank line
	// precedes the signature.
	i := bytes.Index(body, []byte("x-amz-checksum-crc32:"))
	minio := append(append([]byte(nil), body[:i]...), bytes.Replace(body[i:], []byte("==\r\n"), []byte("==\n\r\n"), 1)...)
	if _, _, err := decodeAll(minio, cfg); err != nil {
		t.Errorf("minio layout: %v", err)
	}
	// A blank line between the final chunk and the trailers.
	blank := append(append(append([]byte(nil), body[:i]...), "\r\n"...), body[i:]...)
	if _, _, err := decodeAll(blank, cfg); err != nil {
		t.Errorf("blank-line layout: %v", err)
	}

	bad := map[string]struct {
		body []byte
		want error
	}{
		"changed trailer value": {bytes.Replace(body, []byte("DUoRhQ=="), []byte("DUoRhR=="), 1), ErrTrailerSignatureMismatch},
		"changed data":          {bytes.Replace(body, []byte("hell"), []byte("jell"), 1), ErrChunkSignatureMismatch},
		"no trailer signature": {func() []byte {
			j := bytes.Index(body, []byte(trailerSigName))
			return append(append([]byte(nil), body[:j]...), "\r\n"...)
		}(), ErrMalformed},
		"missing trailer": {func() []byte {
			j := bytes.Index(body, []byte(trailerSigName))
			return append(append([]byte(nil), body[:i]...), body[j:]...)
		}(), ErrTrailerSignatureMismatch},
		"trailer after signature": {append(body[:len(body)-2:len(body)-2], "x-amz-meta-a:b\r\n\r\n"...), ErrMalformed},
	}
	for name, c := range bad {
		if _, _, err := decodeAll(c.body, cfg); !errors.Is(err, c.want) {
			t.Errorf("%s: err %v, want %v", name, err, c.want)
		}
	}
	// The trailer is missing but correctly signed (empty trailer set).
	empty := signedTrailerBody(t, "hello world", nil, 4)
	if _, _, err := decodeAll(empty, cfg); !errors.Is(err, ErrMissingTrailer) {
		t.Errorf("signed empty trailer set: %v", err)
	}
}

// Round trips through the encoder for every mode, many sizes and chunk
// sizes, checking EncodedLength too.
func TestEncoderRoundTrip(t *testing.T) {
	key := sigv4.SigningKey(secret.New(exSecret), exScope)
	for _, mode := range []Mode{Signed, SignedTrailer, UnsignedTrailer} {
		for _, size := range []int{0, 1, 63, 64, 65, 1000, 70000} {
			for _, chunk := range []int{1, 64, 8192, 0} {
				if chunk == 1 && size > 1000 {
					continue
				}
				data := bytes.Repeat([]byte("0123456789abcdef"), size/16+1)[:size]
				var trailers []Trailer
				var names []string
				if mode != Signed {
					trailers = []Trailer{{"x-amz-checksum-crc32c", "AAAAAA=="}, {"x-amz-checksum-sha1", "2jmj7l5rSw0yVb/vlWAYkK/YBwk="}}
					names = []string{"x-amz-checksum-crc32c", "x-amz-checksum-sha1"}
				}
				enc, err := io.ReadAll(NewEncoder(bytes.NewReader(data), EncoderConfig{
					Mode: mode, ChunkSize: chunk, SigningKey: key, AmzDate: exDate, Scope: exScope,
					SeedSignature: exSeed, Trailers: func() []Trailer { return trailers },
				}))
				if err != nil {
					t.Fatal(err)
				}
				if n, _ := EncodedLength(mode, int64(size), chunk, trailers); n != int64(len(enc)) {
					t.Errorf("%v size %d chunk %d: EncodedLength %d, actual %d", mode, size, chunk, n, len(enc))
				}
				cfg := exampleConfig(mode)
				cfg.Trailers = names
				got, tr, err := decodeAll(enc, cfg)
				if err != nil || !bytes.Equal(got, data) || len(tr) != len(trailers) {
					t.Fatalf("%v size %d chunk %d: %v (got %d bytes, %v)", mode, size, chunk, err, len(got), tr)
				}
			}
		}
	}
}

func TestEncodedLengthErrors(t *testing.T) {
	if _, err := EncodedLength(0, 1, 1, nil); err == nil {
		t.Error("mode 0 accepted")
	}
	if _, err := EncodedLength(Signed, -1, 1, nil); err == nil {
		t.Error("negative length accepted")
	}
}

// The hot path must not allocate per chunk: decoding a body of many
// chunks costs a constant number of allocations.
func TestAllocsConstant(t *testing.T) {
	key := sigv4.SigningKey(secret.New(exSecret), exScope)
	mk := func(n int) []byte {
		b, _ := io.ReadAll(NewEncoder(bytes.NewReader(make([]byte, n)), EncoderConfig{
			Mode: Signed, ChunkSize: 1024, SigningKey: key, AmzDate: exDate, Scope: exScope, SeedSignature: exSeed,
		}))
		return b
	}
	small, large := mk(4<<10), mk(256<<10)
	buf := make([]byte, 32<<10)
	run := func(b []byte) float64 {
		return testing.AllocsPerRun(20, func() {
			r := NewReader(bytes.NewReader(b), exampleConfig(Signed))
			for {
				if _, err := r.Read(buf); err != nil {
					if err != io.EOF {
						t.Fatal(err)
					}
					return
				}
			}
		})
	}
	if a, b := run(small), run(large); b > a+1 {
		t.Errorf("allocations grow with chunks: %v for 4 chunks, %v for 256", a, b)
	}
}

func BenchmarkDecodeSigned(b *testing.B) {
	key := sigv4.SigningKey(secret.New(exSecret), exScope)
	data := make([]byte, 8<<20)
	enc, _ := io.ReadAll(NewEncoder(bytes.NewReader(data), EncoderConfig{
		Mode: Signed, SigningKey: key, AmzDate: exDate, Scope: exScope, SeedSignature: exSeed,
	}))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r := NewReader(bytes.NewReader(enc), exampleConfig(Signed))
		if _, err := io.Copy(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}
