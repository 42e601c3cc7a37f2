"""Build ``parley_<version>_<arch>.deb`` from the one-file binary: ``python -m desktop.packaging.build_deb
dist/parley dist/``. Needs dpkg-deb (Debian's dpkg package, always present on Debian).

The binary loads GTK/WebKitGTK from the system (build.spec, SYSTEM_GTK), so the package Depends on
them instead of carrying them.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from backend import __version__

HERE = Path(__file__).resolve().parent
# dpkg's names for the machines we may build on.
DEB_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "armhf"}


def build(binary: Path, out_dir: Path, version: str = __version__) -> Path:
    """Lay out the package tree in a temp dir and run dpkg-deb; return the .deb's path."""
    arch = DEB_ARCH.get(platform.machine(), platform.machine())
    # The binary needs at least the glibc it was linked against on this build machine.
    glibc = platform.libc_ver()[1] or "2.36"
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        files = {
            binary: "usr/bin/parley",
            HERE / "parley.desktop": "usr/share/applications/parley.desktop",
            HERE / "parley.svg": "usr/share/icons/hicolor/scalable/apps/parley.svg",
            HERE / "parley.png": "usr/share/icons/hicolor/256x256/apps/parley.png",
            HERE / "copyright": "usr/share/doc/parley/copyright",
        }
        for src, rel in files.items():
            dest = root / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
            dest.chmod(0o755 if rel.startswith("usr/bin/") else 0o644)
        size_kib = sum(f.stat().st_size for f in root.rglob("*") if f.is_file()) // 1024 + 1
        control = (HERE / "control.in").read_text()
        for key, value in {
            "VERSION": version,
            "ARCH": arch,
            "INSTALLED_SIZE": str(size_kib),
            "GLIBC": glibc,
        }.items():
            control = control.replace(f"@{key}@", value)
        (root / "DEBIAN").mkdir()
        (root / "DEBIAN" / "control").write_text(control)
        for d in [root, *root.rglob("*")]:
            if d.is_dir():
                d.chmod(0o755)
        deb = out_dir / f"parley_{version}_{arch}.deb"
        # root-owner-group: files owned by root in the package whoever builds it; xz is dpkg's default.
        subprocess.run(
            ["dpkg-deb", "--root-owner-group", "--build", str(root), str(deb)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return deb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary", type=Path)
    parser.add_argument("out_dir", type=Path)
    args = parser.parse_args(argv)
    if not os.access(args.binary, os.X_OK):
        parser.error(f"{args.binary} is not an executable; build it first (make package)")
    print(build(args.binary, args.out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
