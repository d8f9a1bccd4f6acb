#include "json_file.h"

#include <fstream>

#include "odonata/errors.h"

namespace odonata {

nlohmann::ordered_json ReadJsonFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open");
  nlohmann::ordered_json document;
  try {
    in >> document;
  } catch (const nlohmann::ordered_json::exception& e) {
    throw Error(path + ": not valid JSON: " + e.what());
  }
  return document;
}

}  // namespace odonata
