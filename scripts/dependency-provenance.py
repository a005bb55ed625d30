"""Print, for each package of a lock file, who requires it and where its source lives.

Run it with the Python of the environment the lock describes (it reads the installed
metadata), e.g. `.venv-rasa/bin/python scripts/dependency-provenance.py requirements-rasa.lock`.
A package that nothing of ours requires, or whose installed version differs from the
lock, is flagged; docs/dependencies.md keeps the last table with the review's verdict.
"""

import re
import sys
from importlib import metadata

ENTRY = re.compile(r"^([A-Za-z0-9_.\-]+)==(\S+)( ;[^\\\n]*)?.*?\n((?:    .*\n)*)", re.MULTILINE)


def required_by(block: str) -> list[str]:
    """uv's `# via` annotation, on one line or one name per line."""
    names = []
    for line in block.splitlines():
        comment = line.strip()
        if not comment.startswith("#"):
            continue
        text = comment.lstrip("#").strip()
        text = text.removeprefix("via").strip()
        if text and not text.startswith("-c "):
            names.append(text)
    return names


def source_url(name: str) -> str:
    md = metadata.metadata(name)
    urls = [u.split(",", 1)[1].strip() for u in md.get_all("Project-URL") or [] if "," in u]
    forge = [u for u in urls if "github.com" in u or "gitlab" in u or "sourceforge" in u]
    return (forge or [md.get("Home-page") or ""] or urls)[0] or (urls[0] if urls else "")


def main(path: str) -> int:
    problems = 0
    print("| package | version | required by | source |")
    print("|---|---|---|---|")
    for name, version, marker, block in ENTRY.findall(open(path, encoding="utf-8").read()):
        parents = required_by(block)
        try:
            installed = metadata.version(name)
            source = source_url(name)
        except metadata.PackageNotFoundError:
            installed, source = "not installed", ""
        flags = []
        if not parents:
            flags.append("required by nothing")
        if installed == "not installed" and marker:
            installed = version  # another platform's package (its marker says which)
            source = f"(only where {marker.strip(' ;')})"
        if installed != version:
            flags.append(f"installed {installed}")
        problems += bool(flags)
        note = f" **{'; '.join(flags)}**" if flags else ""
        print(f"| {name} | {version}{note} | {', '.join(parents)} | {source} |")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
