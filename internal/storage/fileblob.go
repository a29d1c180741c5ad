package storage

import "os"

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
