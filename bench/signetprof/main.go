// Command signetprof is signet with a CPU profiler, for scripts/load only:
// the shipped binary (cmd/signet) has no profiling switch and no pprof
// endpoint. It runs the same cli.Main; on SIGUSR1 it starts a CPU profile
// into the next file of $SIGNET_CPUPROFILE (PREFIX.1.pprof, PREFIX.2.pprof,
// …) and on SIGUSR2 it stops it, so the load script can profile exactly
// one measured run.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"signet/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	if prefix := os.Getenv("SIGNET_CPUPROFILE"); prefix != "" {
		go profileOnSignal(prefix)
	}
	code := cli.Main(cli.Env{Ctx: ctx, Args: os.Args[1:], Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
	stop()
	pprof.StopCPUProfile()
	os.Exit(code)
}

func profileOnSignal(prefix string) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGUSR2)
	var f *os.File
	n := 0
	for s := range sigs {
		switch {
		case s == syscall.SIGUSR1 && f == nil:
			n++
			var err error
			f, err = os.Create(fmt.Sprintf("%s.%d.pprof", prefix, n))
			if err != nil {
				fmt.Fprintln(os.Stderr, "signetprof:", err)
				continue
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				fmt.Fprintln(os.Stderr, "signetprof:", err)
				f.Close()
				f = nil
			}
		case s == syscall.SIGUSR2 && f != nil:
			pprof.StopCPUProfile()
			f.Close()
			f = nil
		}
	}
}
