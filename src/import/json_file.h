// Opening a runtime report or a graph as JSON, for the importers (internal to
// src/import/): one way to open and parse, one set of error messages.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace odonata {

// The JSON document in `path`, objects in file order. Throws Error
// "<path>: cannot open: ...", "<path>: empty file, expected JSON" or
// "<path>: invalid JSON at line L, column C: <the parser's explanation>".
nlohmann::ordered_json ReadJsonFile(const std::string& path);

}  // namespace odonata
