package awschunked

import (
	"bytes"
	"io"
	"testing"

	"signet/internal/secret"
	"signet/internal/sigv4"
)

func fuzzConfig(mode Mode) Config {
	cfg := exampleConfig(mode)
	if mode != Signed {
		cfg.Trailers = []string{"x-amz-checksum-crc32"}
	}
	cfg.MaxChunkSize = 1 << 20
	return cfg
}

// FuzzDecode: arbitrary bodies in every mode never panic, terminate, never
// yield more bytes than they contain, and a successful decode is
// reproducible from the decoded data.
func FuzzDecode(f *testing.F) {
	// The AWS example is 66 KB; a small body keeps the fuzzer fast, and the
	// encoder seeds below cover the signed layouts.
	f.Add(exampleBody()[:200], uint8(Signed))
	f.Add([]byte("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n"), uint8(UnsignedTrailer))
	f.Add([]byte("5;a=b\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\n\r\n\r\n"), uint8(UnsignedTrailer))
	key := sigv4.SigningKey(secret.New(exSecret), exScope)
	for _, mode := range []Mode{Signed, SignedTrailer, UnsignedTrailer} {
		b, _ := io.ReadAll(NewEncoder(bytes.NewReader([]byte("hello, fuzzer")), EncoderConfig{
			Mode: mode, ChunkSize: 5, SigningKey: key, AmzDate: exDate, Scope: exScope, SeedSignature: exSeed,
			Trailers: func() []Trailer { return []Trailer{{"x-amz-checksum-crc32", "AAAAAA=="}} },
		}))
		f.Add(b, uint8(mode))
	}
	f.Fuzz(func(t *testing.T, body []byte, m uint8) {
		mode := Mode(m%3 + 1)
		cfg := fuzzConfig(mode)
		r := NewReader(bytes.NewReader(body), cfg)
		got, err := io.ReadAll(r)
		if len(got) > len(body) {
			t.Fatalf("decoded %d bytes from %d", len(got), len(body))
		}
		if err != nil {
			if r.Trailers() != nil {
				t.Fatal("Trailers after an error")
			}
			return
		}
		tr := r.Trailers()
		if tr == nil {
			t.Fatal("nil Trailers after EOF")
		}
		for name := range tr {
			if name != "x-amz-checksum-crc32" {
				t.Fatalf("unexpected trailer %q accepted", name)
			}
		}
		if mode == UnsignedTrailer {
			// Re-encode what was decoded; it must decode to the same.
			enc, _ := io.ReadAll(NewEncoder(bytes.NewReader(got), EncoderConfig{Mode: mode, ChunkSize: 7,
				Trailers: func() []Trailer { return []Trailer{{"x-amz-checksum-crc32", tr["x-amz-checksum-crc32"]}} }}))
			again, tr2, err := decodeAll(enc, cfg)
			if err != nil || !bytes.Equal(again, got) || tr2["x-amz-checksum-crc32"] != tr["x-amz-checksum-crc32"] {
				t.Fatalf("re-encode: %v", err)
			}
		}
	})
}

// FuzzTrailers: a valid signed data section followed by an arbitrary
// trailer section. It must never panic, and in signed mode any accepted
// trailer set must be the one that was signed.
func FuzzTrailers(f *testing.F) {
	key := sigv4.SigningKey(secret.New(exSecret), exScope)
	data := []byte("trailer fuzz data")
	enc, _ := io.ReadAll(NewEncoder(bytes.NewReader(data), EncoderConfig{
		Mode: SignedTrailer, ChunkSize: 8, SigningKey: key, AmzDate: exDate, Scope: exScope, SeedSignature: exSeed,
		Trailers: func() []Trailer { return []Trailer{{"x-amz-checksum-crc32", "AAAAAA=="}} },
	}))
	i := bytes.Index(enc, []byte("x-amz-checksum-crc32:"))
	prefix, section := enc[:i], enc[i:]
	f.Add(section)
	f.Add(bytes.Replace(section, []byte("==\r\n"), []byte("==\n\r\n"), 1))
	f.Add([]byte("\r\n" + string(section)))
	f.Add([]byte("x-amz-checksum-crc32:AAAAAA==\r\n\r\n"))
	f.Add([]byte("\r\n\r\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, sec []byte) {
		body := append(append([]byte(nil), prefix...), sec...)
		got, tr, err := decodeAll(body, fuzzConfig(SignedTrailer))
		if err == nil {
			if !bytes.Equal(got, data) || tr["x-amz-checksum-crc32"] != "AAAAAA==" || len(tr) != 1 {
				t.Fatalf("accepted forged trailers %v", tr)
			}
		}
		// The same section after unsigned chunks.
		ub := append([]byte("11\r\ntrailer fuzz data\r\n0\r\n"), sec...)
		got, tr, err = decodeAll(ub, fuzzConfig(UnsignedTrailer))
		if err == nil && (!bytes.Equal(got, data) || len(tr) != 1) {
			t.Fatalf("unsigned: %q %v", got, tr)
		}
	})
}
