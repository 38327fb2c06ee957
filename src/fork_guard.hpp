#pragma once
// fork() detection for process-local state: a Client's thread and locks, a thread's cached
// random bytes. getpid() is a system call every time (glibc no longer caches it) and the
// guard sits on paths users call often (stats(), flush(), start_session()), so a fork()ed
// child learns that it is one from an atfork handler: the check is one relaxed load.

namespace creditmeter {
namespace detail {

// How many fork()s this process has seen on its way from the first call (installs the
// handler). A value that differs from one taken earlier means: this is a child.
unsigned fork_generation();

}  // namespace detail
}  // namespace creditmeter
