// Values of command-line options with units (`--max-latency 100ms`,
// `--resolutions 640x480`): text in, a number in the option's unit out. Not a
// public header: library callers pass numbers (ExploreSpec, PartitionOptions).
#pragma once

#include <string>

#include "odonata/explore.h"

namespace odonata {

// A number without a unit is in the option's unit (ms, mJ, USD). Negative,
// non-finite or malformed values throw Error (code kUsage) naming the text
// and the accepted forms.
double ParseDurationMs(const std::string& text);  // "100ms", "0.1s", "250us", "100"
double ParseEnergyMj(const std::string& text);    // "5mJ", "1J", "800uJ", "5"
double ParsePriceUsd(const std::string& text);    // "$100", "100", "100USD"

// Input resolution "WxH" (width first). Throws Error (kUsage) for anything but
// two positive integers joined by 'x'.
Resolution ParseResolution(const std::string& text);

// A finite number, the whole text ("70", "0.5e2"); Error (kUsage) "'x' is not a number".
double ParseFiniteNumber(const std::string& text);

}  // namespace odonata
