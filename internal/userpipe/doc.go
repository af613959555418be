// Package userpipe is a Windows named pipe that only the user who made it
// can use: the agent's local channel on Windows (cmd/zavera, instance
// files), the counterpart of a 0600 Unix socket whose peer's uid is
// checked.
//
// # Rules
//
// The pipe is \\.\pipe\PREFIX-<user SID>-<hash of a key> (Name). Its DACL
// is protected (nothing is inherited) and allows only the user and
// SYSTEM; remote clients are rejected by the pipe itself
// (PIPE_REJECT_REMOTE_CLIENTS). Listen makes the first instance with
// FILE_FLAG_FIRST_PIPE_INSTANCE, so a pipe of that name made earlier by
// anyone, another user squatting on it included, is never joined: Listen
// fails with ErrExists. Both ends check the other's process user: the
// server the client's (CheckClient, through GetNamedPipeClientProcessId
// and the process token), Dial the server's
// (GetNamedPipeServerProcessId). Dial opens the pipe at
// SECURITY_IDENTIFICATION, so a server could never act as the client.
//
// Pipe handles are opened for overlapped I/O and given to os.NewFile,
// which puts them on the runtime's I/O completion port: connections'
// reads and writes honour deadlines, as a socket's do.
//
// # Concurrency
//
// A listener's Accept is called from one goroutine at a time; Close may be
// called from any goroutine and ends a waiting Accept with net.ErrClosed.
// Connections are net.Conns, used as sockets are. On other systems the
// package is empty.
package userpipe
