// Shared helpers of the creditmeter benchmarks: a creditmeter-emulator child process, a raw
// keep-alive libcurl client (the baselines), CPU clocks, and small statistics.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <curl/curl.h>

namespace cmbench {

// Runs creditmeter-emulator on a free loopback port (CREDITMETER_EMULATOR overrides the path).
class Emulator {
 public:
  explicit Emulator(std::vector<std::string> extra_args = {});
  ~Emulator();
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;
  const std::string& url() const { return url_; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // POST/GET/DELETE an admin path; throws std::runtime_error on a non-2xx answer.
  std::string admin(const std::string& method, const std::string& path, const std::string& body = "");
  void create_account(const std::string& secret, double balance, int max_concurrent);

 private:
  std::string dir_;
  std::string url_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// main() of a Google Benchmark program that needs an emulator: starts one (16 workers) with
// an account for `secret`, publishes it in `*emulator` while the selected benchmarks run, and
// stops it. Returns main's exit status.
int run_benchmarks_with_emulator(int argc, char** argv, const std::string& secret, Emulator** emulator);

struct RawResponse {
  long status = 0;
  std::string body;
};

// One easy handle reused for every call: a keep-alive connection, like the SDK's pool.
// Configured the way a careful libcurl user would (NOSIGNAL, no Expect: 100-continue).
class RawCurl {
 public:
  RawCurl();
  ~RawCurl();
  RawCurl(const RawCurl&) = delete;
  RawCurl& operator=(const RawCurl&) = delete;
  RawResponse post(const std::string& url, const std::vector<std::string>& headers, const std::string& body);
  RawResponse request(const std::string& method, const std::string& url, const std::vector<std::string>& headers,
                      const std::string& body);

 private:
  CURL* easy_;
  std::string buffer_;
};

// Extracts a top-level or data-level string/number field from a JSON answer (no parser:
// used only on the emulator's well-formed answers, outside timed regions).
std::string json_field(const std::string& body, const std::string& name);

double thread_cpu_s();   // CLOCK_THREAD_CPUTIME_ID
double process_cpu_s();  // CLOCK_PROCESS_CPUTIME_ID (every thread of the process)
double wall_s();         // CLOCK_MONOTONIC
// CPU time (user + system) of one thread of this process, from /proc/self/task/<tid>/stat.
double task_cpu_s(pid_t tid);
// CPU time (user + system) of another process, from /proc/<pid>/stat.
double proc_cpu_s_of(pid_t pid);
std::vector<pid_t> thread_ids();     // /proc/self/task
long rss_kib();                      // VmRSS of this process
long rss_kib_of(pid_t pid);          // VmRSS of another process
int thread_count_of(pid_t pid);

}  // namespace cmbench
