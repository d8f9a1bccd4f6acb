// A fused activation's per-element cost from chains timed whole (`odonata fit --activation-chains`,
// tools/ort/act_chains.py; docs/host-platform.md "The fused HardSwish in chains").
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "odonata/errors.h"
#include "odonata/fit.h"
#include "fit_util.h"
#include "text.h"

namespace odonata {

std::vector<ActivationChainFit> FitActivationChains(std::string_view csv_text, const std::string& origin) {
  text::CsvReader reader(csv_text, origin);
  text::CsvRecord header;
  if (!reader.Next(&header)) throw Error(origin + ": empty file (expected tools/ort/act_chains.py join output)");
  const std::string expected =
      "tools/ort/act_chains.py join output: activation, layers, elements, act_warm_ms, plain_warm_ms";
  const std::size_t act = fit::RequireColumn(header, origin, "activation", expected),
                    layers = fit::RequireColumn(header, origin, "layers", expected),
                    elems = fit::RequireColumn(header, origin, "elements", expected),
                    act_ms = fit::RequireColumn(header, origin, "act_warm_ms", expected),
                    plain_ms = fit::RequireColumn(header, origin, "plain_warm_ms", expected);
  std::map<FusedActivation, ActivationChainFit> fits;
  text::CsvRecord r;
  while (reader.Next(&r)) {
    const std::string where = origin + ":" + std::to_string(r.line);
    fit::RequireFieldCount(r, header.fields.size(), where);
    FusedActivation a = FusedActivation::kNone;
    if (!ParseFusedActivation(r.fields[act], &a)) {
      throw Error(where + ": column activation: unknown activation '" + r.fields[act] +
                  "' (Relu, Clip, Sigmoid, HardSigmoid, HardSwish)");
    }
    const double n = fit::PositiveField(r.fields[layers], where, "layers");
    const double e = fit::PositiveField(r.fields[elems], where, "elements");
    const double t_act = fit::PositiveField(r.fields[act_ms], where, "act_warm_ms");
    const double t_plain = fit::PositiveField(r.fields[plain_ms], where, "plain_warm_ms");
    ActivationChainFit& f = fits[a];
    f.activation = a;
    // ns per element: the chain's extra time per activated layer over that layer's output elements.
    f.ratios_ns.push_back((t_act - t_plain) / n * 1e6 / e);
  }
  if (fits.empty()) throw Error(origin + ": no chain rows");
  std::vector<ActivationChainFit> out;
  for (auto& [a, f] : fits) {
    f.chains = f.ratios_ns.size();
    f.ns = std::max(0.0, fit::Median(f.ratios_ns));  // negative: noise, the activation costs nothing
    f.p10 = fit::Quantile(f.ratios_ns, 0.1);
    f.p90 = fit::Quantile(f.ratios_ns, 0.9);
    f.adopted = f.chains >= kActivationChainMinRows;
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace odonata
