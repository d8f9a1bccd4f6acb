#include "io.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "odonata/errors.h"

namespace odonata {

void WriteFileAtomic(const std::string& path, const std::string& bytes) {
  // Name what is wrong with the destination before a temporary file exists:
  // otherwise the error would be about "<path>.tmp.<pid>".
  std::error_code ec;
  const std::filesystem::path dest(path);
  if (std::filesystem::is_directory(dest, ec)) throw Error("cannot write '" + path + "': it is a directory");
  const std::filesystem::path folder = dest.parent_path();
  if (!folder.empty() && !std::filesystem::is_directory(folder, ec)) {
    throw Error("cannot write '" + path + "': " +
                (std::filesystem::exists(folder, ec) ? "'" + folder.string() + "' is not a folder"
                                                     : "folder '" + folder.string() + "' does not exist"));
  }
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  try {
    std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
    if (!file) throw Error("cannot write '" + path + "': " + std::strerror(errno));
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    file.close();
    if (!file) throw Error("cannot write '" + path + "': " + std::strerror(errno));
    std::filesystem::rename(tmp, path, ec);
    if (ec) throw Error("cannot write '" + path + "': " + ec.message());
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw;
  }
}

std::string ReadFile(const std::string& path) {
  if (path == "-") {
    std::ostringstream text;
    text << std::cin.rdbuf();
    if (std::cin.bad()) throw Error("stdin: cannot read");
    return text.str();
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw Error(path + ": cannot open: is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open: no such file or not readable");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Error(path + ": cannot read");
  return text.str();
}

}  // namespace odonata
