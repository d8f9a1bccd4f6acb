#include "odonata/network.h"

#include "odonata/errors.h"

namespace odonata {

Counts Network::Totals() const {
  Counts total;
  for (const Layer& l : layers) {
    Counts c = l.counts;
    c.macs = CheckedMul(c.macs, l.repeat);
    c.flops = CheckedMul(c.flops, l.repeat);
    c.weight_elems = CheckedMul(c.weight_elems, l.repeat);
    c.input_elems = CheckedMul(c.input_elems, l.repeat);
    c.output_elems = CheckedMul(c.output_elems, l.repeat);
    total += c;  // params are stored once, whatever the repeat
  }
  return total;
}

}  // namespace odonata
