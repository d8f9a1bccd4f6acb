// File output that never leaves a half-written file behind.
#pragma once

#include <string>

namespace odonata {

// Write `bytes` to `path` through "<path>.tmp.<pid>" renamed into place, so
// that `path` is either complete or untouched. On failure the temporary file
// is removed and Error names `path` and the cause.
void WriteFileAtomic(const std::string& path, const std::string& bytes);

}  // namespace odonata
