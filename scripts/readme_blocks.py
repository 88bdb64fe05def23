"""Reading the README's sections and fenced code blocks, for the scripts that run what
the README shows (check-readme-commands.py, consumer-as-dependency.py). Standard library
only."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def section(heading: str, text: str | None = None) -> str:
    """The section under `heading` (e.g. "## The two commands", matched exactly),
    subsections included, up to the next heading of the same or a higher level."""
    text = README.read_text(encoding="utf-8") if text is None else text
    level = len(heading) - len(heading.lstrip("#"))
    lines = text.splitlines()
    try:
        start = lines.index(heading)
    except ValueError:
        raise SystemExit(f"README.md has no heading {heading!r}") from None
    end = len(lines)
    in_fence = False
    for number in range(start + 1, len(lines)):
        line = lines[number]
        if line.startswith("```"):
            in_fence = not in_fence
        match = re.match(r"(#+) ", line)
        if not in_fence and match and len(match.group(1)) <= level:
            end = number
            break
    return "\n".join(lines[start:end])


def code_blocks(text: str, language: str) -> list[list[str]]:
    """The fenced blocks of `language` (```sh, ```toml, ```rust, also ```rust no_run) in
    `text`, as lines."""
    blocks, current = [], None
    for line in text.splitlines():
        if current is None:
            info = line.strip()
            if info.startswith("```") and info[3:].replace(",", " ").split()[:1] == [language]:
                current = []
        elif line.strip() == "```":
            blocks.append(current)
            current = None
        else:
            current.append(line)
    return blocks


def rust_source(block: list[str]) -> str:
    """A ```rust block as rustdoc compiles it: lines hidden with `# ` shown again."""
    shown = []
    for line in block:
        stripped = line.lstrip()
        if stripped == "#":
            shown.append("")
        elif stripped.startswith("# "):
            shown.append(line[: len(line) - len(stripped)] + stripped[2:])
        else:
            shown.append(line)
    return "\n".join(shown) + "\n"
