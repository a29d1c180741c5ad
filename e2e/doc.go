// Package e2e holds signet's end-to-end suite: it builds the signet binary
// once, starts it, and drives unchanged clients against it (the AWS CLI v1,
// boto3 and curl), each in a private environment. See e2e_test.go.
//
// Run with `go test ./e2e/`. Missing clients skip the tests unless
// SIGNET_E2E_REQUIRE=1, when they fail them.
package e2e
