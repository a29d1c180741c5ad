package server

import (
	"signet/internal/meta"
	"signet/internal/storage"
	"signet/internal/storage/inline"
)

// blobEngine is the engine object bytes go to: files, with the inline
// engine in front of it when the metadata store has the
// storage.InlineStore capability (small blobs committed with their
// records, docs/design/0004), files alone when it does not.
func blobEngine(files storage.Engine, md meta.Store) storage.Engine {
	if small, ok := md.(storage.InlineStore); ok {
		return inline.New(files, small, inline.DefaultMax)
	}
	return files
}
