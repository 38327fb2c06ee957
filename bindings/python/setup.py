"""Builds creditmeter._native with CMake for `pip install ./bindings/python` (see pyproject.toml).

Offline: the build backend is setuptools (Debian python3-setuptools), run with
`pip install --no-build-isolation` so pip does not try to download it.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent  # the repository: the top-level CMakeLists.txt


def project_version() -> str:
    text = (ROOT / "CMakeLists.txt").read_text()
    m = re.search(r"project\(\s*creditmeter\s+VERSION\s+([0-9.]+)", text)
    return m.group(1) if m else "0.0.0"


class CMakeExtension(Extension):
    def __init__(self, name: str) -> None:
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        cmake = shutil.which("cmake")
        if not cmake:
            sys.exit("creditmeter: cmake not found (Debian: apt-get install cmake; see scripts/install-deps.sh)")
        suffix = sysconfig.get_config_var("EXT_SUFFIX")
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL") or str(os.cpu_count() or 2)
        reuse = os.environ.get("CREDITMETER_CMAKE_BUILD_DIR")
        if reuse:
            build_dir = Path(reuse).resolve()
            if not (build_dir / "CMakeCache.txt").exists():
                sys.exit(f"creditmeter: CREDITMETER_CMAKE_BUILD_DIR={reuse} is not a configured CMake build tree")
        else:
            build_dir = HERE / ".build" / f"cmake-{sys.implementation.cache_tag}"
            build_dir.mkdir(parents=True, exist_ok=True)
            args = [
                cmake, "-S", str(ROOT), "-B", str(build_dir),
                "-DCMAKE_BUILD_TYPE=Release",
                f"-DPython3_EXECUTABLE={sys.executable}",
                "-DCREDITMETER_BUILD_PYTHON=ON",
                "-DCREDITMETER_BUILD_TESTS=OFF",
                "-DCREDITMETER_BUILD_EXAMPLES=OFF",
                "-DCREDITMETER_BUILD_TOOLS=OFF",
            ]
            args += shlex.split(os.environ.get("CREDITMETER_CMAKE_ARGS", ""))
            subprocess.check_call(args)
        subprocess.check_call([cmake, "--build", str(build_dir), "--target", "creditmeter_python", "-j", jobs])
        built = build_dir / "python" / "creditmeter" / f"_native{suffix}"
        if not built.exists():
            sys.exit(f"creditmeter: {built} was not built (was the build tree configured for {sys.executable}?)")
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, target)


setup(
    version=project_version(),
    ext_modules=[CMakeExtension("creditmeter._native")],
    cmdclass={"build_ext": CMakeBuild},
    # Keep setuptools' build artefacts out of the repository's build*/ trees.
    options={"build": {"build_base": str(HERE / ".build" / "setuptools")}},
)
