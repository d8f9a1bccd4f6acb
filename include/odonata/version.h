// The library's version (src/version.cc), as profiles and reports record it.
#pragma once

namespace odonata {

// "0.1.0": the project version odonata was built as.
const char* Version();

}  // namespace odonata
