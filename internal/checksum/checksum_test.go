package checksum

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"math/rand/v2"
	"testing"

	"github.com/minio/crc64nvme"
	miniogo "github.com/minio/minio-go/v7"
)

// Check values of the CRC catalogue ("123456789").
func TestCheckValues(t *testing.T) {
	in := []byte("123456789")
	cases := []struct {
		a    Algorithm
		want string
	}{
		{CRC32, "cbf43926"},
		{CRC32C, "e3069283"},
		{CRC64NVME, "ae8b14860a799888"},
		{SHA1, "f7c3bc1d808e04732adf679965ccc34ca7ae3441"},
		{SHA256, "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225"},
	}
	for _, c := range cases {
		h := c.a.New()
		h.Write(in)
		if got := hex.EncodeToString(h.Sum(nil)); got != c.want {
			t.Errorf("%s(123456789) = %s, want %s", c.a, got, c.want)
		}
		if h.Size() != c.a.Size() {
			t.Errorf("%s: hash size %d, Size() %d", c.a, h.Size(), c.a.Size())
		}
	}
}

// S3 examples: the empty object's checksums as S3 reports them.
func TestEmptyEncodings(t *testing.T) {
	want := map[Algorithm]string{
		CRC32:     "AAAAAA==",
		CRC32C:    "AAAAAA==",
		CRC64NVME: "AAAAAAAAAAA=",
		SHA1:      "2jmj7l5rSw0yVb/vlWAYkK/YBwk=",
		SHA256:    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
	}
	for a, w := range want {
		if got := Encode(a.New().Sum(nil)); got != w {
			t.Errorf("%s(empty) = %s, want %s", a, got, w)
		}
	}
}

func TestCRC64NVMEAgainstMinio(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 7, 8, 9, 63, 64, 65, 2047, 2048, 4096 + 3, 1 << 20} {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		want := crc64nvme.Checksum(b)
		if got := UpdateCRC64NVME(0, b); got != want {
			t.Fatalf("len %d: got %x want %x", n, got, want)
		}
		// Split writes must agree with one write.
		h := NewCRC64NVME()
		for i := 0; i < n; i += 1000 {
			h.Write(b[i:min(i+1000, n)])
		}
		if h.Sum64() != want {
			t.Fatalf("len %d split: got %x want %x", n, h.Sum64(), want)
		}
	}
}

// minio-go's checksum types are what a real client sends; their encodings
// must equal ours for every algorithm.
func TestAgainstMinioGo(t *testing.T) {
	data := bytes.Repeat([]byte("signet checksum cross-check "), 5000)
	pairs := map[Algorithm]miniogo.ChecksumType{
		CRC32:     miniogo.ChecksumCRC32,
		CRC32C:    miniogo.ChecksumCRC32C,
		CRC64NVME: miniogo.ChecksumCRC64NVME,
		SHA1:      miniogo.ChecksumSHA1,
		SHA256:    miniogo.ChecksumSHA256,
	}
	for a, mt := range pairs {
		if got, want := a.HeaderName(), mt.Key(); got != lower(want) {
			t.Errorf("%s header %q, minio-go %q", a, got, want)
		}
		h := a.New()
		h.Write(data)
		if got, want := Encode(h.Sum(nil)), mt.EncodeToString(data); got != want {
			t.Errorf("%s: %s, minio-go %s", a, got, want)
		}
	}
}

func lower(s string) string { return string(bytes.ToLower([]byte(s))) }

