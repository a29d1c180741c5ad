// Package e2e holds signet's end-to-end suite: it builds the signet binary
// once, starts it, and drives unchanged clients against it, each in a
// private environment: the AWS CLI v1, boto3, aws-sdk-go-v2, rclone, s3cmd
// and curl, and signet's own CLI (presign, inspect, admin), and the README's
// walk-through as a reader pastes it (readme_test.go). Beside the client tests it
// holds the reliability harnesses that need a real process: SIGKILL crash
// cycles (crash_test.go), read-after-write consistency under racing
// clients (consistency_test.go), the count of goroutines and open files
// left after a drained workload (drain_test.go) and the search for
// secrets in debug logs and error bodies (secrets_debug_test.go); see
// docs/reliability.md.
//
// Run with `go test ./e2e/`. Missing clients skip the tests unless
// SIGNET_E2E_REQUIRE=1, when they fail them.
package e2e
