// Whole-file input and output for odonata's own text files, with errors that
// name the file; output never leaves a half-written file behind.
#pragma once

#include <string>

namespace odonata {

// Write `bytes` to `path` through "<path>.tmp.<pid>" renamed into place, so
// that `path` is either complete or untouched. On failure the temporary file
// is removed and Error names `path` and the cause: "cannot write 'out/r.json':
// folder 'out' does not exist" (the temporary file is never named).
void WriteFileAtomic(const std::string& path, const std::string& bytes);

// The whole content of `path`; "-" is standard input. Error "<path>: cannot
// open: is a directory", "... no such file or not readable" or "<path>: cannot read".
std::string ReadFile(const std::string& path);

}  // namespace odonata
