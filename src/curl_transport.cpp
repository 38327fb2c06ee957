#include "curl_transport.hpp"

#include <algorithm>
#include <climits>
#include <cctype>
#include <cstring>
#include <limits>
#include <mutex>

#include "core/protocol.hpp"
#include "creditmeter/version.h"
#include "curl_transfer.hpp"

namespace creditmeter {
namespace detail {

void ensure_curl_global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

namespace {

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* response = static_cast<std::string*>(user);
  const std::size_t n = size * count;
  if (response->size() + n > core::kMaxBodyBytes) return 0;  // aborts: CURLE_WRITE_ERROR
  response->append(data, n);
  return n;
}

// Headers beyond this in total end the transfer with a clear error (libcurl's own limit,
// 100 KiB per header line, says "Out of memory"). Real front servers send a few KiB.
constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

bool header_named(const char* data, std::size_t n, const char* lower_name, std::size_t len) {
  if (n <= len) return false;
  for (std::size_t i = 0; i < len; ++i) {
    if (std::tolower(static_cast<unsigned char>(data[i])) != lower_name[i]) return false;
  }
  return true;
}

std::string header_value(const char* data, std::size_t n, std::size_t name_len) {
  std::string v(data + name_len, n - name_len);
  const auto first = v.find_first_not_of(" \t");
  const auto last = v.find_last_not_of(" \t\r\n");
  return first == std::string::npos ? std::string() : v.substr(first, last - first + 1);
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<HeaderSink*>(user);
  const std::size_t n = size * count;
  sink->bytes += n;
  if (sink->bytes > kMaxHeaderBytes) {
    sink->too_large = true;
    return 0;  // aborts: CURLE_WRITE_ERROR
  }
  static const char kRetryAfter[] = "retry-after:";
  static const char kLocation[] = "location:";
  if (n < 512 && header_named(data, n, kRetryAfter, sizeof kRetryAfter - 1)) {
    sink->response->retry_after.assign(data + sizeof kRetryAfter - 1, n - (sizeof kRetryAfter - 1));
  } else if (n < 2048 && header_named(data, n, kLocation, sizeof kLocation - 1)) {
    sink->response->location = header_value(data, n, sizeof kLocation - 1);
  }
  return n;
}

// How a request fails when its connection was closed under it (a keep-alive timeout, the
// last of keepalive_requests, an HTTP/2 GOAWAY): nothing of an answer arrived.
bool connection_died(CURLcode code) {
  return code == CURLE_SEND_ERROR || code == CURLE_RECV_ERROR || code == CURLE_GOT_NOTHING || code == CURLE_HTTP2 ||
         code == CURLE_HTTP2_STREAM;
}

std::string describe(CURLcode code, const char* detail, bool too_large, bool headers_too_large) {
  if (headers_too_large) return "server answer headers larger than 64 KiB";
  if (too_large) return "server answer larger than 1 MiB";
  std::string text;
  switch (code) {
    case CURLE_PEER_FAILED_VERIFICATION: text = "TLS certificate verification failed"; break;
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH: text = "TLS public key does not match the pinned key"; break;
    case CURLE_SSL_CACERT_BADFILE: text = "cannot read the CA file (ca_file)"; break;
    case CURLE_OPERATION_TIMEDOUT: text = "request timed out"; break;
    case CURLE_ABORTED_BY_CALLBACK: text = "aborted (client shutting down)"; break;
    // libcurl's word for a header line over its 100 KiB limit (and for a real lack of memory).
    case CURLE_OUT_OF_MEMORY: text = "server answer headers too large, or out of memory"; break;
    default: text = curl_easy_strerror(code); break;
  }
  if (detail != nullptr && detail[0] != '\0') text += std::string(" (") + detail + ")";
  return text;
}

}  // namespace

CurlTransport::CurlTransport(CurlConfig config) : config_(std::move(config)) {
  ensure_curl_global_init();
  multi_ = curl_multi_init();
  if (config_.max_transfers == 0) config_.max_transfers = 1;
  // Keep every connection of the pool alive between bursts (the default cache is smaller
  // than the pool until enough handles exist).
  curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, static_cast<long>(config_.max_transfers));
}

