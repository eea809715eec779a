"""The folder a writer owns: what it may write, replace and remove.

A writer (the HLS project writer, the RTL writer) writes into a folder that is new, empty, or
one it wrote before, recognised by the list of files it left there (:data:`FILE_LIST`). It
replaces only files on that list, removes listed files it no longer writes, leaves every other
file alone, refuses to overwrite a file it did not write, and never follows a symbolic link
inside the folder. Every file is staged first and checked as a whole, so a refused write
changes nothing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePosixPath

__all__ = ["FILE_LIST", "FolderError", "OutputFolder", "output_path"]

FILE_LIST = "hlsfx_files.json"
"""the writer's list of the files it wrote, inside the folder it wrote"""


class FolderError(ValueError):
    """A folder a writer may not write into, or a path it may not write."""


def output_path(path: object, what: str = "output folder") -> Path:
    """``path`` as a ``Path``; an empty or non-path value is a :class:`FolderError` (``""``
    would otherwise mean the current directory)."""
    if isinstance(path, os.PathLike):
        path = os.fspath(path)
    if not isinstance(path, str) or not path.strip() or "\0" in path:
        raise FolderError(f"{what} {path!r} is not a path: name a folder")
    return Path(path)


def _relative(name: str) -> PurePosixPath:
    relative = PurePosixPath(name)
    if relative.is_absolute() or not relative.parts or ".." in relative.parts:
        raise FolderError(f"{name!r} is not a path inside the output folder")
    return relative


class OutputFolder:
    """The files one writer writes into ``path`` (see the module docstring)."""

    def __init__(self, path: object, writer: str):
        self.root = output_path(path)
        self.writer = writer
        self._staged: dict[PurePosixPath, bytes] = {}
        self._before = self._listed()

    def _listed(self) -> set[PurePosixPath]:
        """The files this writer wrote here before; refuses a folder it does not own."""
        root = self.root
        if not root.exists():
            if root.is_symlink():
                raise FolderError(f"{root} is a broken symbolic link, not a folder")
            return set()
        if not root.is_dir():
            raise FolderError(f"{root} exists and is not a folder")
        listing = root / FILE_LIST
        if listing.is_symlink():
            raise FolderError(f"{listing} is a symbolic link; hlsfx does not follow it")
        if not listing.is_file():
            if any(root.iterdir()):
                raise FolderError(
                    f"{root} holds files hlsfx did not write (no {FILE_LIST}): write into a new "
                    "or empty folder"
                )
            return set()
        try:
            found = json.loads(listing.read_text(encoding="utf-8"))
            writer, files = found["writer"], [_relative(f) for f in found["files"]]
        except (ValueError, KeyError, TypeError) as error:
            raise FolderError(f"{listing} is not a list of files hlsfx wrote ({error})") from None
        if writer != self.writer:
            raise FolderError(
                f"{root} was written by hlsfx's {writer} writer, not the {self.writer} writer: "
                "write into another folder"
            )
        return set(files)

    def add(self, name: str, content: str | bytes) -> None:
        """Stage the file ``name`` (relative, ``/``-separated) with ``content``."""
        relative = _relative(name)
        if relative == PurePosixPath(FILE_LIST):
            raise FolderError(f"{FILE_LIST} is the writer's own list")
        data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        self._staged[relative] = data

    def _target(self, relative: PurePosixPath) -> Path:
        """The file's path, after checking that no part of it inside the folder is a link."""
        path = self.root
        for part in relative.parts:
            path = path / part
            if path.is_symlink():
                raise FolderError(f"{path} is a symbolic link; hlsfx does not follow it")
        return path

    def commit(self) -> Path:
        """Write every staged file and the list; remove the listed files no longer written."""
        targets = {relative: self._target(relative) for relative in sorted(self._staged)}
        for relative, target in targets.items():
            if target.exists() and (relative not in self._before or not target.is_file()):
                raise FolderError(f"{target} is not a file hlsfx wrote here: it stays as it is")
        for relative in sorted(self._before - set(self._staged)):
            target = self._target(relative)
            if target.is_file():
                target.unlink()
        self.root.mkdir(parents=True, exist_ok=True)
        for relative, target in targets.items():
            data = self._staged[relative]
            target.parent.mkdir(parents=True, exist_ok=True)
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
            descriptor = os.open(target, flags, 0o644)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
        listing = {"writer": self.writer, "files": [str(r) for r in sorted(self._staged)]}
        (self.root / FILE_LIST).write_text(json.dumps(listing, indent=1) + "\n", encoding="utf-8")
        return self.root
