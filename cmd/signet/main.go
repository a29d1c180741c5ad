// Command signet is an S3-compatible object store, an AWS IAM/STS-shaped
// identity service and a CLI that explains presigned URLs.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"signet/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(cli.Env{Ctx: ctx, Args: os.Args[1:], Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
	stop()
	os.Exit(code)
}
