// Package sigv4 is AWS Signature Version 4, the heart of signet, in the
// standard library alone: the request model (the bytes as sent), the
// canonical request in its two modes (S3: the path as sent, encoded once,
// never normalised; generic: IAM and STS), credential scopes, signing keys
// and their per-day cache, signing and presigning for the CLI, and the
// server's verification of headers and presigned queries, which rebuilds
// the canonical request from what the client says it signed and returns a
// typed Reason on failure. The same canonicaliser serves the signer and
// the verifier, so the two cannot disagree. Time is always an argument.
package sigv4
