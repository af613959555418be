//go:build !unix

package pkcs11

import "os"

// channelOut returns standard output as it is: a module writing to it
// would corrupt the channel, which the agent then sees as a failed host.
func channelOut() (*os.File, error) {
	return os.Stdout, nil
}

// channelIn is standard input.
func channelIn() *os.File { return os.Stdin }

// noCoreFiles has nothing to do: Windows writes no core files by itself.
func noCoreFiles() error { return nil }