CurlTransport::~CurlTransport() {
  for (auto& entry : active_) {
    curl_multi_remove_handle(multi_, entry.first);
    curl_easy_cleanup(entry.first);
  }
  for (CURL* easy : idle_async_) curl_easy_cleanup(easy);
  for (const SyncHandle& h : idle_sync_) {
    curl_easy_cleanup(h.easy);
    curl_multi_cleanup(h.multi);
  }
  curl_multi_cleanup(multi_);
}

// What never changes for a handle is set once, when it is created (curl_easy_reset and a
// full set of options per transfer was half of the scheduler's CPU per heartbeat).
CURL* CurlTransport::new_handle() const {
  CURL* easy = curl_easy_init();
  if (easy == nullptr) return nullptr;
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config_.connect_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_USERAGENT, "creditmeter-cpp/" CREDITMETER_VERSION_STRING);
  if (!config_.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, config_.ca_file.c_str());
  if (!config_.pinned_public_key.empty()) {
    curl_easy_setopt(easy, CURLOPT_PINNEDPUBLICKEY, config_.pinned_public_key.c_str());
  }
  if (!config_.proxy.empty()) curl_easy_setopt(easy, CURLOPT_PROXY, config_.proxy.c_str());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
  return easy;
}

// What changes with every transfer: all of it is set each time, so nothing of the previous
// transfer on this handle survives (method, body, headers, timeout, destinations).
void CurlTransport::configure(CURL* easy, Transfer& t) {
  curl_easy_setopt(easy, CURLOPT_URL, t.request.url.c_str());
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<long long>(1, t.request.timeout.count())));
  t.headers = curl_slist_append(t.headers, "Expect:");  // no 100-continue round trip
  if (t.request.method == "POST") {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, t.request.body.c_str());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(t.request.body.size()));
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
  } else {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);  // also clears POST and its fields
  }
  for (const auto& h : t.request.headers) t.headers = curl_slist_append(t.headers, h.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t.headers);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &t.response.body);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &t.headers_in);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t.error_buffer);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, &t);
}

// A request that died with a connection reused from the pool, before any byte of its answer,
// is sent again at once on a new connection, once: front servers close idle and old
// connections, and libcurl's own retry may pick another dead one from the pool. Only a
// second failure is the server's (and counted, and logged). Resending is harmless:
// heartbeats and releases carry an idempotency key, a token exchange names its session.
bool CurlTransport::retry_on_new_connection(CURL* easy, Transfer& t, CURLcode code) {
  if (t.retried || !connection_died(code)) return false;
  long new_connections = 0, header_bytes = 0;
  curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &new_connections);
  curl_easy_getinfo(easy, CURLINFO_HEADER_SIZE, &header_bytes);
  if (new_connections != 0 || header_bytes != 0 || t.headers_in.bytes != 0 || !t.response.body.empty()) return false;
  t.retried = true;
  t.response = HttpResponse{};
  t.headers_in = HeaderSink{&t.response};
  t.error_buffer[0] = '\0';
  curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, 1L);
  return true;
}

// The handle outlives the transfer: nothing it points to may dangle until the next one.
void CurlTransport::detach(CURL* easy) {
  curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, 0L);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, nullptr);  // the next transfer sets its method again
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, nullptr);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, nullptr);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, nullptr);
}

void CurlTransport::finish(Transfer& t, CURLcode code) {
  // The write callbacks fail only at their size caps (on_header says which).
  t.too_large = code == CURLE_WRITE_ERROR && !t.headers_in.too_large;
  if (code != CURLE_OK) {
    t.response.status = 0;
    t.response.body.clear();
    t.response.error = describe(code, t.error_buffer, t.too_large, t.headers_in.too_large);
    t.response.aborted = code == CURLE_ABORTED_BY_CALLBACK;
  }
}

void CurlTransport::submit(HttpRequest request, Completion done) {
  auto t = std::make_unique<Transfer>();
  t->request = std::move(request);
  t->done = std::move(done);
  queued_.push_back(std::move(t));
  start_queued();
}

