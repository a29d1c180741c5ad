package disk

import (
	"bytes"
	"testing"
)

func benchmarkPut(b *testing.B, size int) {
	e := mustOpen(b, b.TempDir())
	data := bytes.Repeat([]byte{0xa5}, size)
	r := bytes.NewReader(data)
	ctx := b.Context()
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(data)
		if _, _, err := e.Put(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

// Each Put pays two fsyncs (file and directory), so these measure the
// disk's flush latency as much as the engine.
func BenchmarkPut4KiB(b *testing.B) { benchmarkPut(b, 4<<10) }
func BenchmarkPut1MiB(b *testing.B) { benchmarkPut(b, 1<<20) }
