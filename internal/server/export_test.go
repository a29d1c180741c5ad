package server

// SetAfterSnapshot makes fn run inside every backup of s, between its
// metadata copy and its blob copies: a test deletes objects there to show
// the blobs the copy references survive until they are copied.
func SetAfterSnapshot(s *Server, fn func()) { s.afterSnapshot = fn }
