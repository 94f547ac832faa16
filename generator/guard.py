"""Adapter: what keeps a build from damaging the site."""

from __future__ import annotations

from pathlib import Path


def remove_output(site_dir: str | Path, dest_uri: str) -> None:
    """Remove one file this session wrote into site_dir, and the folders that leaves empty."""
    root = Path(site_dir).resolve()
    path = root / dest_uri
    if not path.resolve().is_relative_to(root):
        return
    try:
        path.unlink()
    except FileNotFoundError:
        pass  # gone already; its folders may still be empty
    except OSError:
        return
    for parent in path.parents:
        if parent == root or not parent.is_relative_to(root):
            break
        try:
            parent.rmdir()  # only if empty
        except OSError:
            break
