// mlpipe/core/detail/worker_pool.hpp: threads kept alive between runs, so a parallel run pays no thread
// start-up. The caller always works too; a pool busy with another run makes the caller use fresh threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mlpipe::detail {

class worker_pool {
 public:
  static worker_pool& shared() {
    static worker_pool pool;
    return pool;
  }

  worker_pool() = default;
  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;
  ~worker_pool() {
    {
      std::lock_guard lk(m_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
  }

  /// Calls job(0) on the calling thread and job(1..n-1) on other threads; returns when all have returned.
  /// job must not throw.
  void run(std::size_t n, const std::function<void(std::size_t)>& job) {
    if (n <= 1) {
      job(0);
      return;
    }
    std::unique_lock busy(run_mutex_, std::try_to_lock);
    if (!busy.owns_lock()) {  // nested or concurrent run: do not wait for the pool, use fresh threads
      std::vector<std::thread> extra;
      for (std::size_t i = 1; i < n; ++i) extra.emplace_back([&job, i] { job(i); });
      job(0);
      for (auto& t : extra) t.join();
      return;
    }
    {
      std::lock_guard lk(m_);
      while (threads_.size() < n - 1) {
        std::size_t index = threads_.size() + 1;
        threads_.emplace_back([this, index] { loop(index); });
      }
      job_ = &job;
      wanted_ = n - 1;
      running_ = n - 1;
      ++generation_;
    }
    wake_.notify_all();
    job(0);
    std::unique_lock lk(m_);
    done_.wait(lk, [&] { return running_ == 0; });
    job_ = nullptr;
  }

 private:
  void loop(std::size_t index) {
    std::size_t seen = 0;
    for (;;) {
      const std::function<void(std::size_t)>* job = nullptr;
      {
        std::unique_lock lk(m_);
        wake_.wait(lk, [&] { return stopping_ || (generation_ != seen && index <= wanted_); });
        if (stopping_) return;
        seen = generation_;
        job = job_;
      }
      (*job)(index);
      {
        std::lock_guard lk(m_);
        if (--running_ == 0) done_.notify_one();
      }
    }
  }

  std::mutex run_mutex_;
  std::mutex m_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> threads_;
  const std::function<void(std::size_t)>* job_ = nullptr;
  std::size_t wanted_ = 0, running_ = 0, generation_ = 0;
  bool stopping_ = false;
};

}  // namespace mlpipe::detail
