package sealed_test

import (
	"bytes"
	"io"
	"testing"

	"signet/internal/storage"
	"signet/internal/storage/disk"
	"signet/internal/storage/sealed"
)

// The figure issue 16 asks for: PUT and GET throughput of sealed blobs as
// a ratio to the unencrypted disk engine, in the same run. Compare the
// Plain and Sealed results of one size (MB/s); each Put pays the disk's
// two fsyncs, as a real PUT does. GET writes the whole blob to a discard
// writer the way the HTTP layer does: sendfile's shape (io.Copy from the
// file) for plain blobs, WriteRange for sealed ones.

func benchEngines(b *testing.B) (plain storage.Engine, seal storage.Engine) {
	d, err := disk.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	s, err := sealed.New(d, kek(b, 1))
	if err != nil {
		b.Fatal(err)
	}
	return d, s
}

func benchPut(b *testing.B, sealedEngine bool, size int) {
	plain, seal := benchEngines(b)
	e := plain
	if sealedEngine {
		e = seal
	}
	payload := bytes.Repeat([]byte{0xa5}, size)
	r := bytes.NewReader(payload)
	b.SetBytes(int64(size))
	for b.Loop() {
		r.Reset(payload)
		id, _, err := e.Put(b.Context(), r)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		_ = e.Delete(b.Context(), id)
		b.StartTimer()
	}
}

func benchGet(b *testing.B, sealedEngine bool, size int) {
	plain, seal := benchEngines(b)
	e := plain
	if sealedEngine {
		e = seal
	}
	id, _, err := e.Put(b.Context(), bytes.NewReader(bytes.Repeat([]byte{0xa5}, size)))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(size))
	for b.Loop() {
		bl, err := e.Open(b.Context(), id)
		if err != nil {
			b.Fatal(err)
		}
		var n int64
		switch x := bl.(type) {
		case storage.RangeWriter:
			n, err = x.WriteRange(io.Discard, 0, bl.Size())
		case storage.FileBlob:
			n, err = io.Copy(io.Discard, &io.LimitedReader{R: x.File(), N: bl.Size()})
		default:
			n, err = io.Copy(io.Discard, bl)
		}
		bl.Close()
		if err != nil || n != int64(size) {
			b.Fatal(n, err)
		}
	}
}

func BenchmarkPutPlain1MiB(b *testing.B)    { benchPut(b, false, 1<<20) }
func BenchmarkPutSealed1MiB(b *testing.B)   { benchPut(b, true, 1<<20) }
func BenchmarkPutPlain256MiB(b *testing.B)  { benchPut(b, false, 256<<20) }
func BenchmarkPutSealed256MiB(b *testing.B) { benchPut(b, true, 256<<20) }
func BenchmarkGetPlain1MiB(b *testing.B)    { benchGet(b, false, 1<<20) }
func BenchmarkGetSealed1MiB(b *testing.B)   { benchGet(b, true, 1<<20) }
func BenchmarkGetPlain256MiB(b *testing.B)  { benchGet(b, false, 256<<20) }
func BenchmarkGetSealed256MiB(b *testing.B) { benchGet(b, true, 256<<20) }
