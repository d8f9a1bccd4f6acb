#include "json_file.h"

#include "io.h"
#include "json_reader.h"
#include "odonata/errors.h"

namespace odonata {

nlohmann::ordered_json ReadJsonFile(const std::string& path) {
  const std::string text = ReadFile(path);
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) throw Error(path + ": empty file, expected JSON");
  try {
    return nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::ordered_json::parse_error& e) {
    throw Error(path + ": " + json::DescribeParseError(text, e));
  } catch (const nlohmann::ordered_json::exception& e) {
    throw Error(path + ": invalid JSON: " + e.what());
  }
}

}  // namespace odonata
