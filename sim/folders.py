"""Results folders that are never half-written: staged beside the target, sealed with hashes, swapped in.

A command that writes `results/x/` works like this (`OutputFolder`):

1. before simulating: the target is checked (not a file, its parent writable, not a folder
   fenliu did not create unless `force`) and a lock `results/.x.lock` is taken, so a second
   run into the same folder is refused at once; temporaries of killed runs are cleaned up;
2. everything (data, manifest, report) is written into a fresh sibling `results/.x.tmp-…/`;
3. the manifest gets the sha256 of every file (`seal`), and the sibling replaces the target in
   one atomic exchange (`renameat2(RENAME_EXCHANGE)` on Linux; elsewhere two renames that a
   later run repairs). The folder at `results/x/` is therefore always the previous complete
   result or the new one.

A sweep keeps its work between sessions in `results/.x.partial/` (persistent staging) and is
swapped in only once complete. `verify` checks a folder against its manifest's hashes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import uuid
from pathlib import Path

from sim.errors import InputError

MANIFEST = "manifest.json"
KINDS = ("run", "compare", "sweep")
UNHASHED_PREFIX = "report"  # report*.html is rewritten by `fenliu report`: not part of the data
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _hidden(path: Path, what: str) -> Path:
    return path.with_name(f".{path.name}.{what}")


def published_folder(path: Path) -> Path:
    """The folder a results folder is published as: `path` itself, or for a staging folder (`.name.tmp-…`,
    `.name.partial`) the target it becomes (`name`), which is what a report written inside it should name.
    """
    match = re.fullmatch(r"\.(.+)\.(tmp-[0-9a-f]+|partial)", path.name)
    return path.with_name(match.group(1)) if match else path


def is_fenliu_folder(path: Path) -> bool:
    """Whether `path` holds a results folder written by fenliu (a manifest of a known kind)."""
    try:
        data = json.loads((path / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("kind") in KINDS and "format_version" in data


def _hashed_files(folder: Path) -> list[Path]:
    out = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if not path.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        if rel.as_posix() == MANIFEST or (path.name.startswith(UNHASHED_PREFIX) and path.suffix == ".html"):
            continue
        out.append(path)
    return out


def file_sha256(path: Path) -> str:
    """sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def seal(folder: Path) -> None:
    """Add to the folder's manifest the sha256 of every file in it (reports and hidden files aside)."""
    path = folder / MANIFEST
    manifest = json.loads(path.read_text("utf-8"))
    manifest["files"] = {p.relative_to(folder).as_posix(): file_sha256(p) for p in _hashed_files(folder)}
    tmp = _hidden(path, f"tmp-{os.getpid()}")
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8")
    os.replace(tmp, path)


def reseal(folder: Path, rel: str) -> None:
    """Record the new sha256 of one file that fenliu itself rewrote in a sealed folder (a derived table)."""
    path = folder / MANIFEST
    manifest = json.loads(path.read_text("utf-8"))
    if not isinstance(manifest.get("files"), dict):
        return  # an unsealed folder: nothing to keep up to date
    manifest["files"][rel] = file_sha256(folder / rel)
    tmp = _hidden(path, f"tmp-{os.getpid()}")
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8")
    os.replace(tmp, path)


def verify(folder: str | Path) -> bool:
    """InputError if a file of `folder` is missing, altered or not in its manifest; False if the manifest has no
    hashes (a folder from before fenliu recorded them), True if every file matches.
    """
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return False  # the readers say what is wrong with the manifest itself
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict):
        return False
    problems = []
    for rel, digest in sorted(files.items()):
        path = folder / rel
        if not path.is_file():
            problems.append(f"{rel} is missing")
        elif file_sha256(path) != digest:
            problems.append(f"{rel} differs from the file the manifest recorded (sha256)")
    present = {p.relative_to(folder).as_posix() for p in _hashed_files(folder)}
    problems += [f"{rel} is not in the manifest (left by another run?)" for rel in sorted(present - set(files))]
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise InputError(
            f"the files disagree with {MANIFEST}: {shown}. The folder mixes runs or was edited; run the "
            "command again to rewrite it",
            source=str(folder),
        )
    return True


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where the system cannot."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    libc = ctypes.CDLL(name, use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


