"""The command line the bench/ scripts share: their own arguments, then `-- ARGS...` for odonata
(default: estimate models/resnet50.onnx --platform jetson-nano, the issue 13 benchmark)."""

DEFAULT_ARGS = ["estimate", "models/resnet50.onnx", "--platform", "jetson-nano"]


def split_args(argv):
    """(the script's own arguments, odonata's arguments)."""
    if "--" in argv:
        split = argv.index("--")
        return argv[:split], argv[split + 1:]
    return argv, list(DEFAULT_ARGS)
