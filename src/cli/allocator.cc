// The odonata command's operator new and delete: blocks of up to 1 KiB come
// from pages of one size class each, in a region reserved at the first
// allocation, and go back to their class's free list; larger ones, and all
// when the region cannot be had or is full, are malloc's. Only the command
// uses it (not the library, not the Python module), and only where no
// sanitizer replaces the allocator.
//
// Why (issue 13): a whole `odonata estimate` of ResNet-50 makes about 67,000
// small allocations (protobuf messages, ONNX's shape inference, strings);
// glibc's malloc and free spent 14 M of its 42 M instructions on them
// (callgrind). Here one costs a few dozen. Freed blocks are reused by their
// class; the region's pages are never returned to the system (the command
// ends soon after; memory stays bounded by the peak of each class).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ODONATA_OWN_ALLOCATOR 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define ODONATA_OWN_ALLOCATOR 0
#endif
#endif
#ifndef ODONATA_OWN_ALLOCATOR
#define ODONATA_OWN_ALLOCATOR 1
#endif

#if ODONATA_OWN_ALLOCATOR
#include <sys/mman.h>
#include <sys/single_threaded.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>

namespace {

constexpr std::size_t kGranule = 16;  // __STDCPP_DEFAULT_NEW_ALIGNMENT__ on x86-64 and aarch64
constexpr std::size_t kMaxSmall = 1024;
constexpr std::size_t kClasses = kMaxSmall / kGranule;  // class c: blocks of c * 16 bytes, c in 1..64
constexpr std::size_t kPageShift = 16;                  // 64 KiB pages, each of one class
constexpr std::size_t kPage = std::size_t{1} << kPageShift;
constexpr std::size_t kRegion = std::size_t{1} << 30;  // 1 GiB of addresses, pages committed when touched
static_assert(__STDCPP_DEFAULT_NEW_ALIGNMENT__ <= kGranule);

struct FreeBlock {
  FreeBlock* next;
};

class Pool {
 public:
  // A block of at least n bytes, or nullptr (too large, no region, full).
  void* Allocate(std::size_t n) {
    if (n > kMaxSmall) return nullptr;
    const std::size_t c = n == 0 ? 1 : (n + kGranule - 1) / kGranule;
    if (__libc_single_threaded) return AllocateLocked(c);
    std::lock_guard<std::mutex> lock(mutex_);
    return AllocateLocked(c);
  }

  // Whether p is a block of the region (malloc never returns one: reserved).
  bool Owns(const void* p) const {
    const char* base = base_.load(std::memory_order_acquire);
    return base != nullptr && static_cast<const char*>(p) >= base && static_cast<const char*>(p) < base + kRegion;
  }

  void Free(void* p) {
    if (__libc_single_threaded) return FreeLocked(p);
    std::lock_guard<std::mutex> lock(mutex_);
    FreeLocked(p);
  }

 private:
  void* AllocateLocked(std::size_t c) {
    if (FreeBlock* b = free_[c]) {
      free_[c] = b->next;
      return b;
    }
    const std::size_t size = c * kGranule;
    if (static_cast<std::size_t>(end_[c] - next_[c]) < size) {
      if (!NewPage(c)) return nullptr;
    }
    void* p = next_[c];
    next_[c] += size;
    return p;
  }

  bool NewPage(std::size_t c) {
    char* base = base_.load(std::memory_order_relaxed);
    if (base == nullptr) {
      if (failed_) return false;
      void* region = mmap(nullptr, kRegion, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (region == MAP_FAILED) {
        failed_ = true;
        return false;
      }
      base = static_cast<char*>(region);
      top_ = base;
      base_.store(base, std::memory_order_release);
    }
    if (top_ == base + kRegion) return false;  // full: malloc from here on
    page_class_[(top_ - base) >> kPageShift] = static_cast<std::uint8_t>(c);
    next_[c] = top_;
    end_[c] = top_ + kPage;
    top_ += kPage;
    return true;
  }

  void FreeLocked(void* p) {
    const char* base = base_.load(std::memory_order_relaxed);
    const std::size_t c = page_class_[(static_cast<char*>(p) - base) >> kPageShift];
    auto* b = static_cast<FreeBlock*>(p);
    b->next = free_[c];
    free_[c] = b;
  }

  std::mutex mutex_;
  std::atomic<char*> base_{nullptr};
  bool failed_ = false;
  char* top_ = nullptr;  // the first page not yet given to a class
  FreeBlock* free_[kClasses + 1] = {};
  char* next_[kClasses + 1] = {};  // the current page of each class: next free byte, end
  char* end_[kClasses + 1] = {};
  std::uint8_t page_class_[kRegion >> kPageShift] = {};
};

// Constant-initialized (no constructor runs): usable by the first allocation
// of the first static initializer of any library.
constinit Pool pool;

void* Allocate(std::size_t n) {
  if (void* p = pool.Allocate(n)) return p;
  for (;;) {
    if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
    std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) throw std::bad_alloc();
    handler();
  }
}

void Release(void* p) noexcept {
  if (p == nullptr) return;
  if (pool.Owns(p)) {
    pool.Free(p);
  } else {
    std::free(p);
  }
}

}  // namespace

void* operator new(std::size_t n) { return Allocate(n); }
void* operator new[](std::size_t n) { return Allocate(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return Allocate(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return Allocate(n);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept { Release(p); }
void operator delete[](void* p) noexcept { Release(p); }
void operator delete(void* p, std::size_t) noexcept { Release(p); }
void operator delete[](void* p, std::size_t) noexcept { Release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { Release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { Release(p); }
// The align_val_t forms stay libstdc++'s (aligned_alloc and free).

#endif  // ODONATA_OWN_ALLOCATOR
