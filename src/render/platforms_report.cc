// `odonata platforms`: the profiles on the search path, as a table, JSON or CSV.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "format.h"
#include "odonata/render.h"

namespace odonata {
namespace {

using Json = nlohmann::ordered_json;

std::vector<std::string> PrecisionNames(const Platform& p) {
  std::vector<std::string> names;
  for (const auto& [precision, spec] : p.precisions) names.push_back(PrecisionName(precision));
  return names;
}

std::vector<std::string> ModeNames(const Platform& p) {
  std::vector<std::string> names;
  for (const auto& [name, mode] : p.modes) names.push_back(name);
  return names;
}

// What RenderPlatforms renders.
struct PlatformList {
  const std::vector<Platform>& platforms;
  const std::vector<std::string>& search_path;
};

void ListTable(const PlatformList& list, std::ostream& out) {
  using report::Align;
  using report::Elide;
  const std::vector<report::Column> columns = {
      {"name", Align::kLeft},
      {"default", Align::kLeft},
      {"precisions", Align::kLeft},
      {"description", Align::kLeft, Elide::kEnd, 20},
      {"path", Align::kLeft, Elide::kMiddle, 20},
      {"modes", Align::kLeft},
  };
  std::vector<std::vector<std::string>> cells;
  for (const Platform& p : list.platforms) {
    cells.push_back({p.name, PrecisionName(p.default_precision), report::Join(PrecisionNames(p), ","), p.description,
                     p.path, report::Join(ModeNames(p), ",")});
  }
  report::WriteTable(columns, cells, 160, out);
}

void ListJson(const PlatformList& list, std::ostream& out) {
  Json entries = Json::array();
  for (const Platform& p : list.platforms) {
    Json modes = Json::array();
    for (const auto& [name, m] : p.modes) modes.push_back(Json{{"name", name}, {"description", m.description}});
    entries.push_back(Json{{"name", p.name},
                           {"description", p.description},
                           {"precisions", PrecisionNames(p)},
                           {"default_precision", PrecisionName(p.default_precision)},
                           {"path", p.path},
                           {"modes", std::move(modes)}});
  }
  Json j;
  j["schema_version"] = report::kJsonSchemaVersion;
  j["search_path"] = list.search_path;
  j["platforms"] = std::move(entries);
  out << j.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

void ListCsv(const PlatformList& list, std::ostream& out) {
  report::WriteCsvRecord({"name", "default_precision", "precisions", "description", "path", "modes"}, out);
  for (const Platform& p : list.platforms) {
    report::WriteCsvRecord({p.name, PrecisionName(p.default_precision), report::Join(PrecisionNames(p), ";"),
                            p.description, p.path, report::Join(ModeNames(p), ";")},
                           out);
  }
}

}  // namespace

void RenderPlatforms(const std::vector<Platform>& platforms, const std::vector<std::string>& search_path, Format format,
                     std::ostream& out) {
  static constexpr report::Renderers<PlatformList, 4> kRenderers{"platforms", {ListTable, ListJson, ListCsv, nullptr}};
  report::Dispatch(kRenderers, PlatformList{platforms, search_path}, format, out);
}

}  // namespace odonata
