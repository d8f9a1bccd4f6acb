// The command's heap on transparent huge pages (issue 13: the whole-process
// `odonata estimate` under 15 ms). On the project's 2-core KVM guest a page
// fault costs about 10 us (a program touching 1,000 fresh pages took 12.7 ms
// more than one touching none, load 14), and an `estimate` of ResNet-50 took
// 660 of them, 387 of them glibc's heap touching its pages one at a time
// (perf record -e page-faults). Before any library's static initialiser runs
// (.preinit_array), this moves the program break to just below a 2 MiB
// boundary, makes glibc's heap extensions 32 MiB (M_TOP_PAD) and asks for huge
// pages on the first (MADV_HUGEPAGE; this machine's THP mode is `madvise`):
// each 2 MiB of heap then costs one fault instead of 512. Only virtual space
// is reserved; the resident set grows by at most the unused part of the huge
// pages touched (ResNet-50 on jetson-nano: 12.0 MB peak, was 11.9). Where THP
// is off or no huge page is free, the kernel maps small pages as before. The
// executable only: not the library, the Python module or a sanitizer build
// (their allocators are not glibc's heap). See docs/performance.md.
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

#if defined(__SANITIZE_ADDRESS__)
#define ODONATA_HUGE_HEAP 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ODONATA_HUGE_HEAP 0
#endif
#endif
#if !defined(ODONATA_HUGE_HEAP) && defined(__GLIBC__) && (defined(__x86_64__) || defined(__aarch64__))
#define ODONATA_HUGE_HEAP 1
#endif

#if defined(ODONATA_HUGE_HEAP) && ODONATA_HUGE_HEAP

constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;  // a PMD-sized page with 4 KiB base pages
constexpr std::uintptr_t kSmallPage = 4096;
constexpr std::size_t kFirstExtension = std::size_t{32} << 20;
constexpr int kDefaultTopPad = 128 * 1024;  // glibc's DEFAULT_TOP_PAD

// ODONATA_NO_HUGE_HEAP (set to anything) turns it off, to compare. getenv()
// cannot be used yet: libc sets `environ` after .preinit_array has run.
bool TurnedOff(char** env) {
  constexpr std::string_view kOff = "ODONATA_NO_HUGE_HEAP=";
  for (char** e = env; e != nullptr && *e != nullptr; ++e) {
    if (std::string_view(*e).substr(0, kOff.size()) == kOff) return true;
  }
  return false;
}

void HugeHeap(int, char**, char** env) {
  if (sysconf(_SC_PAGESIZE) != static_cast<long>(kSmallPage) || TurnedOff(env)) return;
  void* brk = sbrk(0);
  if (brk == reinterpret_cast<void*>(-1)) return;
  const auto now = reinterpret_cast<std::uintptr_t>(brk);
  // The heap is made to start one small page below a 2 MiB boundary: glibc's
  // first extension writes its top chunk's header there, so nothing in the
  // huge-page range is touched before the madvise (a touched 2 MiB range gets
  // a page table and stays on small pages). glibc's malloc accepts a break
  // moved by someone else (a "foreign sbrk"); the gap is never touched.
  const std::uintptr_t base = ((now + kSmallPage + kHugePage - 1) & ~(kHugePage - 1)) - kSmallPage;
  if (base != now && sbrk(static_cast<intptr_t>(base - now)) == reinterpret_cast<void*>(-1)) return;
  if (mallopt(M_TOP_PAD, static_cast<int>(kFirstExtension)) == 0) return;
  void* first = std::malloc(1);  // extends the heap by M_TOP_PAD from `base`
  const std::uintptr_t start = base + kSmallPage;
  const auto end = reinterpret_cast<std::uintptr_t>(sbrk(0)) & ~(kHugePage - 1);
  if (first != nullptr && end > start) {
    madvise(reinterpret_cast<void*>(start), end - start, MADV_HUGEPAGE);
  } else {
    mallopt(M_TOP_PAD, kDefaultTopPad);  // the break could not move (RLIMIT_DATA?): glibc's default again
  }
  std::free(first);
}

// Functions in .preinit_array run before the shared libraries' initialisers
// (protobuf registering its descriptors allocates from the heap there).
__attribute__((section(".preinit_array"), used)) void (*const kHugeHeap)(int, char**, char**) = HugeHeap;

#endif

}  // namespace
