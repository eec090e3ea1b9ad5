// Per-addon-instance state: the oneDNN engine and stream, and the primitives cached by shape.
// Each Node.js environment (the main thread, every worker thread) gets its own Context through
// the addon's instance data, so nothing here is shared between threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include <oneapi/dnnl/dnnl.hpp>

namespace advlab {

/** A kernel failure that names the kernel and the shapes; the binding turns it into a JS Error. */
class KernelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/** Something a kernel caches per shape (a primitive with its memory objects). */
struct CachedPrimitive {
  virtual ~CachedPrimitive() = default;
};

class Context {
 public:
  Context();

  dnnl::engine& engine() { return engine_; }
  dnnl::stream& stream() { return stream_; }

  /**
   * The entry cached under `key`, created by `make` on first use. Keys name the kernel and
   * every shape and attribute the primitive depends on.
   */
  template <typename T>
  T& cached(const std::string& key, const std::function<std::unique_ptr<T>()>& make) {
    auto it = cache_.find(key);
    if (it == cache_.end()) it = cache_.emplace(key, make()).first;
    return static_cast<T&>(*it->second);
  }

  std::size_t cacheSize() const { return cache_.size(); }
  void clearCache() { cache_.clear(); }

  /** OpenMP threads the kernels use. */
  int threads() const { return threads_; }
  void setThreads(int n);

 private:
  dnnl::engine engine_;
  dnnl::stream stream_;
  std::unordered_map<std::string, std::unique_ptr<CachedPrimitive>> cache_;
  int threads_;
};

/**
 * Work below which a kernel runs on one thread: waking the other OpenMP threads costs more than
 * it saves on small tensors, and much more on a loaded machine, where every parallel region
 * waits for its slowest thread to be scheduled.
 */
constexpr int64_t kParallelMinElements = 1 << 16;
constexpr double kParallelMinFlops = 2e7;

/** Runs a scope with `n` OpenMP threads, then restores the context's count. */
class ThreadScope {
 public:
  ThreadScope(Context& ctx, int n);
  ~ThreadScope();
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  Context& ctx_;
  bool changed_;
};

/** Builds "Kernel: what went wrong (x [1,2,3], filter [...])" messages. */
std::string shapeString(std::initializer_list<int64_t> dims);

}  // namespace advlab