class OutputFolder:
    """A results folder written atomically (see the module). Use as a context manager around the whole command.

    `option` names the argument in messages (e.g. '--out'); `persistent` keeps the staging folder
    (`.name.partial`) between sessions and publishes only when `publish()` is called.
    """

    def __init__(self, target: str | Path, *, force: bool = False, option: str = "--out", persistent: bool = False):
        self.shown = str(target)
        self.target = Path(os.path.abspath(target))  # '.' and '..' resolved: the target has a real name
        self.force = force
        self.option = option
        self.persistent = persistent
        self.staging = (
            _hidden(self.target, "partial") if persistent else _hidden(self.target, f"tmp-{uuid.uuid4().hex[:12]}")
        )
        self.lock_path = _hidden(self.target, "lock")
        self.published = False
        self._lock_fd: int | None = None

    # -- checks, before any simulation
    def _say(self, message: str) -> InputError:
        return InputError(f"{self.option} {self.shown!r}: {message}")

    def check(self) -> None:
        """Refuse a target that cannot or must not be written (InputError naming it)."""
        target = self.target
        here = Path.cwd().resolve()
        if target.resolve() == here or target.resolve() in here.parents:
            raise self._say("is the current folder or holds it; a results folder is replaced whole, choose a new one")
        if target.exists() and not target.is_dir():
            raise self._say("exists and is not a folder")
        if target.is_dir() and not self.force and any(target.iterdir()) and not is_fenliu_folder(target):
            raise self._say(
                "is a folder that fenliu did not write (it has no fenliu manifest.json); its files would be "
                "replaced. Choose a new or empty folder, or pass --force to replace it"
            )
        parent = target.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise self._say(f"cannot be created: {str(parent)!r} is not a folder") from None
        except OSError as exc:
            raise self._say(f"cannot be created ({exc.strerror or exc})") from None
        if not os.access(parent, os.W_OK | os.X_OK):
            raise self._say(f"cannot be written: no permission to write in {str(parent)!r}")

    def _lock(self) -> None:
        while True:
            try:
                fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise self._say(f"cannot be written ({exc.strerror or exc})") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                holder = ""
                try:
                    holder = f" (process {self.lock_path.read_text().strip()})"
                except OSError:
                    pass
                raise self._say(
                    f"another fenliu command is writing this folder{holder}; wait for it to finish or choose "
                    "another folder"
                ) from None
            try:  # the file may have been removed by the previous holder between open and lock
                if os.fstat(fd).st_ino == os.stat(self.lock_path).st_ino:
                    break
            except FileNotFoundError:
                pass
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock_fd = fd

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            self.lock_path.unlink(missing_ok=True)
            os.close(self._lock_fd)
            self._lock_fd = None

    def clean_stale(self) -> None:
        """Remove what killed runs into this target left (we hold the lock, so none of it is live)."""
        parent, name = self.target.parent, self.target.name
        olds = sorted(parent.glob(f".{name}.old-*"))
        if olds and not self.target.exists():  # killed between the two renames: put the previous result back
            os.rename(olds.pop(), self.target)
        for path in [*parent.glob(f".{name}.tmp-*"), *olds]:
            if path == self.staging:
                continue
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        if self.persistent and self.staging.is_dir():  # one-file temporaries of a killed session
            for tmp in self.staging.rglob(".*.tmp-*"):
                tmp.unlink(missing_ok=True)

    def __enter__(self) -> OutputFolder:
        self.check()
        self._lock()
        try:
            self.clean_stale()
            self.staging.mkdir(exist_ok=self.persistent)
        except BaseException:
            self._unlock()
            raise
        return self

    def discard_staging(self) -> None:
        """Remove the staging folder (a persistent one included)."""
        shutil.rmtree(self.staging, ignore_errors=True)

    def publish(self) -> Path:
        """Seal the staging folder's manifest and put it in the target's place in one exchange."""
        if (self.staging / MANIFEST).is_file():
            seal(self.staging)
        if not self.target.exists():
            os.rename(self.staging, self.target)
        elif _exchange(self.staging, self.target):
            shutil.rmtree(self.staging)  # now the previous result
        else:
            old = _hidden(self.target, f"old-{uuid.uuid4().hex[:12]}")
            os.rename(self.target, old)
            os.rename(self.staging, self.target)
            shutil.rmtree(old)
        self.published = True
        return self.target

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if not self.published:
                if exc_type is None and not self.persistent:
                    self.publish()
                elif not self.persistent:
                    self.discard_staging()
        finally:
            self._unlock()


def clean_file_temporaries(folder: Path) -> None:
    """Remove one-file temporaries (`.name.tmp-PID`) left in `folder` by processes that no longer run."""
    for tmp in folder.glob(".*.tmp-*"):
        pid = tmp.name.rpartition(".tmp-")[2]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            tmp.unlink(missing_ok=True)
        except PermissionError:
            pass


def check_file_output(path: str | Path, option: str = "--out") -> Path:
    """A single output file: not a folder, its folder creatable and writable (InputError otherwise)."""
    path = Path(path)
    if path.is_dir():
        example = str(path / "report.html")
        raise InputError(f"{option} {str(path)!r} is a folder; expected a file name, e.g. {example!r}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{option} {str(path)!r}: its folder cannot be created ({exc.strerror or exc})") from None
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise InputError(f"{option} {str(path)!r} cannot be written: no permission to write in {str(path.parent)!r}")
    return path