func TestParseAndHeaderNames(t *testing.T) {
	for _, a := range Algorithms {
		for _, s := range []string{string(a), lower(string(a))} {
			if got, ok := Parse(s); !ok || got != a {
				t.Errorf("Parse(%q) = %q, %v", s, got, ok)
			}
		}
		if got, ok := FromHeaderName(a.HeaderName()); !ok || got != a {
			t.Errorf("FromHeaderName(%q) = %q, %v", a.HeaderName(), got, ok)
		}
		if got, ok := FromHeaderName("X-Amz-Checksum-" + string(a)); !ok || got != a {
			t.Errorf("FromHeaderName canonical case = %q, %v", got, ok)
		}
		if !a.Valid() {
			t.Errorf("%s not valid", a)
		}
	}
	if got := CRC64NVME.HeaderName(); got != "x-amz-checksum-crc64nvme" {
		t.Errorf("HeaderName = %q", got)
	}
	for _, bad := range []string{"", "MD5", "crc", "CRC32 ", "SHA512"} {
		if _, ok := Parse(bad); ok {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	for _, bad := range []string{"x-amz-checksum-", "x-amz-checksum-md5", "x-amz-checksum-type", "content-md5", "x-amz-checksumcrc32"} {
		if _, ok := FromHeaderName(bad); ok {
			t.Errorf("FromHeaderName(%q) accepted", bad)
		}
	}
	if Algorithm("crc32").Valid() {
		t.Error("lower-case Algorithm value must not be Valid; use Parse")
	}
}

func TestDecode(t *testing.T) {
	if b, err := Decode(CRC32, "yZRlqg=="); err != nil || len(b) != 4 {
		t.Fatalf("Decode: %x %v", b, err)
	}
	for _, c := range []struct {
		a Algorithm
		v string
	}{{CRC32, "AAAAAAAAAAA="}, {CRC64NVME, "AAAAAA=="}, {SHA256, "not base64!"}, {Algorithm("X"), "AAAAAA=="}} {
		if _, err := Decode(c.a, c.v); err == nil {
			t.Errorf("Decode(%s, %q) accepted", c.a, c.v)
		}
	}
}

// The composite checksum is the checksum of the concatenated raw part
// checksums, "-N". Computed independently here with the stdlib.
func TestComposite(t *testing.T) {
	parts := [][]byte{bytes.Repeat([]byte{'a'}, 5<<20), bytes.Repeat([]byte{'b'}, 1234)}
	var sums [][]byte
	var cat []byte
	for _, p := range parts {
		s := sha256.Sum256(p)
		sums = append(sums, s[:])
		cat = append(cat, s[:]...)
	}
	all := sha256.Sum256(cat)
	want := base64.StdEncoding.EncodeToString(all[:]) + "-2"
	if got := Composite(SHA256, sums); got != want {
		t.Errorf("Composite SHA256 = %s, want %s", got, want)
	}

	var crcs [][]byte
	var crcCat []byte
	for _, p := range parts {
		s := binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(p))
		crcs = append(crcs, s)
		crcCat = append(crcCat, s...)
	}
	want = base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(crcCat))) + "-2"
	if got := Composite(CRC32, crcs); got != want {
		t.Errorf("Composite CRC32 = %s, want %s", got, want)
	}
	s1 := sha1.Sum(nil)
	if got := Composite(SHA1, [][]byte{s1[:]}); got[len(got)-2:] != "-1" {
		t.Errorf("Composite suffix: %s", got)
	}
}

func TestCombine(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	buf := make([]byte, 300000)
	for i := range buf {
		buf[i] = byte(r.Uint32())
	}
	for _, a := range []Algorithm{CRC32, CRC32C, CRC64NVME} {
		for _, split := range [][2]int{{0, 0}, {0, 10}, {10, 0}, {1, 1}, {1000, 1}, {7, 299993}, {150000, 150000}} {
			A, B := buf[:split[0]], buf[split[0]:split[0]+split[1]]
			sum := func(p []byte) []byte { h := a.New(); h.Write(p); return h.Sum(nil) }
			got, ok := Combine(a, sum(A), sum(B), int64(len(B)))
			if !ok {
				t.Fatalf("%s: Combine refused", a)
			}
			if want := sum(buf[:len(A)+len(B)]); !bytes.Equal(got, want) {
				t.Errorf("%s split %v: %x want %x", a, split, got, want)
			}
		}
	}
	if _, ok := Combine(SHA256, make([]byte, 32), make([]byte, 32), 1); ok {
		t.Error("Combine accepted SHA256")
	}
	if _, ok := Combine(CRC32, make([]byte, 8), make([]byte, 4), 1); ok {
		t.Error("Combine accepted a wrong-size sum")
	}
}

func TestNewUnknownPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New on unknown algorithm did not panic")
		}
	}()
	Algorithm("MD5").New()
}

func BenchmarkCRC64NVME(b *testing.B) {
	buf := make([]byte, 1<<20)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	h := NewCRC64NVME()
	for b.Loop() {
		h.Write(buf)
	}
}
