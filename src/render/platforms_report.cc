// `odonata platforms`: the profiles on the search path, as a table, JSON or CSV.
#include <algorithm>
#include <filesystem>
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
  const std::vector<PlatformDir>& search_order;

  // The origin of the search directory `p` was loaded from ("" for a file
  // named by path).
  std::string From(const Platform& p) const {
    const std::filesystem::path dir = std::filesystem::path(p.path).parent_path().lexically_normal();
    for (const PlatformDir& d : search_order) {
      if (d.exists && std::filesystem::path(d.path).lexically_normal() == dir) return d.origin;
    }
    return "";
  }
};

void ListTable(const PlatformList& list, std::ostream& out) {
  using report::Align;
  using report::Elide;
  const std::vector<report::Column> columns = {
      {"name", Align::kLeft},
      {"from", Align::kLeft},
      {"default", Align::kLeft},
      {"precisions", Align::kLeft},
      {"description", Align::kLeft, Elide::kEnd, 20},
      {"path", Align::kLeft, Elide::kMiddle, 20},
      {"modes", Align::kLeft},
  };
  std::vector<std::vector<std::string>> cells;
  for (const Platform& p : list.platforms) {
    cells.push_back({p.name, list.From(p), PrecisionName(p.default_precision), report::Join(PrecisionNames(p), ","),
                     p.description, p.path, report::Join(ModeNames(p), ",")});
  }
  report::WriteTable(columns, cells, 160, out);
  // Where a name is looked up, so that a user knows where to put a profile.
  out << "\nsearch order (the first profile of a name wins):\n";
  std::size_t width = 0;
  for (const PlatformDir& d : list.search_order) width = std::max(width, d.path.size());
  for (std::size_t i = 0; i < list.search_order.size(); ++i) {
    const PlatformDir& d = list.search_order[i];
    out << "  " << i + 1 << ". " << d.path << std::string(width - d.path.size() + 2, ' ') << d.origin
        << (d.exists ? "" : " (does not exist)") << '\n';
  }
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
                           {"from", list.From(p)},
                           {"modes", std::move(modes)}});
  }
  Json search_path = Json::array();
  Json search_order = Json::array();
  for (const PlatformDir& d : list.search_order) {
    if (d.exists) search_path.push_back(d.path);
    search_order.push_back(Json{{"path", d.path}, {"origin", d.origin}, {"exists", d.exists}});
  }
  Json j;
  j["schema_version"] = report::kJsonSchemaVersion;
  j["search_path"] = std::move(search_path);
  j["search_order"] = std::move(search_order);
  j["platforms"] = std::move(entries);
  out << j.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

void ListCsv(const PlatformList& list, std::ostream& out) {
  report::WriteCsvRecord({"name", "default_precision", "precisions", "description", "path", "modes", "from"}, out);
  for (const Platform& p : list.platforms) {
    report::WriteCsvRecord({p.name, PrecisionName(p.default_precision), report::Join(PrecisionNames(p), ";"),
                            p.description, p.path, report::Join(ModeNames(p), ";"), list.From(p)},
                           out);
  }
}

}  // namespace

void RenderPlatforms(const std::vector<Platform>& platforms, const std::vector<PlatformDir>& search_order,
                     Format format, std::ostream& out) {
  static constexpr report::Renderers<PlatformList, 4> kRenderers{"platforms", {ListTable, ListJson, ListCsv, nullptr}};
  report::Dispatch(kRenderers, PlatformList{platforms, search_order}, format, out);
}

}  // namespace odonata
