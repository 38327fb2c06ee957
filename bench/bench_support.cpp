#include "bench_support.hpp"

#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace cmbench {

namespace {

std::string emulator_binary() {
  if (const char* env = std::getenv("CREDITMETER_EMULATOR"); env != nullptr && env[0] != '\0') return env;
#ifdef CREDITMETER_EMULATOR_PATH
  return CREDITMETER_EMULATOR_PATH;
#else
  return "creditmeter-emulator";
#endif
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

double ts_s(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double stat_cpu(const std::string& path) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string f;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && (fields >> f); ++i) {
    if (i == 14) utime = std::stoull(f);
    if (i == 15) stime = std::stoull(f);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

long status_field(const std::string& path, const char* name) {
  std::ifstream in(path);
  std::string line;
  const std::size_t n = std::strlen(name);
  while (std::getline(in, line)) {
    if (line.compare(0, n, name) == 0) return std::atol(line.c_str() + n);
  }
  return -1;
}

}  // namespace

Emulator::Emulator(std::vector<std::string> extra_args) {
  char tmpl[] = "/tmp/cmbench-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  const std::string port_file = dir_ + "/port";
  std::vector<std::string> args = {emulator_binary(), "--host", "127.0.0.1", "--port", "0",
                                   "--port-file", port_file, "--quiet"};
  for (auto& a : extra_args) args.push_back(a);
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // Dies with us (an aborted benchmark must not leave an emulator holding our pipes).
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    const int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, STDOUT_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    execvp(argv[0], argv.data());
    _exit(127);
  }
  for (int i = 0; i < 1000; ++i) {
    std::ifstream in(port_file);
    if (in >> port_ && port_ > 0) break;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("creditmeter-emulator exited at start (" + args[0] + ")");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (port_ <= 0) throw std::runtime_error("creditmeter-emulator did not start listening");
  url_ = "http://127.0.0.1:" + std::to_string(port_);
}

Emulator::~Emulator() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    for (int i = 0; i < 500; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) { pid_ = -1; break; }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (pid_ > 0) { kill(pid_, SIGKILL); waitpid(pid_, nullptr, 0); }
  }
  std::remove((dir_ + "/port").c_str());
  rmdir(dir_.c_str());
}

std::string Emulator::admin(const std::string& method, const std::string& path, const std::string& body) {
  RawCurl c;
  RawResponse r = c.request(method, url_ + path, {"Content-Type: application/json"}, body);
  if (r.status < 200 || r.status >= 300) {
    throw std::runtime_error("admin " + method + " " + path + " -> " + std::to_string(r.status) + " " + r.body);
  }
  return r.body;
}

void Emulator::create_account(const std::string& secret, double balance, int max_concurrent) {
  admin("POST", "/admin/accounts",
        "{\"api_secret\":\"" + secret + "\",\"plan\":\"pro\",\"balance\":" + std::to_string(balance) +
            ",\"max_concurrent\":" + std::to_string(max_concurrent) + "}");
}

RawCurl::RawCurl() {
  static const bool once = (curl_global_init(CURL_GLOBAL_DEFAULT), true);
  (void)once;
  easy_ = curl_easy_init();
}

RawCurl::~RawCurl() { curl_easy_cleanup(easy_); }

RawResponse RawCurl::post(const std::string& url, const std::vector<std::string>& headers, const std::string& body) {
  return request("POST", url, headers, body);
}

RawResponse RawCurl::request(const std::string& method, const std::string& url,
                             const std::vector<std::string>& headers, const std::string& body) {
  curl_slist* list = nullptr;
  list = curl_slist_append(list, "Expect:");
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(easy_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, list);
  if (method == "POST") {
    curl_easy_setopt(easy_, CURLOPT_POST, 1L);
    curl_easy_setopt(easy_, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(easy_, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(easy_, CURLOPT_CUSTOMREQUEST, nullptr);
  } else if (method == "GET") {
    curl_easy_setopt(easy_, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(easy_, CURLOPT_CUSTOMREQUEST, nullptr);
  } else {
    curl_easy_setopt(easy_, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(easy_, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  buffer_.clear();
  curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(easy_, CURLOPT_WRITEDATA, &buffer_);
  RawResponse r;
  if (curl_easy_perform(easy_) == CURLE_OK) curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(list);
  curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, nullptr);
  r.body = buffer_;
  return r;
}

std::string json_field(const std::string& body, const std::string& name) {
  const std::string key = "\"" + name + "\":";
  auto pos = body.find(key);
  if (pos == std::string::npos) return {};
  pos += key.size();
  while (pos < body.size() && body[pos] == ' ') ++pos;
  if (pos < body.size() && body[pos] == '"') {
    const auto end = body.find('"', pos + 1);
    return body.substr(pos + 1, end - pos - 1);
  }
  auto end = body.find_first_of(",}", pos);
  return body.substr(pos, end - pos);
}

double thread_cpu_s() { return ts_s(CLOCK_THREAD_CPUTIME_ID); }
double process_cpu_s() { return ts_s(CLOCK_PROCESS_CPUTIME_ID); }
double wall_s() { return ts_s(CLOCK_MONOTONIC); }
double task_cpu_s(pid_t tid) {
  // The kernel's per-thread CPU clock of any thread of this process (what
  // pthread_getcpuclockid gives): MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED), ns resolution.
  const clockid_t id = static_cast<clockid_t>((~static_cast<unsigned>(tid) << 3) | 6u);
  timespec ts{};
  if (clock_gettime(id, &ts) == 0) return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  return stat_cpu("/proc/self/task/" + std::to_string(tid) + "/stat");
}
double proc_cpu_s_of(pid_t pid) { return stat_cpu("/proc/" + std::to_string(pid) + "/stat"); }

std::vector<pid_t> thread_ids() {
  std::vector<pid_t> out;
  if (DIR* d = opendir("/proc/self/task")) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') out.push_back(static_cast<pid_t>(std::atoi(e->d_name)));
    }
    closedir(d);
  }
  return out;
}

long rss_kib() { return status_field("/proc/self/status", "VmRSS:"); }
long rss_kib_of(pid_t pid) { return status_field("/proc/" + std::to_string(pid) + "/status", "VmRSS:"); }
int thread_count_of(pid_t pid) {
  return static_cast<int>(status_field("/proc/" + std::to_string(pid) + "/status", "Threads:"));
}

}  // namespace cmbench

namespace cmbench {

int run_benchmarks_with_emulator(int argc, char** argv, const std::string& secret, Emulator** emulator) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  Emulator emu({"--threads", "16"});
  *emulator = &emu;
  emu.create_account(secret, 1e12, 1000000);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  *emulator = nullptr;
  return 0;
}

}  // namespace cmbench
