// The worker pool behind cpp-httplib (installed through Server::new_task_queue).
//
// cpp-httplib runs each connection on one worker for its whole keep-alive life, and its
// own pool has a fixed 8 threads, so a few hung requests or idle keep-alive connections
// would queue every other request, admin calls included. This pool starts `base` threads and
// adds one whenever a job arrives while none is idle (up to `max`), so hung fault requests
// never delay the admin API or other sessions. Threads are kept once made: the pool only
// grows to the peak number of simultaneous connections.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <httplib.h>

namespace creditmeter::emulator {

class ElasticPool : public httplib::TaskQueue {
 public:
  ElasticPool(std::size_t base, std::size_t max);
  ~ElasticPool() override;

  void enqueue(std::function<void()> job) override;
  void shutdown() override;

  std::size_t thread_count() const;

 private:
  void spawn_locked();
  void work();

  const std::size_t max_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  std::size_t idle_ = 0;
  bool shutting_down_ = false;
};

}  // namespace creditmeter::emulator
