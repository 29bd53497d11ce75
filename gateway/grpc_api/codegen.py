"""Generates gateway/grpc_api/generated from proto/ (``make generate``); the drift test runs it into a temp dir.

protoc writes ``from umanize.targets.v1 import targets_pb2`` into the gRPC module, which would need the proto
root on ``sys.path``; the one rewrite here makes that import package-relative, as protoletariat does.
"""

from __future__ import annotations

import sys
import tempfile
from importlib import resources
from pathlib import Path

from grpc_tools import protoc

PROTO_ROOT = Path(__file__).resolve().parents[2] / "proto"
OUTPUT_DIR = Path(__file__).resolve().parent / "generated"
PROTO_PACKAGE_IMPORT = "from umanize.targets.v1 import "


def generate(output_dir: Path = OUTPUT_DIR) -> list[Path]:
    """Run protoc over every .proto under proto/ and write the Python modules; returns the files written."""
    protos = sorted(PROTO_ROOT.rglob("*.proto"))
    well_known = resources.files("grpc_tools").joinpath("_proto")
    written = []
    with tempfile.TemporaryDirectory() as scratch:
        status = protoc.main([
            "grpc_tools.protoc", f"-I{PROTO_ROOT}", f"-I{well_known}",
            f"--python_out={scratch}", f"--pyi_out={scratch}", f"--grpc_python_out={scratch}",
            *map(str, protos),
        ])
        if status != 0:
            raise RuntimeError(f"protoc failed with status {status}")
        for produced in sorted(Path(scratch).rglob("*.py*")):
            text = produced.read_text(encoding="utf-8").replace(PROTO_PACKAGE_IMPORT, "from . import ")
            target = output_dir / produced.name
            target.write_text(text, encoding="utf-8")
            written.append(target)
    return written


if __name__ == "__main__":
    for path in generate(Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT_DIR):
        print(path)
