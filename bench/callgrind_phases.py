#!/usr/bin/python3
"""Where the instructions of one odonata run go, by phase (issue 13: the whole
`odonata estimate` process under 15 ms on 2 cores). Runs the command once
under callgrind (exact instruction counts, independent of the machine's load)
and prints the inclusive count of the whole process, of what runs before
`main` (the dynamic loader and the libraries' initialisers), of `main`, and of
the phases of the estimate: the model, the profile, the estimate and the table,
with the parts of each that earlier rounds looked at. A benchmark, not a test;
needs valgrind. Odonata must be a Release build with symbols for the function
names (the default build has them).

Usage: bench/callgrind_phases.py [path/to/odonata] [-- ARGS...]
       (default ARGS: estimate models/resnet50.onnx --platform jetson-nano)
"""
import os
import re
import subprocess
import sys
import tempfile

from bench_args import split_args

# (label, a substring of the function's name as callgrind_annotate prints it);
# indented labels are parts of the phase above them.
PHASES = [
    ("main", "???:main "),
    ("model (LoadOnnx)", "odonata::LoadOnnx("),
    ("  protobuf parse (ParseFile)", "(anonymous namespace)::ParseFile("),
    ("  node checks (VerifyNodes)", "Importer::VerifyNodes("),
    ("  shape inference (InferShapes)", "Importer::InferShapes()"),
    ("    of which ONNX's", "onnx::shape_inference::InferShapes("),
    ("    of which odonata's own (InferShapesOwn)", "odonata::onnx_import::InferShapesOwn("),
    ("  folding pass (FoldPass)", "Importer::FoldPass()"),
    ("  graph checks (CheckGraph)", "Importer::CheckGraph()"),
    ("  layers (AddLayers)", "Importer::AddLayers("),
    ("  importer teardown", "Importer::~Importer()"),
    ("profile (LoadPlatform)", "odonata::LoadPlatform(std::__cxx11::basic_string<char, std::char_traits<char>, "
     "std::allocator<char> > const&, std::vector<"),
    ("  JSON parse (ParseStrict)", "odonata::json::ParseStrict("),
    ("  checking and converting (ParseDocument)", "(anonymous namespace)::ParseDocument("),
    ("estimate (EstimateNetwork)", "odonata::EstimateNetwork("),
    ("table (Render)", "odonata::Render(odonata::Report const&, odonata::Format, std::ostream&, "
     "odonata::RenderOptions const&)"),
    ("operator new, all callers", "???:operator new(unsigned long) ["),
]


def main(argv):
    head, args = split_args(argv)
    if len(head) > 1:
        sys.exit(__doc__.strip().splitlines()[-2].strip())
    odonata = head[0] if head else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "odonata")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        run = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, odonata] + args,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        total = re.search(r"Collected : (\d+)", run.stderr)
        if not total:
            sys.exit("callgrind failed:\n" + run.stderr)
        annotated = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", out],
                                   capture_output=True, text=True, check=True).stdout
    costs = []
    for line in annotated.splitlines():
        m = re.match(r"^\s*([\d,]+) \([^)]*\)\s+(.*)$", line)
        if m:
            costs.append((int(m.group(1).replace(",", "")), m.group(2)))

    def cost(key):
        return max((c for c, name in costs if key in name), default=0)

    whole = int(total.group(1))
    in_main = cost(PHASES[0][1])
    print(f"{'whole process':44s} {whole / 1e6:8.2f} M")
    print(f"{'before main (loader, initialisers)':44s} {(whole - in_main) / 1e6:8.2f} M")
    for label, key in PHASES:
        print(f"{label:44s} {cost(key) / 1e6:8.2f} M")
    print(f"(exit code {run.returncode}; {' '.join(args)})")


if __name__ == "__main__":
    main(sys.argv[1:])
