//go:build linux && !arm

package disk

import (
	"io"
	"syscall"
)

// syncFileRangeWrite is SYNC_FILE_RANGE_WRITE from linux/fs.h: start
// writing out the range's dirty pages, without waiting for them.
const syncFileRangeWrite = 0x2

// startWriteback asks the kernel to start writing a range of w's file to
// disk now. A large Put then overlaps its disk writes with receiving the
// rest of the body, and the fsync at the end finds little left to flush;
// without the hint the kernel may hold the whole blob dirty in memory
// until that fsync, which then waits for all of it. It is only a hint:
// durability still comes from the fsync, and writers that are not files
// (tests' recorders) are skipped. The error is for tests; Put ignores it.
func startWriteback(w io.Writer, off, n int64) error {
	sc, ok := w.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = syscall.SyncFileRange(int(fd), off, n, syncFileRangeWrite)
	}); err != nil {
		return err
	}
	return serr
}