// At most max_transfers at once: one connection each (HTTP/1.1, no pipelining), so a burst
// (10,000 releases at shutdown, a backlog after an outage) reuses a bounded pool instead of
// opening a connection per request, and a request waiting its turn is not yet timing out.
void CurlTransport::start_queued() {
  while (!queued_.empty() && active_.size() < config_.max_transfers) {
    std::unique_ptr<Transfer> t = std::move(queued_.front());
    queued_.pop_front();
    CURL* easy = nullptr;
    if (!idle_async_.empty()) {
      easy = idle_async_.back();
      idle_async_.pop_back();
    } else {
      easy = new_handle();
    }
    if (easy == nullptr) {
      t->response.error = "out of memory (curl_easy_init)";
      t->done(std::move(t->response));
      continue;
    }
    configure(easy, *t);
    const CURLMcode rc = curl_multi_add_handle(multi_, easy);
    if (rc != CURLM_OK) {
      t->response.error = std::string("cannot start the request: ") + curl_multi_strerror(rc);
      detach(easy);
      idle_async_.push_back(easy);
      t->done(std::move(t->response));
      continue;
    }
    active_.emplace(easy, std::move(t));
  }
  in_flight_.store(active_.size() + queued_.size());
}

void CurlTransport::poll(std::chrono::milliseconds max_wait, int wake_fd) {
  // Drive first, and wait only when nothing finished: a transfer can complete in this first
  // perform (an answer whose body arrived after its headers, in a second segment), and
  // waiting before running its completion would delay it by the whole wait.
  int running = 0;
  curl_multi_perform(multi_, &running);
  std::vector<std::unique_ptr<Transfer>> finished = collect_finished();
  // The whole wait the scheduler asks for (it sleeps until its next due time, or until its
  // wake timer fires): curl_multi_poll itself waits no longer than curl_multi_timeout()
  // wants for the transfers in flight (their timeouts, connection steps), so nothing of curl's
  // is late however long the wait given here.
  const int wait = static_cast<int>(std::clamp<long long>(max_wait.count(), 0, std::numeric_limits<int>::max()));
  if (finished.empty() && wait > 0) {
    curl_waitfd extra{};
    extra.fd = wake_fd;
    extra.events = CURL_WAIT_POLLIN;
    curl_multi_poll(multi_, wake_fd >= 0 ? &extra : nullptr, wake_fd >= 0 ? 1u : 0u, wait, nullptr);
    curl_multi_perform(multi_, &running);
    finished = collect_finished();
  }
  start_queued();  // before the completions: their new requests queue behind older ones
  for (auto& t : finished) t->done(std::move(t->response));
}

// Collect first, complete after (in poll): a completion may submit new transfers.
std::vector<std::unique_ptr<CurlTransport::Transfer>> CurlTransport::collect_finished() {
  std::vector<std::unique_ptr<Transfer>> finished;
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    const CURLcode code = msg->data.result;
    auto it = active_.find(easy);
    if (it == active_.end()) continue;
    if (retry_on_new_connection(easy, *it->second, code)) {
      curl_multi_remove_handle(multi_, easy);
      if (curl_multi_add_handle(multi_, easy) == CURLM_OK) continue;  // still active, on a new connection
    }
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    it->second->response.status = static_cast<int>(status);
    finish(*it->second, code);
    curl_multi_remove_handle(multi_, easy);
    detach(easy);
    idle_async_.push_back(easy);
    finished.push_back(std::move(it->second));
    active_.erase(it);
  }
  return finished;
}

void CurlTransport::wakeup() { curl_multi_wakeup(multi_); }

void CurlTransport::abort_all() {
  abort_sync_.store(true);
  {
    std::lock_guard<std::mutex> lock(sync_mutex_);
    for (CURLM* multi : busy_sync_) curl_multi_wakeup(multi);
  }
  std::vector<std::unique_ptr<Transfer>> aborted;
  for (auto& entry : active_) {
    curl_multi_remove_handle(multi_, entry.first);  // closes the transfer at once
    curl_easy_cleanup(entry.first);  // its half-used connection must not be reused
    entry.second->response = HttpResponse{};
    entry.second->response.error = "aborted (client shutting down)";
    entry.second->response.aborted = true;
    aborted.push_back(std::move(entry.second));
  }
  active_.clear();
  for (auto& t : queued_) {
    t->response.error = "aborted (client shutting down)";
    t->response.aborted = true;
    aborted.push_back(std::move(t));
  }
  queued_.clear();
  in_flight_.store(0);
  for (auto& t : aborted) t->done(std::move(t->response));
}

}  // namespace detail
}  // namespace creditmeter
