"""Workbooks as LibreOffice prints them: convert to PDF with ``soffice`` and read the words back with their
positions (``pdftotext -bbox``, poppler-utils), page by page."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

needs_libreoffice = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice (soffice) and poppler-utils (pdftotext) are needed to print workbooks to PDF")

_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')
_BREAKS = ("-", "–")  # LibreOffice wraps a long word after a hyphen or a dash


@dataclass(frozen=True)
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


@dataclass
class Page:
    number: int  # 1-based, in the whole PDF
    words: list[Word]

    @property
    def sheet(self) -> str:
        """The sheet printed on this page: the page header (the sheet's name) is its topmost line."""
        top = min(word.y0 for word in self.words)
        return " ".join(w.text for w in sorted(self.words, key=lambda w: w.x0) if abs(w.y0 - top) < 1)

    def find(self, text: str, aligned: bool = True, below: float = -1.0) -> Word | None:
        """The first word of ``text`` printed whole (``shows_whole``) lower on the page than ``below``."""
        return whole_at(text, [word for word in self.words if word.y0 > below], aligned)

    def shows(self, text: str, aligned: bool = True) -> bool:
        return self.find(text, aligned) is not None


def to_pdf(workbooks: list[Path], out: Path, home: Path) -> list[Path]:
    """Convert the workbooks to PDF in one LibreOffice run (it prints every sheet, each on its own pages)."""
    out.mkdir(exist_ok=True)
    done = subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(out), *map(str, workbooks)],
        capture_output=True, timeout=300,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"})
    assert done.returncode == 0, done.stderr
    pdfs = [out / f"{path.stem}.pdf" for path in workbooks]
    assert all(pdf.exists() for pdf in pdfs), done.stdout
    return pdfs


def pages(pdf: Path) -> list[Page]:
    text = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [Page(number, [Word(float(a), float(b), float(c), float(d), html.unescape(t))
                          for a, b, c, d, t in _WORD.findall(chunk)])
            for number, chunk in enumerate(text.split("<page ")[1:], start=1)]


def whole_at(text: str, words: list[Word], aligned: bool = True) -> Word | None:
    """Where ``text`` is printed whole: its words in order, on one line or wrapped onto the next lines of the same
    cell (each line starting where the first did, unless not ``aligned``: a centred chart title), a word broken only
    after a hyphen. A text cut by the next cell or by the page edge, or a word broken anywhere else, is not."""
    target = " ".join(text.split())

    def follows(last: Word, first: Word, word: Word) -> bool:
        height = last.y1 - last.y0
        same_line = abs(word.y0 - last.y0) < 1 and 0 <= word.x0 - last.x1 < height
        next_line = 0 < word.y0 - last.y0 < 2.2 * height and (not aligned or abs(word.x0 - first.x0) < 1.5)
        return same_line or next_line

    def fits(word: Word, at: int) -> bool:
        end = at + len(word.text)
        return target.startswith(word.text, at) and (
            end == len(target) or target[end] == " " or word.text.endswith(_BREAKS))

    def rest(at: int, last: Word, first: Word) -> bool:
        if at == len(target):
            return True
        at += target[at] == " "
        return any(fits(word, at) and follows(last, first, word) and rest(at + len(word.text), word, first)
                   for word in words)

    return next((word for word in words if fits(word, 0) and rest(len(word.text), word, word)), None)
