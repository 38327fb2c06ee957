#include "elastic_pool.hpp"

#include <algorithm>

namespace creditmeter::emulator {

ElasticPool::ElasticPool(std::size_t base, std::size_t max) : max_(std::max<std::size_t>({max, base, 1})) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (std::size_t i = 0; i < std::max<std::size_t>(base, 1); ++i) spawn_locked();
}

ElasticPool::~ElasticPool() { shutdown(); }

void ElasticPool::spawn_locked() { threads_.emplace_back([this] { work(); }); }

void ElasticPool::enqueue(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.push_back(std::move(job));
    // More queued jobs than idle workers: none would start at once, so add a worker.
    if (!shutting_down_ && jobs_.size() > idle_ && threads_.size() < max_) spawn_locked();
  }
  ready_.notify_one();
}

void ElasticPool::shutdown() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    shutting_down_ = true;
    threads.swap(threads_);
  }
  ready_.notify_all();
  for (auto& thread : threads) thread.join();
}

std::size_t ElasticPool::thread_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return threads_.size();
}

void ElasticPool::work() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ++idle_;
      ready_.wait(lock, [&] { return !jobs_.empty() || shutting_down_; });
      --idle_;
      if (jobs_.empty()) return;  // shutting down with nothing left to do
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

}  // namespace creditmeter::emulator
