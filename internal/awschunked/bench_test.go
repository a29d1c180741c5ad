package awschunked

import (
	"crypto/sha256"
	"testing"
)

// BenchmarkSHA256 is BenchmarkDecodeSigned's baseline, measured in the same
// run: SHA-256 over the same 8 MiB, the hashing every verification of a
// signed payload has to do once. Decoding can only approach it; the ratio
// between the two is what the chunk parsing and the per-chunk HMACs cost.
func BenchmarkSHA256(b *testing.B) {
	data := make([]byte, 8<<20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() { // b.Loop keeps the call from being optimised away
		sha256.Sum256(data)
	}
}
