package pkcs11

import (
	"os"
	"os/signal"
)

// ServeHostStdio runs ServeHost on the process's standard input and
// output, as the agent starts a host (HostCommand). The channel is the
// pair of pipes the agent created and the child inherited: no other
// process can open it. Standard output is moved out of the module's
// reach first, so that a module printing to stdout cannot corrupt the
// channel; what it prints goes to standard error. An interrupt from the
// terminal is left to the agent, which ends the host by closing its
// input.
//
// A module that crashes ends the process; the Go runtime names the
// signal on standard error, where the agent reads it. No core file is
// written, as it would hold the PIN of a login in progress.
func ServeHostStdio(path string) error {
	signal.Ignore(os.Interrupt)
	if err := noCoreFiles(); err != nil {
		return err
	}
	out, err := channelOut()
	if err != nil {
		return err
	}
	defer out.Close()
	return ServeHost(path, channelIn(), out)
}
