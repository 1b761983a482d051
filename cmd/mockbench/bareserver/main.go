// Command bareserver is mockbench's baseline server: plain net/http writing
// the bytes mockdomino answered, in its own small binary so that its
// start-up, memory and requests/s are those of a bare Go HTTP server.
// mockbench builds and runs it; it is not meant to be run by hand.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/mockdomino/mockdomino/cmd/mockbench/internal/bare"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address")
	bodies := flag.String("bodies", "", "JSON file of response bodies, written by mockbench")
	files := flag.String("files-dir", "", "keep uploaded files (PUT /files/<name>) in this directory; empty keeps them in memory")
	flag.Parse()
	if err := bare.Serve(*listen, *bodies, *files, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bareserver:", err)
		os.Exit(1)
	}
}
