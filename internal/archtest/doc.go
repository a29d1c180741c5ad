// Package archtest holds tests of signet's shape (docs/architecture.md):
// the heart of the product stays free of outside code, only the
// composition root knows concrete engines, the wall clock is read only in
// internal/clock and a short allow-list, every package says what it owns,
// and docs/architecture.md's layer section is what `go list` says.
package archtest
