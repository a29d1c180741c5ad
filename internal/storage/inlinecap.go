package storage

import "context"

// InlineStore is an optional capability of a metadata engine: keeping
// small blobs in its own records, written by the same commit as the
// record that first references them (the inline engine,
// storage/inline, sits in front of the blob engine and uses it). As
// io/fs does with its optional interfaces, the server finds it by a type
// assertion on the metadata store and keeps every blob in the blob engine
// when the store does not have it: an engine may simply not inline.
//
// It is defined here, beside the engines' own interface, so that neither
// the metadata engines nor storage/inline need import each other.
type InlineStore interface {
	// StageBlob keeps data, which the store now owns, under a new inline
	// ID (NewInlineBlobID) until a metadata commit referencing the ID
	// writes it durably.
	StageBlob(data []byte) BlobID
	// InlineBlob returns the bytes of a staged or stored inline blob, or
	// ErrNotFound. The caller must not modify them.
	InlineBlob(ctx context.Context, id BlobID) ([]byte, error)
	// DeleteInlineBlob forgets a staged blob, or removes a stored one no
	// record references; a missing blob is not an error.
	DeleteInlineBlob(ctx context.Context, id BlobID) error
	// WalkInlineBlobs calls fn for every staged and stored inline blob.
	WalkInlineBlobs(ctx context.Context, fn func(BlobID) error) error
}
