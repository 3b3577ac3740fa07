"""The one PDF writer: a file whose cross-reference table a reader can follow to every object."""

import re

from core.pdf import one_page_pdf


def test_the_pdf_is_one_page_whose_xref_points_at_each_object_and_shows_the_text():
    data = one_page_pdf(title="Ficha (1): año", lines=["Responda en su cuaderno.", "Señal ✓"])
    assert data.startswith(b"%PDF-1.4") and data.endswith(b"%%EOF\n")
    startxref = int(re.search(rb"startxref\n(\d+)\n", data).group(1))
    table = data[startxref:].split(b"trailer")[0].splitlines()
    assert table[:2] == [b"xref", b"0 6"]
    offsets = [int(line.split()[0]) for line in table[3:]]
    for number, offset in enumerate(offsets, start=1):
        assert data[offset:].startswith(f"{number} 0 obj\n".encode())
    assert data.count(b"/Type /Page ") == 1
    # Latin-1 text, parentheses escaped; a character outside Latin-1 prints as "?"
    assert "(Ficha \\(1\\): año) Tj".encode("latin-1") in data
    assert b"(Se\xf1al ?) Tj" in data
