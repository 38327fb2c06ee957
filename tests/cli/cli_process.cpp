#include "cli_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <catch2/catch.hpp>

extern char** environ;

namespace creditmeter::testing {

namespace {

std::vector<std::string> child_environment(const CliEnv& overrides) {
  CliEnv env = {{"CREDITMETER_BASE_URL", std::nullopt},
                {"CREDITMETER_API_SECRET", std::nullopt},
                {"NO_PROXY", "127.0.0.1,localhost"},
                {"no_proxy", "127.0.0.1,localhost"}};
  for (const auto& [name, value] : overrides) env[name] = value;
  std::vector<std::string> result;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    if (env.count(entry.substr(0, entry.find('='))) == 0) result.push_back(entry);
  }
  for (const auto& [name, value] : env) {
    if (value) result.push_back(name + "=" + *value);
  }
  return result;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> result;
  for (auto& s : strings) result.push_back(s.data());
  result.push_back(nullptr);
  return result;
}

}  // namespace

std::string cli_path() { return CREDITMETER_CLI_PATH; }

nlohmann::json CliResult::json() const {
  const nlohmann::json parsed = nlohmann::json::parse(out, nullptr, false);
  INFO("stdout: " << out << "\nstderr: " << err);
  REQUIRE(parsed.is_object());
  return parsed;
}

CliProcess::CliProcess(const std::vector<std::string>& args, const CliEnv& env, bool terminal) {
  // Everything the child needs is built before fork(): after it only async-signal-safe calls.
  std::vector<std::string> argv_strings = {cli_path()};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<std::string> env_strings = child_environment(env);
  std::vector<char*> argv = pointers(argv_strings), envp = pointers(env_strings);

  int out[2] = {-1, -1}, err[2] = {-1, -1};
  if (terminal) {
    // Raw mode: the terminal passes "\r" through as it is instead of translating newlines.
    termios mode{};
    cfmakeraw(&mode);
    if (openpty(&out[0], &out[1], nullptr, &mode, nullptr) != 0) throw std::runtime_error("openpty failed");
  } else if (pipe2(out, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  if (pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  fcntl(out[0], F_SETFD, FD_CLOEXEC);  // openpty does not: no other child may hold our ends
  fcntl(out[1], F_SETFD, FD_CLOEXEC);

  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    dup2(out[1], STDOUT_FILENO);
    dup2(err[1], STDERR_FILENO);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  out_fd_ = out[0];
  err_fd_ = err[0];
}

CliProcess::~CliProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (out_fd_ >= 0) close(out_fd_);
  if (err_fd_ >= 0) close(err_fd_);
}

CliResult CliProcess::wait(std::chrono::milliseconds timeout) {
  CliResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int* fds[2] = {&out_fd_, &err_fd_};
  std::string* sinks[2] = {&result.out, &result.err};
  // Both streams are drained until EOF (a pipe) or EIO (a pty whose last writer is gone).
  while (out_fd_ >= 0 || err_fd_ >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      kill(pid_, SIGKILL);
      break;
    }
    pollfd polled[2];
    nfds_t count = 0;
    int index[2];
    for (int i = 0; i < 2; ++i) {
      if (*fds[i] >= 0) {
        polled[count] = {*fds[i], POLLIN, 0};
        index[count++] = i;
      }
    }
    if (poll(polled, count, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    for (nfds_t p = 0; p < count; ++p) {
      if (polled[p].revents == 0) continue;
      char buf[4096];
      const ssize_t n = read(polled[p].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[index[p]]->append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(*fds[index[p]]);
        *fds[index[p]] = -1;
      }
    }
  }
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace creditmeter::testing
