// What every kernel shares, without oneDNN's headers (only the convolution kernels and the
// binding include context.h, which brings them in): the error type and the threading cut-off.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>

namespace advlab {

/** A kernel failure that names the kernel and the shapes; the binding turns it into a JS Error. */
class KernelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/**
 * Work below which a kernel runs on one thread: waking the other OpenMP threads costs more than
 * it saves on small tensors, and much more on a loaded machine, where every parallel region
 * waits for its slowest thread to be scheduled.
 */
constexpr int64_t kParallelMinElements = 1 << 16;
constexpr double kParallelMinFlops = 2e7;

/** Builds "Kernel: what went wrong (x [1,2,3], filter [...])" messages. */
std::string shapeString(std::initializer_list<int64_t> dims);

}  // namespace advlab
