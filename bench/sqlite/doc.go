// Package sqlite holds the measurement behind docs/design/0001: signet's
// metadata store (bbolt) against SQLite (modernc.org/sqlite, pure Go) on
// the three things DESIGN.md names — GET lookup latency, durable PUT
// throughput with fsync, and listing — in one run, so the figures are
// ratios on the same machine. It is a module of its own so that SQLite
// never enters signet's dependencies; `go test -bench . ./...` in this
// directory runs it (scripts/bench-metastore).
package sqlite
