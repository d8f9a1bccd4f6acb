#include "odonata/version.h"

#ifndef ODONATA_VERSION
#define ODONATA_VERSION "unknown"
#endif

namespace odonata {

const char* Version() { return ODONATA_VERSION; }

}  // namespace odonata
