package storage

import (
	"io"
	"os"
)

// FileBlob is implemented by blobs backed by an open file (the disk
// engine's). The HTTP layer type-asserts for it and copies from File()
// instead of from the Blob itself: net/http only uses sendfile(2) when the
// source of a copy is an *os.File, and a wrapper type would hide it.
//
// The returned file belongs to the blob: read from it (or seek it) but do
// not close it; close the Blob instead. Reads through File() and through the
// Blob share one file offset.
type FileBlob interface {
	File() *os.File
}

// BytesBlob is implemented by blobs held in memory (the inline engine's).
// The HTTP layer writes Bytes() with one Write instead of copying through
// a reader: net/http's ReadFrom would send the headers and the first 512
// bytes in one system call and the rest in another, where one Write lets
// a small object leave with its headers.
//
// The returned slice belongs to the blob: do not modify it.
type BytesBlob interface {
	Bytes() []byte
}

// RangeWriter is implemented by blobs that must transform their bytes on
// the way out (the sealed engine's, which decrypt): WriteRange writes the n
// bytes at off to w from its own buffers, so the HTTP layer neither copies
// them once more nor makes the blob decrypt more than the range needs.
type RangeWriter interface {
	WriteRange(w io.Writer, off, n int64) (int64, error)
}
