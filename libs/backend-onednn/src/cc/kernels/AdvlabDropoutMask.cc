// AdvlabDropoutMask: the inverted-dropout mask of libs/model's dropoutMask, bit for bit. Image
// i draws from its own sfc32 generator seeded by (seed, imageIds[i], layer), the same
// generator and seeding as libs/model's Rng, so masks match on every backend.
#include "../kernels.h"

namespace advlab {
namespace {

/** libs/model's Rng (sfc32 seeded through a murmur-style mix), 32-bit arithmetic. */
class Sfc32 {
 public:
  Sfc32(std::initializer_list<uint32_t> seeds) {
    uint32_t h = 0x9e3779b9u;
    auto mix = [&h]() {
      h = (h ^ (h >> 16)) * 0x85ebca6bu;
      h = (h ^ (h >> 13)) * 0xc2b2ae35u;
      h ^= h >> 16;
      return h;
    };
    for (uint32_t s : seeds) {
      h = h + (s ^ 0x5bd1e995u) * 0x27d4eb2fu;
      mix();
    }
    a_ = mix();
    b_ = mix();
    c_ = mix();
    d_ = mix() | 1u;
    for (int i = 0; i < 12; i++) next();
  }

  uint32_t next() {
    const uint32_t t = a_ + b_ + d_;
    d_ += 1;
    a_ = b_ ^ (b_ >> 9);
    b_ = c_ + (c_ << 3);
    c_ = (c_ << 21) | (c_ >> 11);
    c_ += t;
    return t;
  }

 private:
  uint32_t a_, b_, c_, d_;
};

}  // namespace

void AdvlabDropoutMask(int64_t n, int64_t perImage, const int32_t* imageIds, uint32_t seed, uint32_t layer,
                       uint32_t threshold, float keep, float* mask) {
#pragma omp parallel for schedule(static) if (n * perImage > kParallelMinElements)
  for (int64_t i = 0; i < n; i++) {
    Sfc32 rng{seed, static_cast<uint32_t>(imageIds[i]), layer};
    float* m = mask + i * perImage;
    for (int64_t j = 0; j < perImage; j++) m[j] = rng.next() < threshold ? 0.f : keep;
  }
}

}  // namespace advlab
