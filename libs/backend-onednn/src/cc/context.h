// Per-addon-instance state: the oneDNN engine and stream, and the primitives cached by shape.
// Each Node.js environment (the main thread, every worker thread) gets its own Context through
// the addon's instance data, so nothing here is shared between threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include <oneapi/dnnl/dnnl.hpp>

#include "common.h"

namespace advlab {

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

}  // namespace advlab
