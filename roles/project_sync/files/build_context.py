#!/usr/bin/env python3
"""Pack the image's build context into a deterministic tar and name the source revision.

Usage: build_context.py --source DIR --serving DIR --out FILE [--path P ...]
Prints JSON: {"changed", "sha256", "files", "revision", "dirty"}.

Deterministic (sorted names, mtime 0, uid/gid 0, normalised modes) so an unchanged tree gives the
same bytes: the tar's sha256 tells the build host whether its copy is current, and FILE is only
rewritten when the content differs (Ansible reports ok for an unchanged tree).
"""

import argparse
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

# Inside directories: no bytecode, editor droppings or dotfiles (e.g. the wheelhouse stamp).
SKIP_DIRS = {"__pycache__", ".git"}
SKIP_SUFFIXES = (".pyc", ".swp")
SERVING_PATH = "build/model/serving"


def iter_files(root, relative):
    """Yield (archive name, absolute path) of the regular files under root/relative."""
    top = os.path.join(root, relative)
    if os.path.isfile(top):
        yield relative, top
        return
    if not os.path.isdir(top):
        raise SystemExit(f"build context: {top} is missing")
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            if name.endswith(SKIP_SUFFIXES) or name.startswith("."):
                continue
            path = os.path.join(dirpath, name)
            yield os.path.relpath(path, root), path


def pack(members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, path in sorted(members):
            info = tarfile.TarInfo(name)
            info.size = os.path.getsize(path)
            info.mode = 0o755 if os.access(path, os.X_OK) else 0o644
            info.mtime = 0
            with open(path, "rb") as handle:
                tar.addfile(info, handle)
    return buffer.getvalue()


def git(source, *args):
    return subprocess.run(["git", "-C", source, *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def revision(source, paths, context_sha):
    """Short hash of the last commit that changed the build context (commits elsewhere in the
    repository do not cause a rebuild); uncommitted context changes are marked dirty with the
    context hash, so their tag never collides with the clean commit's."""
    try:
        short = (git(source, "log", "-1", "--format=%h", "--abbrev=7", "--", *paths)
                 or git(source, "rev-parse", "--short=7", "HEAD"))
        status = git(source, "status", "--porcelain", "--untracked-files=all", "--", *paths)
    except (subprocess.CalledProcessError, FileNotFoundError) as error:
        raise SystemExit(f"build context: {source} must be a git work tree with a commit "
                         f"(the image tag names the revision): {error}") from error
    if status:
        return f"{short}-dirty{context_sha[:8]}", True
    return short, False


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True)
    parser.add_argument("--serving", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--path", action="append", required=True, dest="paths")
    args = parser.parse_args(argv)

    members = [m for p in args.paths for m in iter_files(args.source, p)]
    members += [(os.path.join(SERVING_PATH, os.path.relpath(path, args.serving)), path)
                for _, path in iter_files(args.serving, ".")]
    data = pack(members)
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        with open(args.out, "rb") as handle:
            changed = hashlib.sha256(handle.read()).hexdigest() != sha256
    except FileNotFoundError:
        changed = True
    if changed:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out + ".tmp", "wb") as handle:
            handle.write(data)
        os.replace(args.out + ".tmp", args.out)
    rev, dirty = revision(args.source, args.paths, sha256)
    json.dump({"changed": changed, "sha256": sha256, "files": len(members), "revision": rev,
               "dirty": dirty}, sys.stdout)


if __name__ == "__main__":
    main()
